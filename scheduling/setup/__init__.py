"""Setting up scheduling: sites, positions, work profiles, the working-time settings."""
