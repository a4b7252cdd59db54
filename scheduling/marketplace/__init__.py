"""Open shifts, claims and swaps."""
