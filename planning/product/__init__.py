"""The product's auto-builder: demand as slots, the CP-SAT model over real shift times, and the
rules engine's verdict on everything it proposes (pure: no models, no database)."""
