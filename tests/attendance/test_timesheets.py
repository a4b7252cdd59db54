"""Timesheets per person and pay period: built from punches against the published shifts, with
rounding, automatic breaks and overtime; variances flagged; corrected with a reason (the original
kept), approved and locked, unlocked with its own permission; confirmed or queried."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.utils import timezone

from attendance.models import AttendanceSettings, Break, Punch, PunchEdit, Timesheet
from attendance.settings import attendance_settings, period_of
from attendance.timesheets import selectors
from scheduling.models import Shift, Site
from scheduling.time import today_in
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.attendance.conftest import Floor
from tests.builders import at

pytestmark = pytest.mark.django_db


def last_monday(floor: Floor) -> dt.date:
    today = today_in(floor.tenant)
    return today - dt.timedelta(days=today.weekday() + 7)


def punch(
    floor: Floor,
    person: Membership,
    start: dt.datetime,
    end: dt.datetime | None,
    shift: Shift | None = None,
    breaks: Sequence[tuple[dt.datetime, dt.datetime]] = (),
    site: Site | None = None,
) -> Punch:
    with tenant_context(floor.tenant):
        made = Punch.objects.create(membership=person, site=site or floor.site, shift=shift,
                                    clock_in_at=start, clock_out_at=end)  # fmt: skip
        for b_start, b_end in breaks:
            Break.objects.create(punch=made, start_at=b_start, end_at=b_end)
    return made


def sheet_of(floor: Floor, person, monday: dt.date) -> selectors.Sheet:  # type: ignore[no-untyped-def]
    with tenant_context(floor.tenant):
        settings = attendance_settings(floor.tenant)
        start, end = period_of(settings, monday)
        [made] = selectors.sheets(floor.tenant, settings, [person], start, end)
    return made


def url(floor: Floor, person, monday: dt.date) -> str:  # type: ignore[no-untyped-def]
    return f"/{floor.slug}/timesheets/{person.pk}/?start={monday.isoformat()}"


@pytest.fixture
def week(floor: Floor) -> dt.date:
    """Last week: Monday on time with a break, Tuesday late with no break, Wednesday a no-show,
    Thursday left early, Friday unscheduled."""
    monday = last_monday(floor)
    w = floor.worker
    days = [monday + dt.timedelta(days=i) for i in range(5)]
    shifts = [floor.shift_for(w, at(day, 9)) for day in days[:4]]
    punch(floor, w, at(days[0], 8, 58), at(days[0], 17, 1), shifts[0],
          breaks=[(at(days[0], 12), at(days[0], 12, 30))])  # fmt: skip
    punch(floor, w, at(days[1], 9, 20), at(days[1], 17), shifts[1])
    punch(floor, w, at(days[3], 9), at(days[3], 15), shifts[3],
          breaks=[(at(days[3], 12), at(days[3], 12, 30))])  # fmt: skip
    punch(floor, w, at(days[4], 10), at(days[4], 14))
    return monday


def test_variances_are_flagged_day_by_day(floor: Floor, week: dt.date) -> None:
    sheet = sheet_of(floor, floor.worker, week)
    flags = {d.day.weekday(): d.variances for d in sheet.days if d.variances}
    assert flags == {1: ["late", "missed_break"], 2: ["no_show"], 3: ["early_leave"],
                     4: ["unscheduled"]}  # fmt: skip
    monday = sheet.days[0]
    assert monday.worked_minutes == 8 * 60 + 3 - 30  # 08:58-17:01 less the clocked break
    assert sheet.scheduled_minutes == 4 * (8 * 60 - 30)


def test_rounding_and_the_automatic_break_rule(floor: Floor, week: dt.date) -> None:
    with tenant_context(floor.tenant):
        AttendanceSettings.objects.create(rounding_minutes=15, auto_break_minutes=30,
                                          auto_break_after_hours=Decimal(6))  # fmt: skip
    sheet = sheet_of(floor, floor.worker, week)
    minutes = [d.worked_minutes for d in sheet.days]
    assert minutes[0] == 8 * 60 - 30  # 8 h 3 min rounds to 8 h, less the clocked break
    assert minutes[1] == 7 * 60 + 45 - 30  # 7 h 40 rounds to 7 h 45, less the automatic break
    assert minutes[4] == 4 * 60  # four hours: under six, no automatic break


def test_weekly_overtime_is_split_by_the_company_rule(floor: Floor) -> None:
    monday = last_monday(floor)
    with tenant_context(floor.tenant):
        AttendanceSettings.objects.create(overtime_weekly_hours=Decimal(20))
    for i in range(3):
        day = monday + dt.timedelta(days=i)
        punch(floor, floor.worker, at(day, 8), at(day, 16))  # 8 h each, 24 h in all
    sheet = sheet_of(floor, floor.worker, monday)
    assert [d.overtime_minutes for d in sheet.days[:3]] == [0, 0, 240]
    assert (sheet.worked_minutes, sheet.overtime_minutes, sheet.regular_minutes) == (
        1440,
        240,
        1200,
    )


def test_manager_fixes_a_missed_clock_out_with_a_reason_original_kept(floor: Floor) -> None:
    monday = last_monday(floor)
    shift = floor.shift_for(floor.worker, at(monday, 9))
    open_punch = punch(floor, floor.worker, at(monday, 9), None, shift)
    client = floor.client(floor.manager)
    page = client.get(url(floor, floor.worker, monday)).content.decode()
    assert "Not clocked out" in page and "Approve timesheet" in page
    refused = client.post(url(floor, floor.worker, monday), {"action": "approve"}, follow=True)
    assert "has no clock-out" in refused.content.decode()
    no_reason = client.post(url(floor, floor.worker, monday), {
        "action": "correct", "punch": str(open_punch.pk), "clock_in": f"{monday}T09:00",
        "clock_out": f"{monday}T17:00", "reason": ""}, follow=True)  # fmt: skip
    assert "Check the times and give a reason." in no_reason.content.decode()
    backwards = client.post(url(floor, floor.worker, monday), {
        "action": "correct", "punch": str(open_punch.pk), "clock_in": f"{monday}T09:00",
        "clock_out": f"{monday}T08:00", "reason": "Forgot"}, follow=True)  # fmt: skip
    assert "Clocking out must come after clocking in." in backwards.content.decode()
    assert floor.reload(open_punch).clock_out_at is None
    done = client.post(url(floor, floor.worker, monday), {
        "action": "correct", "punch": str(open_punch.pk), "clock_in": f"{monday}T09:00",
        "clock_out": f"{monday}T17:00", "reason": "Forgot to clock out, confirmed by rota"},
        follow=True)  # fmt: skip
    assert "Punch corrected" in done.content.decode()
    fixed = floor.reload(open_punch)
    assert fixed.clock_out_at == at(monday, 17) and fixed.edited
    with tenant_context(floor.tenant):
        [edit] = PunchEdit.objects.filter(punch=open_punch)
    assert (edit.before_in, edit.before_out, edit.after_out) == (
        at(monday, 9),
        None,
        at(monday, 17),
    )
    assert edit.reason.startswith("Forgot to clock out")
    [entry] = floor.audit("punch.corrected")
    assert entry.additional_data == {"member": str(floor.worker.pk), "day": monday.isoformat()}
    approved = client.post(url(floor, floor.worker, monday), {"action": "approve"}, follow=True)
    assert "Timesheet approved and locked." in approved.content.decode()
    with tenant_context(floor.tenant):
        row = Timesheet.objects.get(membership=floor.worker)
    # No break was clocked: flagged, and with no automatic break rule (the default) all paid.
    assert row.is_locked and row.approved_minutes == 8 * 60
    assert "missed_break" in sheet_of(floor, floor.worker, monday).days[0].variances
    assert row.approved_by_id == floor.manager.pk


def test_an_approved_timesheet_is_locked_and_unlocking_needs_the_permission(
    floor: Floor, week: dt.date
) -> None:
    from attendance.timesheets import services

    services.timesheet_approve(tenant=floor.tenant, actor=floor.manager,
                               membership=floor.worker, day=week)  # fmt: skip
    tuesday = sheet_of(floor, floor.worker, week).days[1].punches[0].punch
    client = floor.client(floor.manager)
    day = tuesday.clock_in_at.date()
    edit = client.post(url(floor, floor.worker, week), {
        "action": "correct", "punch": str(tuesday.pk), "clock_in": f"{day}T09:00",
        "clock_out": f"{day}T17:00", "reason": "Late bus"}, follow=True)  # fmt: skip
    assert "approved and locked" in edit.content.decode()
    assert floor.reload(tuesday).clock_in_at == tuesday.clock_in_at  # nothing changed
    assert client.post(url(floor, floor.worker, week), {"action": "unlock"}).status_code == 403
    assert sheet_of(floor, floor.worker, week).is_locked
    admin = floor.client(floor.admin)
    assert "Timesheet unlocked." in admin.post(url(floor, floor.worker, week), {
        "action": "unlock"}, follow=True).content.decode()  # fmt: skip
    assert not sheet_of(floor, floor.worker, week).is_locked
    assert len(floor.audit("timesheet.unlocked")) == 1
    assert len(floor.audit("timesheet.approved")) == 1


def test_employee_sees_their_own_and_confirms_or_queries(floor: Floor, week: dt.date) -> None:
    client = floor.client(floor.worker)
    page = client.get(f"/{floor.slug}/my-timesheet/?start={week}").content.decode()
    assert "No-show" in page and "Late" in page and "Correct" not in page
    empty_query = client.post(f"/{floor.slug}/my-timesheet/?start={week}",
                              {"answer": "queried", "note": " "}, follow=True)  # fmt: skip
    assert "Say what is wrong" in empty_query.content.decode()
    with tenant_context(floor.tenant):
        assert not Timesheet.objects.exists()
    client.post(f"/{floor.slug}/my-timesheet/?start={week}",
                {"answer": "queried", "note": "I worked on Wednesday"})  # fmt: skip
    manager_view = floor.client(floor.manager).get(url(floor, floor.worker, week)).content.decode()
    assert "I worked on Wednesday" in manager_view
    [entry] = floor.audit("timesheet.answered")
    assert "I worked" not in str(entry.additional_data)


def test_timesheet_pages_need_the_permission_and_stay_in_the_company(
    floor: Floor, week: dt.date
) -> None:
    assert floor.client(floor.colleague).get(f"/{floor.slug}/timesheets/").status_code == 403
    other = Floor("beta")
    client = floor.client(floor.manager)
    assert client.get(url(floor, other.worker, week)).status_code == 404
    theirs = punch(other, other.worker, at(week, 9), None)
    response = client.post(url(floor, floor.worker, week), {
        "action": "correct", "punch": str(theirs.pk), "clock_in": f"{week}T09:00",
        "clock_out": f"{week}T17:00", "reason": "x"})  # fmt: skip
    assert response.status_code == 404
    assert other.reload(theirs).clock_out_at is None


def test_managers_list_shows_everyone_with_hours_in_the_period(floor: Floor, week: dt.date) -> None:
    page = floor.client(floor.manager).get(f"/{floor.slug}/timesheets/?start={week}")
    text = page.content.decode()
    assert "Employee 000" in text and "Employee 001" not in text
    assert timezone.now()


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-01", "2026-02-30", "nonsense"])
def test_a_period_out_of_bounds_shows_the_current_one(floor: Floor, start: str) -> None:
    response = floor.client(floor.worker).get(f"/{floor.slug}/my-timesheet/?start={start}")
    assert response.status_code == 200
    today = today_in(floor.tenant)
    assert f"{today - dt.timedelta(days=today.weekday()):%a %-d %b}" in response.content.decode()


def test_working_time_rules_check_the_actual_hours(floor: Floor) -> None:
    monday = last_monday(floor)
    tuesday = monday + dt.timedelta(days=1)
    punch(floor, floor.worker, at(monday, 14), at(monday, 23))
    punch(floor, floor.worker, at(tuesday, 6), at(tuesday, 18))  # 7 hours' rest, under 11
    for offset in range(2, 6):  # 9 + 12 + 4 x 10 = 61 hours in 6 days, over 48
        day = monday + dt.timedelta(days=offset)
        punch(floor, floor.worker, at(day, 7), at(day, 17))
    sheet = sheet_of(floor, floor.worker, monday)
    assert "short_rest" in sheet.days[1].variances
    assert "short_rest" not in sheet.days[2].variances
    assert "over_max_hours" in sheet.days[5].variances
    assert "over_max_hours" not in sheet.days[3].variances


def test_rules_and_overtime_look_back_across_the_start_of_the_period(floor: Floor) -> None:
    """The week before last: Tuesday to Sunday 8 hours a day (48 hours), Sunday until 23:00.
    Last week's sheet flags Monday 06:00 (7 hours' rest, and 56 hours in 7 days), while the
    days before the period are not on it. With a monthly period starting on a Wednesday,
    Monday and Tuesday's hours count towards that week's overtime."""
    monday = last_monday(floor)
    for offset in range(-6, 0):
        day = monday + dt.timedelta(days=offset)
        start = at(day, 15) if offset == -1 else at(day, 8)
        punch(floor, floor.worker, start, start + dt.timedelta(hours=8))
    punch(floor, floor.worker, at(monday, 6), at(monday, 14))
    sheet = sheet_of(floor, floor.worker, monday)
    assert sheet.days[0].day == monday and len(sheet.days) == 7
    assert {"short_rest", "over_max_hours"} <= set(sheet.days[0].variances)
    assert sheet.worked_minutes == 8 * 60  # only the period's own hours

    wednesday = monday + dt.timedelta(days=2)
    with tenant_context(floor.tenant):
        settings = attendance_settings(floor.tenant)
        settings.overtime_weekly_hours = Decimal(20)
        punch(floor, floor.worker, at(monday + dt.timedelta(days=1), 8),
              at(monday + dt.timedelta(days=1), 16))  # fmt: skip
        punch(floor, floor.worker, at(wednesday, 8), at(wednesday, 16))
        [made] = selectors.sheets(floor.tenant, settings, [floor.worker], wednesday,
                                  wednesday + dt.timedelta(days=6))  # fmt: skip
    # Monday 8 + Tuesday 8 before the period; Wednesday's 8 pass 20 by 4 hours.
    assert made.days[0].day == wednesday
    assert made.days[0].overtime_minutes == 4 * 60
