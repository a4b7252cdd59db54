"""Access helpers of the scheduling app (404 alike for missing and another tenant's)."""

from __future__ import annotations

import uuid

from scheduling.models import Site
from tenancy.access import tenant_object_get_or_404
from tenancy.models import Tenant


def site_get_or_404(*, tenant: Tenant, id: uuid.UUID | str) -> Site:
    return tenant_object_get_or_404(Site, tenant=tenant, id=id)
