"""Reads of the scheduling app."""

from __future__ import annotations

from django.db.models import QuerySet

from scheduling.models import SCHEDULE_SITE, Site
from tenancy.models import Membership
from tenancy.object_permissions import objects_permitted


def sites_for_member(membership: Membership) -> QuerySet[Site]:
    """The sites `membership` may schedule: all of the tenant's, or only those granted to a
    member limited to chosen sites (django-guardian object permissions)."""
    sites = Site.objects.filter(tenant_id=membership.tenant_id).order_by("name")
    if membership.all_sites:
        return sites
    return objects_permitted(membership=membership, permission=SCHEDULE_SITE, queryset=sites)
