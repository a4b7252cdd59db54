"""Journey: a manager runs today's rota from a phone: the day as a list that fits 390 px, a
shift added, opened and moved to someone else, each time back on the day."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from scheduling.time import today_in
from tests.builders import build_rota
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD


def _no_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the screen"


def test_a_manager_adds_opens_and_moves_a_shift_on_a_phone(
    phone: Page, live_server: Any, transactional_db: None
) -> None:
    rota = build_rota(slug="acme", people=3)
    today = today_in(rota.tenant)
    sign_in(phone, rota.manager.user.email, TEST_PASSWORD)
    phone.goto("/acme/rota/")
    phone.get_by_role("link", name="Open the day view").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(f"{today:%A}")
    expect(phone.locator(".timeline")).to_be_hidden()
    _no_overflow(phone)

    phone.get_by_role("link", name="Add a shift").first.click()
    phone.get_by_label("Employee").select_option(label="Employee 000")
    phone.get_by_label("Position").select_option(label="Carer")
    phone.get_by_label("Site").select_option(label="Rosewood")
    phone.get_by_label("Start").fill("09:00")
    phone.get_by_label("End", exact=True).fill("17:00")
    phone.get_by_role("button", name="Save shift").click()

    agenda = phone.get_by_role("region", name="Shifts of the day, by person")
    expect(agenda.get_by_role("heading", name="Employee 000")).to_be_visible()
    item = agenda.get_by_role("link", name="09:00\u201317:00")
    expect(item).to_be_visible()
    _no_overflow(phone)
    assert_accessible(phone, "rota-day-phone")

    item.click()  # open it, and give it to someone else
    phone.get_by_label("Employee").select_option(label="Employee 001")
    phone.get_by_role("button", name="Save shift").click()
    expect(agenda.get_by_role("heading", name="Employee 001")).to_be_visible()
    expect(agenda.get_by_role("heading", name="Employee 000")).to_have_count(0)
    _no_overflow(phone)
