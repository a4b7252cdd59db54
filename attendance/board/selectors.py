"""The managers' board: per site, who is on now, on a break (and for how long), late, not
turned up, and working past the end of their shift. Read in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from attendance.models import AttendanceSettings, Break, Punch
from scheduling.access import sites_for_member
from scheduling.models import Shift, Site
from tenancy.models import Membership, Tenant

# Shifts shown: those running now, or that started or end within this of now.
AROUND = dt.timedelta(hours=2)
# A break is long beyond the shift's scheduled break, or this when none was scheduled.
DEFAULT_BREAK = dt.timedelta(minutes=30)


@dataclass
class OnNow:
    punch: Punch
    on_break: Break | None
    long_break: bool
    overtime: bool  # still clocked in after the shift's end


@dataclass
class SiteBoard:
    site: Site
    on_now: list[OnNow] = field(default_factory=list)
    late: list[Shift] = field(default_factory=list)  # started, within the no-show grace
    not_turned_up: list[Shift] = field(default_factory=list)
    expected: list[Shift] = field(default_factory=list)  # starting soon


def board(
    tenant: Tenant, actor: Membership, settings: AttendanceSettings, now: dt.datetime
) -> list[SiteBoard]:
    """The sites the member schedules, each with its people. Five queries."""
    sites = list(sites_for_member(actor))
    site_ids = [s.pk for s in sites]
    boards = {s.pk: SiteBoard(s) for s in sites}
    punches = list(
        Punch.objects.filter(tenant=tenant, site_id__in=site_ids, clock_out_at__isnull=True)
        .select_related("membership__user", "site", "shift").order_by("clock_in_at")
    )  # fmt: skip
    breaks: dict[uuid.UUID, Break] = {
        b.punch_id: b
        for b in Break.objects.filter(tenant=tenant, punch__in=punches, end_at__isnull=True)
    }
    shifts = list(
        Shift.objects.filter(
            tenant=tenant, site_id__in=site_ids, status=Shift.Status.PUBLISHED,
            membership__isnull=False, start_at__lte=now + AROUND, end_at__gte=now,
        ).select_related("membership__user", "site", "position").order_by("start_at")
    )  # fmt: skip
    punched = set(
        Punch.objects.filter(tenant=tenant, shift__in=shifts).values_list("shift_id", flat=True)
    )
    for punch in punches:
        running = breaks.get(punch.pk)
        allowed = (dt.timedelta(minutes=punch.shift.break_minutes)
                   if punch.shift and punch.shift.break_minutes else DEFAULT_BREAK)  # fmt: skip
        boards[punch.site_id].on_now.append(OnNow(
            punch, running, long_break=bool(running and now - running.start_at > allowed),
            overtime=bool(punch.shift and now > punch.shift.end_at),
        ))  # fmt: skip
    grace = dt.timedelta(minutes=settings.late_grace_minutes)
    no_show = dt.timedelta(minutes=settings.no_show_minutes)
    for shift in shifts:
        if shift.pk in punched:
            continue
        where = boards[shift.site_id]
        if shift.start_at > now:
            where.expected.append(shift)
        elif now - shift.start_at >= no_show:
            where.not_turned_up.append(shift)
        elif now - shift.start_at > grace:
            where.late.append(shift)
    return [b for b in boards.values() if b.on_now or b.late or b.not_turned_up or b.expected]
