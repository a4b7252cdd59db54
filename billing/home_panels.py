"""The billing panel of the home page, for those who manage billing: the company's status, its
trial or next invoice, and its seats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from billing.billing import active_seats
from billing.models import Subscription
from billing.stripe_api import configured
from tenancy.http import TenantRequest, tenant_reverse


def billing_overview(request: TenantRequest) -> Mapping[str, Any] | None:
    """Two queries: the subscription and the active members (the seats)."""
    tenant = request.tenant
    return {
        "configured": configured(),
        "subscription": Subscription.objects.filter(tenant=tenant).first(),
        "seats": active_seats(tenant),
        "billing_url": tenant_reverse("billing", tenant.slug),
    }
