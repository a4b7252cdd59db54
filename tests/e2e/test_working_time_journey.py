"""Journey: an admin finds the working-time rules in the menu, sets two rules over days (at most
6 working days in a row; no early shift the day after a night), is told plainly when the kinds
of shift are out of order, and saves."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from scheduling.rules.facts import scheduling_settings
from tenancy.context import tenant_context
from tests.builders import build_rota
from tests.e2e.conftest import assert_accessible, menu, sign_in
from tests.factories import TEST_PASSWORD


def test_an_admin_sets_rules_over_days(page: Page, transactional_db: None) -> None:
    rota = build_rota(people=1)
    sign_in(page, rota.admin.user.email, TEST_PASSWORD)
    menu(page).get_by_role("link", name="Working-time rules").click()
    expect(page.get_by_role("heading", name="Working-time rules", level=1)).to_be_visible()

    page.get_by_label("Maximum working days in a row").fill("6")
    page.get_by_label("Night, then an early shift the next day").check()
    page.get_by_label("Late shifts start from").fill("05:00")  # before early shifts: refused
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Early, late and night shifts start in that order")).to_be_visible()
    with tenant_context(rota.tenant):
        assert scheduling_settings(rota.tenant).max_consecutive_days is None

    page.get_by_label("Late shifts start from").fill("13:00")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Working-time rules saved.")).to_be_visible()
    expect(page.get_by_label("Maximum working days in a row")).to_have_value("6")
    expect(page.get_by_label("Night, then an early shift the next day")).to_be_checked()
    assert_accessible(page, "working-time-rules-over-days")
    with tenant_context(rota.tenant):
        saved = scheduling_settings(rota.tenant)
    assert (saved.max_consecutive_days, saved.forbidden_successions) == (6, ["night-early"])
    assert saved.late_from.hour == 13
