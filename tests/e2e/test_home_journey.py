"""Journeys: the home page a manager opens on a busy Monday, and the one an employee opens on
their phone."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import Page, expect

from scheduling.leave import services as leave_services
from scheduling.models import LeaveType
from scheduling.rota import services as rota_services
from scheduling.time import today_in, week_start_of
from tenancy.context import tenant_context
from tests.builders import LONDON, Rota, add_shift, build_rota
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def _busy_day(slug: str = "acme") -> Rota:
    rota = build_rota(slug=slug, people=4)
    today = today_in(rota.tenant)
    for index, person in enumerate(rota.people):
        add_shift(rota, person, _at(today + dt.timedelta(days=index % 2), 7 + 2 * index))
    add_shift(rota, None, _at(today, 15))  # a gap
    for week in sorted({week_start_of(today), week_start_of(today + dt.timedelta(days=1))}):
        rota_services.week_publish(
            tenant=rota.tenant, actor=rota.admin, week_start=week, override_reason="Demo"
        )
    with tenant_context(rota.tenant):
        annual = LeaveType.objects.create(name="Annual leave")
    later = today + dt.timedelta(days=14)
    leave_services.leave_request(
        tenant=rota.tenant, membership=rota.people[0], leave_type_id=annual.pk, start=later,
        end=later,
    )  # fmt: skip
    return rota


def test_a_manager_sees_who_is_on_the_gaps_and_what_waits_and_goes_to_it(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    rota = _busy_day()
    sign_in(page, rota.manager.user.email, TEST_PASSWORD)
    today = page.get_by_role("region", name="Today and tomorrow")
    expect(today.get_by_text("Employee 000")).to_be_visible()
    expect(today.get_by_text("1 open shift")).to_be_visible()
    waiting = page.get_by_role("region", name="Waiting for you")
    expect(waiting.get_by_role("link", name="Leave requests")).to_be_visible()
    assert_accessible(page, "home-manager")
    waiting.get_by_role("link", name="Leave requests").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Leave")
    expect(page.get_by_text("Employee 000").first).to_be_visible()


def test_an_employee_sees_their_next_shift_first_on_a_phone(
    phone: Page, live_server: Any, transactional_db: None
) -> None:
    rota = _busy_day()
    sign_in(phone, rota.people[1].user.email, TEST_PASSWORD)
    next_shift = phone.get_by_role("region", name="Your next shift")
    expect(next_shift).to_be_visible()
    expect(next_shift.get_by_text("Carer · Rosewood").first).to_be_visible()
    requests = phone.get_by_role("region", name="Your requests")
    expect(requests.get_by_text("No requests waiting.")).to_be_visible()
    box = next_shift.bounding_box()
    assert box is not None and box["y"] < 400, "the next shift is the first thing on the page"
    overflow = phone.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert_accessible(phone, "home-employee-phone")
