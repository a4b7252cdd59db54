"""Whose pay period holds a day: an approved timesheet's stored period where one holds it (it
never moves once approved), else the period the company's settings give, cut short where it
would overlap an approved one (after a change of the pay period, the open remainder)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from attendance.models import AttendanceSettings, Timesheet
from attendance.settings import period_of
from tenancy.models import Tenant


def locked_on(tenant: Tenant, membership_id: uuid.UUID, days: Iterable[dt.date]) -> bool:
    """Whether any of `days` lies inside an approved timesheet of the person, by the stored
    periods (not by the current settings). One query."""
    days = list(days)
    approved = Timesheet.objects.filter(
        tenant=tenant, membership_id=membership_id, status=Timesheet.Status.APPROVED,
        period_start__lte=max(days), period_end__gte=min(days),
    ).values_list("period_start", "period_end")  # fmt: skip
    return any(start <= day <= end for start, end in approved for day in days)


def period_for(
    tenant: Tenant,
    settings: AttendanceSettings,
    membership_id: uuid.UUID,
    day: dt.date,
    *,
    lock: bool = False,
) -> tuple[dt.date, dt.date, Timesheet | None]:
    """The person's pay period holding `day` (first day, last day) and its stored row, if any.
    One query (locking the rows read when `lock`)."""
    start, end = period_of(settings, day)
    rows = Timesheet.objects.filter(tenant=tenant, membership_id=membership_id,
                                    period_start__lte=end, period_end__gte=start)  # fmt: skip
    found = list(rows.select_for_update() if lock else rows)
    approved = [r for r in found if r.is_locked]
    for row in approved:
        if row.period_start <= day <= row.period_end:
            return row.period_start, row.period_end, row
    for row in approved:
        if row.period_end < day:
            start = max(start, row.period_end + dt.timedelta(days=1))
        else:
            end = min(end, row.period_start - dt.timedelta(days=1))
    open_row = next((r for r in found if not r.is_locked and r.period_start == start), None)
    return start, end, open_row
