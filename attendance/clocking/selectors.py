"""Reads of clocking: the shift a punch belongs to, and a person's clock state for the buttons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, Q, QuerySet

from attendance.models import Break, Punch, SiteLocation
from scheduling.models import Shift, Site, WorkProfileSite
from tenancy.models import Membership, Tenant

# A person may clock in this long before their shift starts and still be matched to it.
EARLY = dt.timedelta(hours=2)


def matching_shift(tenant: Tenant, membership: Membership, now: dt.datetime) -> Shift | None:
    """The person's published shift of the moment: the one whose start is nearest among those
    that start within EARLY from now and have not ended, and that has no punch yet."""
    candidates = (
        Shift.objects.filter(
            tenant=tenant, membership=membership, status=Shift.Status.PUBLISHED,
            start_at__lte=now + EARLY, end_at__gt=now,
        )
        .exclude(pk__in=Punch.objects.filter(tenant=tenant, membership=membership,
                                             shift__isnull=False).values("shift_id"))
        .select_related("site")
        .order_by("start_at")
    )  # fmt: skip
    return min(candidates, key=lambda s: abs(s.start_at - now), default=None)


@dataclass(frozen=True)
class ClockState:
    punch: Punch | None  # the open punch, with its site
    on_break: Break | None
    shift: Shift | None  # the shift a clock-in now would be matched to
    sites: list[Site]  # where an unscheduled clock-in may be made
    locate: bool  # whether the page asks the browser for its position

    @property
    def clocked_in(self) -> bool:
        return self.punch is not None


def clock_state(tenant: Tenant, membership: Membership, now: dt.datetime) -> ClockState:
    """What the clock buttons show: three queries, four when there is no shift to clock in to
    (the sites to choose from)."""
    punch = (
        Punch.objects.filter(tenant=tenant, membership=membership, clock_out_at__isnull=True)
        .select_related("site", "shift")
        .first()
    )
    on_break = None
    shift = None
    sites: list[Site] = []
    if punch is not None:
        on_break = Break.objects.filter(tenant=tenant, punch=punch, end_at__isnull=True).first()
        checked = [punch.site_id]
    else:
        shift = matching_shift(tenant, membership, now)
        if shift is None:
            sites = list(_member_sites(tenant, membership))
        checked = [shift.site_id] if shift is not None else [s.pk for s in sites]
    locate = (
        SiteLocation.objects.filter(tenant=tenant, site_id__in=checked).exclude(mode="off").exists()
    )
    return ClockState(punch=punch, on_break=on_break, shift=shift, sites=sites, locate=locate)


def _member_sites(tenant: Tenant, membership: Membership) -> QuerySet[Site]:
    """The sites in the person's work profile; every site when they have none listed. One
    query."""
    listed = WorkProfileSite.objects.filter(tenant=tenant, profile__membership=membership)
    return Site.objects.filter(
        Q(pk__in=listed.values("site_id")) | ~Exists(listed), tenant=tenant
    ).order_by("name")
