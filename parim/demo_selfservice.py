"""The demo's self-service: leave allowances and requests (some waiting for a manager, one
approved and on the rota), availability, written once per company after its rota."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

from scheduling import availability, leave
from scheduling.models import AvailabilityKind, LeaveRequest, Shift
from scheduling.selectors import local_midnight, today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind


def seed_selfservice(tenant: Tenant, domain: str) -> int:
    """Returns how many records were written; nothing when the company has leave requests."""
    with tenant_context(tenant):
        if LeaveRequest.objects.exists():
            return 0
        manager = Membership.objects.select_related("user").get(user__email=f"manager@{domain}")
        workers = list(
            Membership.objects.select_related("user")
            .filter(role__kind=RoleKind.EMPLOYEE, status=Membership.Status.ACTIVE)
            .order_by("user__email")
        )
    today = today_in(tenant)
    next_week = week_start_of(today) + dt.timedelta(days=7)
    annual = next(t for t in leave.leave_types(tenant) if t.deducts)
    written = 0
    for person in workers:
        for year in sorted({today.year, (next_week + dt.timedelta(days=13)).year}):
            leave.allowance_set(tenant=tenant, actor=manager, membership=person, year=year,
                                amount=Decimal(25), unit="days")  # fmt: skip
            written += 1
    employee = next(p for p in workers if p.user.email == f"employee@{domain}")
    others = [p for p in workers if p.pk != employee.pk]
    # Waiting for a decision: the demo employee's long weekend, and a colleague's week away.
    written += _ask(tenant, employee, annual.pk, next_week + dt.timedelta(days=11),
                    next_week + dt.timedelta(days=12), "Long weekend with family")  # fmt: skip
    written += _ask(tenant, others[1], annual.pk, next_week + dt.timedelta(days=7),
                    next_week + dt.timedelta(days=11), "Holiday, booked in the summer")  # fmt: skip
    # Approved, next week, on two days the person has no shift: shown on the rota.
    away = others[0]
    free = _free_days(tenant, away, next_week)
    if free:
        # Two days in a row when there are, else one.
        first = next((d for d in free if d + dt.timedelta(days=1) in free), free[0])
        last = first + dt.timedelta(days=1) if first + dt.timedelta(days=1) in free else first
        request = _request(tenant, away, annual.pk, first, last, "Moving house")
        leave.leave_decide(tenant=tenant, actor=manager, leave=request, approve=True,
                           comment="Good luck with the move!")  # fmt: skip
        written += 1
    # The demo employee cannot work on Sunday evenings, prefers early shifts on Mondays, and
    # has a dentist's appointment next week.
    availability.weekly_add(tenant=tenant, membership=employee, weekday=6, start=dt.time(17),
                            end=None, kind=AvailabilityKind.UNAVAILABLE)  # fmt: skip
    availability.weekly_add(tenant=tenant, membership=employee, weekday=0, start=dt.time(6),
                            end=dt.time(14), kind=AvailabilityKind.PREFERRED)  # fmt: skip
    availability.exception_add(tenant=tenant, membership=employee,
                               day=next_week + dt.timedelta(days=2),
                               kind=AvailabilityKind.UNAVAILABLE, start=dt.time(9),
                               end=dt.time(11), note="Dentist", today=today)  # fmt: skip
    return written + 3


def _request(tenant: Tenant, person: Membership, type_id: uuid.UUID, first: dt.date,
             last: dt.date, note: str) -> LeaveRequest:  # fmt: skip
    return leave.leave_request(tenant=tenant, membership=person, leave_type_id=type_id,
                               start=first, end=last, note=note)  # fmt: skip


def _ask(tenant: Tenant, person: Membership, type_id: uuid.UUID, first: dt.date, last: dt.date,
         note: str) -> int:  # fmt: skip
    _request(tenant, person, type_id, first, last, note)
    return 1


def _free_days(tenant: Tenant, person: Membership, week: dt.date) -> list[dt.date]:
    """The days of `week` on which `person` has no shift, in order."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = local_midnight(week, zone)
    with tenant_context(tenant):
        starts = Shift.objects.filter(
            membership=person, start_at__gte=start - dt.timedelta(days=1),
            start_at__lt=start + dt.timedelta(days=8),
        ).values_list("start_at", "end_at")  # fmt: skip
        busy = set()
        for begin, end in starts:
            busy.add(begin.astimezone(zone).date())
            busy.add((end - dt.timedelta(seconds=1)).astimezone(zone).date())
    return [day for n in range(7) if (day := week + dt.timedelta(days=n)) not in busy]
