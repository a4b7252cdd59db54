"""The demo's last week of clocking: on time nearly everywhere, with a late arrival, a missed
break and a no-show to see on the timesheets; loaded once."""

from __future__ import annotations

import datetime as dt

import pytest

from attendance.settings import attendance_settings, period_of
from attendance.timesheets.selectors import sheets
from parim.demo_attendance import seed_attendance
from scheduling.time import today_in
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor
from tests.builders import at

pytestmark = pytest.mark.django_db


def test_the_demo_week_shows_a_late_arrival_a_missed_break_and_a_no_show() -> None:
    floor = Floor("demo")
    employee = floor.new_person("Demo Employee", "employee@demo.test", positions=[floor.carer],
                                sites=[floor.site])  # fmt: skip
    today = today_in(floor.tenant)
    monday = today - dt.timedelta(days=today.weekday() + 7)
    for offset in range(3):
        day = monday + dt.timedelta(days=offset)
        for person in (employee, floor.worker, floor.colleague):
            floor.shift_for(person, at(day, 9))
    assert seed_attendance(floor.tenant, "demo.test") == 8
    assert seed_attendance(floor.tenant, "demo.test") == 0  # once
    settings = attendance_settings(floor.tenant)
    start, end = period_of(settings, monday)
    with tenant_context(floor.tenant):
        made = sheets(floor.tenant, settings, [employee, floor.worker, floor.colleague], start,
                      end)  # fmt: skip
    found = [(s.membership.pk, code) for s in made for day in s.days for code in day.variances]
    codes = sorted(code for _who, code in found)
    assert codes == ["late", "missed_break", "no_show"]
    assert (employee.pk, "late") in found
