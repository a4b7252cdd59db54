"""Writes of the scheduling app: sites and which sites a member may schedule."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scheduling.models import SCHEDULE_SITE, Site
from scheduling.selectors import sites_for_member
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.object_permissions import object_permission_grant, object_permission_revoke


def site_save(
    *,
    tenant: Tenant,
    actor: Membership,
    site: Site | None,
    name: str,
    address: str,
    time_zone: str,
) -> Site:
    with tenant_context(tenant):
        site = site or Site(tenant=tenant)
        site.name = name.strip()
        site.address = address.strip()
        site.time_zone = time_zone
        if Site.objects.filter(name__iexact=site.name).exclude(pk=site.pk).exists():
            raise ValidationError({"name": _("Another site already has that name.")})
        site.full_clean()
        site.save()
    return site


def member_sites_set(
    *, tenant: Tenant, actor: Membership, membership: Membership, all_sites: bool, sites: list[Site]
) -> None:
    """Let `membership` schedule every site, or exactly `sites`."""
    with tenant_context(tenant):
        if any(site.tenant_id != tenant.pk for site in sites):
            raise ValidationError(_("Choose valid sites."))
        if not all_sites and not sites:
            raise ValidationError(_("Choose at least one site, or all sites."))
        wanted = {site.pk for site in sites} if not all_sites else set()
        membership.all_sites = all_sites
        membership.save(update_fields=["all_sites"])
        limited = Membership(pk=membership.pk, tenant=tenant, user=membership.user, all_sites=False)
        held = {site.pk: site for site in sites_for_member(limited)}
        for site in sites:
            if site.pk in wanted and site.pk not in held:
                object_permission_grant(
                    tenant=tenant, actor=actor, membership=membership, permission=SCHEDULE_SITE,
                    obj=site,
                )  # fmt: skip
        for pk, site in held.items():
            if pk not in wanted:
                object_permission_revoke(
                    tenant=tenant, actor=actor, membership=membership, permission=SCHEDULE_SITE,
                    obj=site,
                )  # fmt: skip
