"""The demo's time and attendance: last week's punches against the published shifts, nearly all
on time with their breaks, and three to see on the timesheets: a late arrival (the demo
employee's), a missed break and a no-show. Loaded once per company."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from attendance.models import Break, Punch
from scheduling.models import Shift
from scheduling.time import local_midnight, today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Tenant


def seed_attendance(tenant: Tenant, domain: str) -> int:
    """Returns how many punches were written (none when the company has any already)."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    monday = week_start_of(today_in(tenant)) - dt.timedelta(days=7)
    start, end = local_midnight(monday, zone), local_midnight(monday + dt.timedelta(days=7), zone)
    with tenant_context(tenant):
        if Punch.objects.exists():
            return 0
        shifts = list(
            Shift.objects.filter(status=Shift.Status.PUBLISHED, membership__isnull=False,
                                 start_at__gte=start, start_at__lt=end)
            .select_related("membership__user").order_by("start_at", "id")
        )  # fmt: skip
        employee = f"employee@{domain}"
        theirs = [s for s in shifts if s.membership and s.membership.user.email == employee]
        late = theirs[0] if theirs else None
        others = [s for s in shifts if s is not late]
        no_show = others[1] if len(others) > 1 else None
        missed_break = next((s for s in others[2:] if s.break_minutes), None)
        made = 0
        for index, shift in enumerate(shifts):
            if shift is no_show:
                continue
            early = dt.timedelta(minutes=2 + index % 5)
            clock_in = shift.start_at + dt.timedelta(minutes=23) if shift is late else (
                shift.start_at - early)  # fmt: skip
            clock_out = shift.end_at + dt.timedelta(minutes=index % 4)
            punch = Punch(tenant=tenant, membership=shift.membership, shift=shift,
                          site_id=shift.site_id, clock_in_at=clock_in, clock_out_at=clock_out,
                          in_source="kiosk" if index % 3 == 0 else "phone",
                          out_source="kiosk" if index % 3 == 0 else "phone")  # fmt: skip
            punch.save()
            made += 1
            if shift.break_minutes and shift is not missed_break:
                middle = shift.start_at + (shift.end_at - shift.start_at) / 2
                Break(tenant=tenant, punch=punch, start_at=middle,
                      end_at=middle + dt.timedelta(minutes=shift.break_minutes)).save()  # fmt: skip
    return made
