"""Stripe subscription state, Checkout, Billing Portal and webhooks (filled by a later issue)."""
