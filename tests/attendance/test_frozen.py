"""An approved timesheet is a stored fact: its period, its paid and overtime minutes, and each
day's figures are kept at approval; a later change of the pay period, rounding, break or
overtime rules changes nothing in it, in payroll, or in what is locked."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance.clocking import services as clocking
from attendance.models import AttendanceSettings, Timesheet
from attendance.periods import locked_on, period_for
from attendance.settings import attendance_settings
from attendance.timesheets import selectors, services
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Tenant
from tests.attendance.conftest import Floor
from tests.attendance.test_payroll import export
from tests.attendance.test_timesheets import last_monday, punch, url
from tests.builders import at

pytestmark = pytest.mark.django_db

CHANGES: list[dict[str, Any]] = [
    {"pay_period": "monthly"},
    {"pay_period": "fortnightly", "period_anchor": dt.date(2024, 1, 8)},
    {"pay_period": "fortnightly", "period_anchor": dt.date(2024, 1, 1)},
    {"rounding_minutes": 60},
    {"auto_break_minutes": 45, "auto_break_after_hours": Decimal(1)},
    {"overtime_weekly_hours": Decimal(1), "overtime_multiplier": Decimal(3)},
]


def approved_week(floor: Floor) -> dt.date:
    """Last week approved: Monday 9.5 hours on a shift with a clocked 20-minute break, Tuesday
    3 hours 7 minutes unscheduled, overtime after 10 hours at 1.5 (rate 12.00)."""
    monday = last_monday(floor)
    with tenant_context(floor.tenant):
        AttendanceSettings.objects.create(overtime_weekly_hours=Decimal(10),
                                          overtime_multiplier=Decimal("1.5"))  # fmt: skip
    w = floor.worker
    shift = floor.shift_for(w, at(monday, 9))
    punch(floor, w, at(monday, 9), at(monday, 18, 50), shift,
          breaks=[(at(monday, 12), at(monday, 12, 20))])  # fmt: skip
    tuesday = monday + dt.timedelta(days=1)
    punch(floor, w, at(tuesday, 9), at(tuesday, 12, 7))
    services.timesheet_approve(tenant=floor.tenant, actor=floor.manager, membership=w, day=monday)
    return monday


def facts(floor: Floor, monday: dt.date) -> dict[str, Any]:
    """Everything that must not move: the stored row, the timesheet page's figures, the
    payroll rows and summary, and which days are locked."""
    w = floor.worker
    with tenant_context(floor.tenant):
        row = Timesheet.objects.get(membership=w)
        settings = attendance_settings(floor.tenant)
        start, end, _row = period_for(floor.tenant, settings, w.pk, monday)
        [sheet] = selectors.sheets(floor.tenant, settings, [w], start, end)
        locks = [locked_on(floor.tenant, w.pk, [monday + dt.timedelta(days=i)])
                 for i in range(-1, 8)]  # fmt: skip
    payroll = [
        {k: r[k] for k in ("date", "basis", "paid_hours", "overtime_hours", "overtime_pay",
                           "cost", "sites", "positions")}
        for r in export(floor, floor.admin, monday, monday + dt.timedelta(days=6))
        if r["membership_id"] == str(w.pk)
    ]  # fmt: skip
    dates = {"date_from": str(monday), "date_to": str(monday + dt.timedelta(days=6))}
    summary = floor.client(floor.admin).get(f"/{floor.slug}/payroll/summary/", dates)
    assert summary.status_code == 200 and "By site" in summary.content.decode()
    page = floor.client(floor.manager).get(url(floor, w, monday)).content.decode()
    return {
        "row": (row.period_start, row.period_end, row.approved_minutes,
                row.approved_overtime_minutes, row.approved_days),
        "sheet": (start, end, sheet.is_locked, sheet.worked_minutes, sheet.overtime_minutes,
                  [(d.worked_minutes, d.overtime_minutes, [p.worked_minutes for p in d.punches],
                    [p.break_minutes for p in d.punches]) for d in sheet.days]),
        "payroll": payroll,
        "summary": summary.content.decode().split("<main", 1)[1],
        "page": "Approve timesheet" not in page and "Unlock" in page,
        "locks": locks,
    }  # fmt: skip


def test_approval_stores_the_period_and_each_days_figures(floor: Floor) -> None:
    monday = approved_week(floor)
    seen = facts(floor, monday)
    start, end, minutes, overtime, days = seen["row"]
    assert (start, end) == (monday, monday + dt.timedelta(days=6))
    assert (minutes, overtime) == (9 * 60 + 30 + 3 * 60 + 7, 3 * 60 + 7 - 30)
    assert [d["day"] for d in days] == [str(monday + dt.timedelta(days=i)) for i in range(7)]
    assert days[0]["punches"][0]["breaks"] == 20 and days[0]["multiplier"] == "1.50"
    assert seen["payroll"][1]["overtime_pay"] == "47.10"  # 2:37 at 12.00 x 1.5
    assert seen["locks"] == [False] + [True] * 7 + [False]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: "+".join(c))
def test_changing_a_setting_after_approval_changes_nothing_approved(
    floor: Floor, change: dict[str, Any]
) -> None:
    monday = approved_week(floor)
    before = facts(floor, monday)
    response = floor.client(floor.admin).post(f"/{floor.slug}/settings/attendance/", {
        **{k: str(v) for k, v in vars(attendance_settings(floor.tenant)).items()
           if k in change or k in {"pay_period", "rounding_minutes", "auto_break_after_hours",
                                   "auto_break_minutes", "late_grace_minutes", "no_show_minutes",
                                   "overtime_weekly_hours", "overtime_multiplier"}},
        **{k: str(v) for k, v in change.items()},
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    with tenant_context(floor.tenant):
        saved = AttendanceSettings.objects.get()
    assert all(getattr(saved, k) == v for k, v in change.items())
    assert facts(floor, monday) == before


def test_a_correction_inside_an_approved_period_is_refused_after_the_period_changes(
    floor: Floor,
) -> None:
    """Approved weekly; the period becomes fortnightly starting the Monday before, so the
    settings' period no longer starts on the approved one's first day."""
    monday = approved_week(floor)
    anchor = monday - dt.timedelta(days=7)
    with tenant_context(floor.tenant):
        AttendanceSettings.objects.update(pay_period="fortnightly", period_anchor=anchor)
        settings = attendance_settings(floor.tenant)
        start, end, row = period_for(floor.tenant, settings, floor.worker.pk,
                                     monday + dt.timedelta(days=3))  # fmt: skip
        tuesday_punch = selectors.sheets(floor.tenant, settings, [floor.worker], start,
                                         end)[0].days[1].punches[0].punch  # fmt: skip
    assert (start, end, row is not None and row.is_locked) == (
        monday,
        monday + dt.timedelta(days=6),
        True,
    )
    day = monday + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match="approved and locked"):
        services.punch_correct(tenant=floor.tenant, actor=floor.manager, punch=tuesday_punch,
                               clock_in_at=at(day, 8), clock_out_at=at(day, 12),
                               reason="Came early")  # fmt: skip
    # The list follows the new fortnight: the approved week is half of it.
    listed = floor.client(floor.manager).get(f"/{floor.slug}/timesheets/?start={anchor}")
    assert "Partly approved" in listed.content.decode()
    # The fortnight's open remainder is the week before: approving it leaves the week alone.
    with tenant_context(floor.tenant):
        before, before_end, _none = period_for(floor.tenant, settings, floor.worker.pk, anchor)
    assert (before, before_end) == (anchor, monday - dt.timedelta(days=1))
    punch(floor, floor.worker, at(anchor, 9), at(anchor, 11))
    services.timesheet_approve(tenant=floor.tenant, actor=floor.manager,
                               membership=floor.worker, day=anchor)  # fmt: skip
    with tenant_context(floor.tenant):
        rows = list(Timesheet.objects.order_by("period_start")
                    .values_list("period_start", "period_end", "approved_minutes"))  # fmt: skip
    assert rows == [(anchor, monday - dt.timedelta(days=1), 120),
                    (monday, monday + dt.timedelta(days=6), 9 * 60 + 30 + 3 * 60 + 7)]  # fmt: skip
    assert floor.reload(tuesday_punch).clock_in_at == at(day, 9)


def test_the_clock_lock_uses_the_sites_day_not_the_companys(floor: Floor) -> None:
    """The company 14 hours ahead of UTC, the site 11 behind: their dates always differ. A
    period approved on the site's today refuses clocking in there."""
    Tenant.objects.filter(pk=floor.tenant.pk).update(time_zone="Pacific/Kiritimati")
    floor.tenant.refresh_from_db()
    with tenant_context(floor.tenant):
        Site.objects.filter(pk=floor.site.pk).update(time_zone="Pacific/Pago_Pago")
        site = Site.objects.get(pk=floor.site.pk)
        today = timezone.now().astimezone(zoneinfo.ZoneInfo(site.time_zone)).date()
        Timesheet.objects.create(membership=floor.worker, period_start=today, period_end=today,
                                 status=Timesheet.Status.APPROVED)  # fmt: skip
    with pytest.raises(ValidationError, match="approved and locked"):
        clocking.punch_clock_in(tenant=floor.tenant, actor=floor.worker,
                                membership=floor.worker,
                                clocking=clocking.Clocking(site=site))  # fmt: skip


def test_a_timesheet_approved_before_days_were_stored_is_still_locked(floor: Floor) -> None:
    """Rows approved before this change hold no days: their days count as approved, with the
    figures computed from the punches, and stay locked."""
    monday = last_monday(floor)
    punch(floor, floor.worker, at(monday, 9), at(monday, 13))
    with tenant_context(floor.tenant):
        Timesheet.objects.create(
            membership=floor.worker, period_start=monday, period_end=monday + dt.timedelta(days=6),
            status=Timesheet.Status.APPROVED, approved_minutes=240,
        )  # fmt: skip
        settings = attendance_settings(floor.tenant)
        [sheet] = selectors.sheets(floor.tenant, settings, [floor.worker], monday,
                                   monday + dt.timedelta(days=6))  # fmt: skip
    assert sheet.is_locked and sheet.worked_minutes == 240
    rows = export(floor, floor.admin, monday, monday)
    assert [(r["basis"], r["paid_hours"]) for r in rows if r["membership_id"] == str(
        floor.worker.pk)] == [("approved actual", "4.00")]  # fmt: skip
