"""Sites, positions, shifts, rota, working-time rules and the employee's schedule (filled by a later issue)."""
