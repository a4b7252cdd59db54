"""Leave and availability."""
