"""Building the rota: set-up, the working-time rules, the week grid and publishing, and the
self-service around it (my shifts, leave and availability, open shifts and swaps, patterns,
messages and notifications), as feature folders on a shared base (README: Inside scheduling)."""
