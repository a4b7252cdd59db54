"""Journey: an employee asks for leave on a phone, and wishes to work another day; a manager
approves the leave and sees both on the rota, where the shift already planned on the leave's
days is now a rule break that blocks."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from scheduling.leave import services as leave
from scheduling.time import today_in
from tests.e2e.conftest import Pages, assert_accessible, menu, sign_in
from tests.e2e.test_rota_journeys import _company, _shift
from tests.factories import TEST_PASSWORD


def test_leave_requested_approved_and_seen_on_the_rota(
    phone: Page, pages: Pages, transactional_db: None
) -> None:
    acme, manager, sam, _ella = _company()
    today = today_in(acme)
    monday = today + dt.timedelta(days=7 - today.weekday())  # next week
    tuesday, wednesday = monday + dt.timedelta(days=1), monday + dt.timedelta(days=2)
    for year in {tuesday.year, today.year}:
        leave.allowance_set(tenant=acme, actor=manager, membership=sam, year=year,
                            amount=Decimal(25), unit="days")  # fmt: skip
    start = dt.datetime.combine(wednesday, dt.time(8), tzinfo=dt.UTC)
    _shift(acme, manager, sam, start)

    # Sam, on a phone, asks for Tuesday and Wednesday off.
    sign_in(phone, "sam@acme.test", TEST_PASSWORD)
    phone.goto("/acme/my-leave/")
    phone.get_by_label("Type of leave").select_option(label="Annual leave")
    phone.get_by_label("First day").fill(tuesday.isoformat())
    phone.get_by_label("Last day").fill(wednesday.isoformat())
    phone.get_by_label("Note for your manager (optional)").fill("Family wedding")
    phone.get_by_role("button", name="Request leave").click()
    expect(phone.get_by_role("cell", name="Pending", exact=True)).to_be_visible()
    assert_accessible(phone, "leave-requested-phone")

    # And would very much like to work on Thursday.
    thursday = monday + dt.timedelta(days=3)
    phone.goto("/acme/my-availability/")
    wishes = phone.get_by_role("region", name="Shift wishes")
    wishes.get_by_label("Date").fill(thursday.isoformat())
    wishes.get_by_label("Wish").select_option(label="I'd like to work")
    wishes.get_by_label("How much it matters").select_option(label="It matters a lot")
    wishes.get_by_role("button", name="Add wish").click()
    expect(phone.get_by_text("Saved. Your managers see it on the rota.")).to_be_visible()
    expect(wishes.get_by_text("It matters a lot", exact=False).first).to_be_visible()
    assert_accessible(phone, "shift-wish-phone")

    # The manager approves it.
    page = pages.desktop()
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    menu(page).get_by_role("link", name="Leave requests").click()
    page.get_by_role("button", name="Approve Sam Taylor").click()
    expect(page.get_by_text("No leave requests are waiting.")).to_be_visible()

    # On the rota, Tuesday and Wednesday show the leave, and Wednesday's shift now blocks.
    page.goto(f"/acme/rota/?week={monday.isoformat()}")
    row = page.locator(f'tr[data-member="{sam.pk}"]')
    expect(row.locator(".away--leave")).to_have_count(2)
    expect(row.locator(".away--leave").first).to_have_text("Annual leave")
    chip = row.locator(".shift--blocked")
    expect(chip).to_have_count(1)
    expect(chip).to_contain_text(re.compile("08:00"))
    expect(page.locator(f"#v-{chip.get_attribute('data-shift')}")).to_contain_text(
        "The person is on leave (Annual leave)"
    )
    wish = row.locator(".away--wish-work")
    expect(wish).to_have_text("Wants to work (matters a lot)")
    assert_accessible(page, "rota-with-leave")

    # Sam sees the decision.
    phone.goto("/acme/my-leave/")
    expect(phone.get_by_role("cell", name="Approved", exact=True)).to_be_visible()
