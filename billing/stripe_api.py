"""The Stripe library, configured from settings at each use (tests point it at a stand-in)."""

from __future__ import annotations

from typing import Any

import stripe
from django.conf import settings


def configured() -> bool:
    return bool(settings.ENTITLEMENTS_ENFORCED)


def api() -> Any:
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE
    stripe.max_network_retries = 2
    return stripe
