"""Payroll from actuals: approved hours where a timesheet is approved, scheduled otherwise
(marked), overtime split by the weekly rule; and the summary of scheduled against actual."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from attendance.models import AttendanceSettings
from attendance.timesheets import services
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor
from tests.attendance.test_timesheets import last_monday, punch
from tests.builders import at

pytestmark = pytest.mark.django_db


def export(floor: Floor, who, start: dt.date, end: dt.date) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    response = floor.client(who).get(f"/{floor.slug}/payroll/actual/",
                                      {"date_from": str(start), "date_to": str(end)})  # fmt: skip
    assert response.status_code == 200, response.status_code
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


def test_payroll_uses_approved_hours_and_scheduled_hours_otherwise(floor: Floor) -> None:
    monday = last_monday(floor)
    with tenant_context(floor.tenant):
        AttendanceSettings.objects.create(overtime_weekly_hours=Decimal(10),
                                          overtime_multiplier=Decimal("1.5"))  # fmt: skip
    w, c = floor.worker, floor.colleague
    shift = floor.shift_for(w, at(monday, 9))
    punch(floor, w, at(monday, 9), at(monday, 18, 30), shift)  # 9.5 h worked, no break
    punch(floor, w, at(monday + dt.timedelta(days=1), 9), at(monday + dt.timedelta(days=1), 12))
    floor.shift_for(c, at(monday, 9))  # the colleague's timesheet is not approved
    services.timesheet_approve(tenant=floor.tenant, actor=floor.manager, membership=w, day=monday)
    rows = export(floor, floor.admin, monday, monday + dt.timedelta(days=6))
    mine = [r for r in rows if r["membership_id"] == str(w.pk)]
    theirs = [r for r in rows if r["membership_id"] == str(c.pk)]
    assert [(r["date"], r["basis"], r["paid_hours"], r["overtime_hours"]) for r in mine] == [
        (monday.isoformat(), "approved actual", "9.50", "0.00"),
        ((monday + dt.timedelta(days=1)).isoformat(), "approved actual", "3.00", "2.50"),
    ]
    assert mine[0]["scheduled_hours"] == "7.50" and mine[1]["scheduled_hours"] == "0.00"
    # 12.00 an hour; overtime at 1.5 times.
    assert (mine[1]["regular_pay"], mine[1]["overtime_pay"], mine[1]["cost"]) == (
        "6.00",
        "45.00",
        "51.00",
    )
    assert [(r["basis"], r["paid_hours"]) for r in theirs] == [
        ("scheduled (timesheet not approved)", "7.50")
    ]
    assert floor.audit("payroll.exported")


def test_payroll_pages_need_the_permission_and_bad_dates_are_explained(floor: Floor) -> None:
    assert floor.client(floor.worker).get(f"/{floor.slug}/payroll/actual/").status_code == 403
    response = floor.client(floor.admin).get(
        f"/{floor.slug}/payroll/actual/", {"date_from": "2026-03-10", "date_to": "2026-03-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.content.decode()


def test_summary_compares_scheduled_and_actual_by_site_position_and_person(floor: Floor) -> None:
    monday = last_monday(floor)
    shift = floor.shift_for(floor.worker, at(monday, 9))
    punch(floor, floor.worker, at(monday, 9), at(monday, 15), shift)
    punch(floor, floor.colleague, at(monday, 10), at(monday, 12), site=floor.other_site)
    dates = {"date_from": str(monday), "date_to": str(monday)}
    page = floor.client(floor.admin).get(f"/{floor.slug}/payroll/summary/", dates)
    text = page.content.decode()
    assert page.status_code == 200
    for words in ("By site", "By position", "By person", "Rosewood", "Maple", "Carer",
                  "Unscheduled", "Employee 000", "Employee 001", "7:30", "6:00", "2:00",
                  "£90.00", "£72.00"):  # fmt: skip
        assert words in text, words
