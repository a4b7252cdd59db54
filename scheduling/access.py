"""Access helpers of the scheduling app: fetches that answer 404 alike for missing and another
company's, and the sites a member may schedule."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from scheduling.models import (
    SCHEDULE_SITE,
    Site,
)
from tenancy.access import tenant_object_get_or_404
from tenancy.models import Membership, Tenant
from tenancy.object_permissions import objects_permitted
from tenancy.prepared import company_query


def site_get_or_404(*, tenant: Tenant, id: uuid.UUID | str) -> Site:
    return tenant_object_get_or_404(Site, tenant=tenant, id=id)


def sites_for_member(membership: Membership) -> QuerySet[Site]:
    """The sites `membership` may schedule: all of the tenant's, or only those granted to a
    member limited to chosen sites (django-guardian object permissions)."""
    sites = Site.objects.filter(tenant_id=membership.tenant_id).order_by("name")
    if membership.all_sites:
        return sites
    return objects_permitted(membership=membership, permission=SCHEDULE_SITE, queryset=sites)


def _all_sites(tenant_id: uuid.UUID) -> QuerySet[Site]:
    return Site.objects.filter(tenant_id=tenant_id).order_by("name")


# The rota and its rows read them on every request: compiled once (tenancy/prepared.py).
_ALL_SITES = company_query(_all_sites)


def site_list_for_member(membership: Membership) -> list[Site]:
    """sites_for_member's sites, read."""
    if membership.all_sites:
        return _ALL_SITES.run(tenant_id=membership.tenant_id)
    return list(sites_for_member(membership))


def schedules_site(membership: Membership, site_id: uuid.UUID | str) -> bool:
    """Whether `membership` may schedule the site `site_id` (one query)."""
    return sites_for_member(membership).filter(pk=site_id).exists()
