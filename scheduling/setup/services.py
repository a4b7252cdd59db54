"""Writes of the company's scheduling set-up: sites, positions, who schedules which site, the
working-time settings and people's work profiles."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling.access import sites_for_member
from scheduling.models import (
    SCHEDULE_SITE,
    Position,
    SchedulingSettings,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from scheduling.rules.facts import scheduling_settings
from scheduling.rules.stored import refresh_company, refresh_people
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.object_permissions import object_permission_grant, object_permission_revoke
from tenancy.permissions import Permission


def site_save(
    *,
    tenant: Tenant,
    actor: Membership,
    site: Site | None,
    name: str,
    address: str,
    time_zone: str,
) -> Site:
    site = site or Site(tenant=tenant)
    site.address, site.time_zone = address.strip(), time_zone
    return _save_named(tenant, site, name, _("Another site already has that name."))


_Named = TypeVar("_Named", Site, Position)


def _save_named(tenant: Tenant, obj: _Named, name: str, taken: str) -> _Named:
    """Save a site or position whose name is unique in the company (any letter case)."""
    with tenant_context(tenant):
        obj.name = name.strip()
        if type(obj).objects.filter(name__iexact=obj.name).exclude(pk=obj.pk).exists():
            raise ValidationError({"name": taken})
        obj.full_clean()
        obj.save()
    return obj


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


def position_save(
    *, tenant: Tenant, actor: Membership, position: Position | None, name: str, colour: str
) -> Position:
    position = position or Position(tenant=tenant)
    position.colour = colour
    return _save_named(tenant, position, name, _("Another position already has that name."))


def settings_save(*, tenant: Tenant, actor: Membership, **values: Any) -> SchedulingSettings:
    """Save the company's rules; every stored rule break is worked out again with them."""
    with tenant_context(tenant), transaction.atomic():
        settings = scheduling_settings(tenant)
        for name, value in values.items():
            setattr(settings, name, value)
        settings.full_clean()
        settings.save()
        refresh_company(tenant)
    return settings


def work_profile_save(
    *,
    tenant: Tenant,
    actor: Membership,
    membership: Membership,
    positions: list[Position],
    sites: list[Site],
    contracted_hours: Decimal | None,
    max_hours_7_days: Decimal | None,
    min_rest_hours: Decimal | None,
    hourly_rate: Decimal | None = None,
    max_consecutive_days: int | None = None,
    min_days_off: int | None = None,
    max_weekends: int | None = None,
    period_min_hours: Decimal | None = None,
    period_max_hours: Decimal | None = None,
) -> WorkProfile:
    """Save what `membership` can work, with their own limits (None: the company's rule). The
    hourly rate changes only when the actor may see people's personal data (otherwise it is
    neither shown nor accepted)."""
    with tenant_context(tenant), transaction.atomic():
        if any(obj.tenant_id != tenant.pk for obj in [*positions, *sites, membership]):
            raise ValidationError(_("Choose valid positions and sites."))
        profile = WorkProfile.objects.filter(membership=membership).first() or WorkProfile(
            membership=membership
        )
        profile.contracted_hours = contracted_hours
        profile.max_hours_7_days = max_hours_7_days
        profile.min_rest_hours = min_rest_hours
        profile.max_consecutive_days = max_consecutive_days
        profile.min_days_off = min_days_off
        profile.max_weekends = max_weekends
        profile.period_min_hours = period_min_hours
        profile.period_max_hours = period_max_hours
        rate_changed = False
        if actor.has(Permission.VIEW_PERSONAL_DATA):
            rate_changed = profile.hourly_rate != hourly_rate
            profile.hourly_rate = hourly_rate
        profile.full_clean()
        profile.save()
        if rate_changed:
            emit(Event.PERSONAL_DATA_CHANGED, tenant=tenant, user=actor.user, target=membership,
                 data={"fields": ["hourly_rate"]})  # fmt: skip
        _set_links(profile, WorkProfilePosition, "position", {p.pk for p in positions})
        _set_links(profile, WorkProfileSite, "site", {s.pk for s in sites})
        refresh_people(tenant, [membership.pk])
    return profile


def _set_links(
    profile: WorkProfile,
    model: type[WorkProfilePosition] | type[WorkProfileSite],
    field: str,
    wanted: set[uuid.UUID],
) -> None:
    """Add and remove link rows one by one, so that each change is an audit entry."""
    held = {getattr(link, f"{field}_id"): link for link in model.objects.filter(profile=profile)}
    for key, link in held.items():
        if key not in wanted:
            link.delete()
    for key in wanted - set(held):
        model.objects.create(profile=profile, **{f"{field}_id": key})


def ensure_profile(tenant: Tenant, membership: Membership) -> WorkProfile:
    with tenant_context(tenant):
        profile, _created = WorkProfile.objects.get_or_create(membership=membership)
    return profile
