"""Sites, positions, shifts, rota, working-time rules, the employee's schedule (later)."""
