"""Journeys: an employee claims an open shift on a phone and a manager approves it; a swap from
the offer, through the colleague's acceptance (giving a shift in return), to the manager's
approval, after which both people see the exchanged shifts on My shifts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from scheduling.models import Position, Shift, Site
from scheduling.setup import services
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.builders import at
from tests.e2e.conftest import Pages, assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def _company() -> tuple[Tenant, Membership, Membership, Membership]:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    admin = member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")
    manager = member(acme, kind=RoleKind.MANAGER, email="manager@acme.test",
                     full_name="Maria Rossi")  # fmt: skip
    sam = member(acme, email="sam@acme.test", full_name="Sam Taylor")
    ella = member(acme, email="ella@acme.test", full_name="Ella Hughes")
    with tenant_context(acme):
        site = Site.objects.create(name="Rosewood House", time_zone="Europe/London")
        carer = Position.objects.create(name="Carer", colour="teal")
    for person in (sam, ella):
        services.work_profile_save(
            tenant=acme, actor=admin, membership=person, positions=[carer], sites=[site],
            contracted_hours=Decimal(30), hourly_rate=Decimal("12.00"), max_hours_7_days=None,
            min_rest_hours=None,
        )  # fmt: skip
    return acme, manager, sam, ella


def _published(acme: Tenant, person: Membership | None, start: dt.datetime) -> Shift:
    with tenant_context(acme):
        return Shift.objects.create(
            site=Site.objects.get(), position=Position.objects.get(), membership=person,
            start_at=start.astimezone(dt.UTC), end_at=(start + dt.timedelta(hours=8)),
            status=Shift.Status.PUBLISHED,
        )  # fmt: skip


@pytest.fixture
def other_page(pages: Pages) -> Page:
    """A second desktop browser, signed in as someone else than `page`."""
    return pages.desktop()


def test_an_employee_claims_an_open_shift_on_a_phone_and_a_manager_approves_it(
    phone: Page, page: Page, transactional_db: None
) -> None:
    acme, _manager, sam, _ella = _company()
    day = dt.date.today() + dt.timedelta(days=3)
    _published(acme, None, at(day, 9))
    _published(acme, sam, at(day + dt.timedelta(days=2), 9))  # Sam's own shift, and
    _published(acme, None, at(day + dt.timedelta(days=2), 10))  # an open one overlapping it

    sign_in(phone, "sam@acme.test", TEST_PASSWORD)
    phone.goto("/acme/my-shifts/")
    expect(phone.locator(".shift-item")).to_have_count(1)
    phone.locator("#main").get_by_role("link", name="Open shifts").click()  # from My shifts
    offered = phone.get_by_role("region", name="Open shifts you can take").locator(".shift-item")
    expect(offered).to_have_count(1)  # only what Sam may take; the other folded, with why
    folded = phone.get_by_text("1 open shift you cannot take")
    expect(folded).to_be_visible()
    expect(phone.locator(".blocked-shift")).to_be_hidden()
    folded.click()
    expect(phone.locator(".blocked-shift")).to_contain_text(re.compile("overlaps", re.IGNORECASE))
    expect(offered.first).to_contain_text("09:00\u201317:00")
    expect(offered.first).to_contain_text("Rosewood House")
    offered.first.get_by_role("button", name=re.compile("^Claim")).click()
    expect(phone.get_by_text("Shift claimed. A manager decides")).to_be_visible()
    expect(phone.get_by_text("Claimed: waiting for a manager")).to_be_visible()
    assert_accessible(phone, "open-shifts-claimed-phone")

    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    page.goto("/acme/open-shifts/")
    waiting = page.locator(".decision")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("Sam Taylor")
    assert_accessible(page, "open-shifts-manager")
    waiting.first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.get_by_text("Claim approved")).to_be_visible()
    expect(page.locator(".decision")).to_have_count(0)

    phone.goto("/acme/my-shifts/")
    expect(phone.locator(".shift-item")).to_have_count(2)
    expect(phone.locator(".shift-item").first).to_contain_text("09:00\u201317:00")
    phone.goto("/acme/open-shifts/")
    expect(phone.locator(".shift-list .chip--success")).to_have_text("Approved")


def test_a_swap_from_offer_to_acceptance_to_approval(
    phone: Page, page: Page, other_page: Page, transactional_db: None
) -> None:
    acme, _manager, sam, ella = _company()
    day = dt.date.today() + dt.timedelta(days=3)
    _published(acme, sam, at(day, 7))  # Sam's 07:00-15:00
    _published(acme, ella, at(day + dt.timedelta(days=2), 13))  # Ella's 13:00-21:00

    # Sam offers his shift to Ella, on a phone.
    sign_in(phone, "sam@acme.test", TEST_PASSWORD)
    phone.goto("/acme/my-shifts/")
    phone.get_by_role("link", name=re.compile("^Offer a swap")).click()
    expect(phone.get_by_role("heading", name="Offer a swap")).to_be_visible()
    phone.get_by_label("Offer it to").select_option(label="Ella Hughes")
    phone.get_by_label("Note (optional)").fill("My daughter's school play")
    assert_accessible(phone, "swap-offer-phone")
    phone.get_by_role("button", name="Offer the shift").click()
    expect(phone.get_by_text("Shift offered.")).to_be_visible()
    expect(phone.locator("#mine-heading + .shift-list .chip")).to_have_text("Offered")

    # Ella accepts, giving her shift in return.
    sign_in(other_page, "ella@acme.test", TEST_PASSWORD)
    other_page.goto("/acme/swaps/")
    offer = other_page.locator(".decision")  # offers to Ella
    expect(offer).to_have_count(1)
    expect(offer.first).to_contain_text("Sam Taylor")
    expect(offer.first).to_contain_text("My daughter's school play")
    offer.first.get_by_label("Give one of your shifts in return").select_option(index=1)
    assert_accessible(other_page, "swaps-offered")
    offer.first.get_by_role("button", name=re.compile("^Accept")).click()
    expect(other_page.get_by_text("Accepted. A manager decides next")).to_be_visible()

    # The manager approves.
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    page.goto("/acme/swaps/")
    waiting = page.locator(".decision")
    expect(waiting).to_have_count(1)
    expect(waiting.first).to_contain_text("Sam Taylor gives a shift to Ella Hughes")
    expect(waiting.first).to_contain_text("In return:")
    assert_accessible(page, "swaps-manager")
    waiting.first.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.get_by_text("Swap approved")).to_be_visible()

    # Both see the exchanged shifts.
    phone.goto("/acme/my-shifts/")
    expect(phone.locator(".shift-item")).to_have_count(1)
    expect(phone.locator(".shift-item").first).to_contain_text("13:00\u201321:00")
    assert_accessible(phone, "my-shifts-after-swap-phone")
    other_page.goto("/acme/my-shifts/")
    expect(other_page.locator(".shift-item")).to_have_count(1)
    expect(other_page.locator(".shift-item").first).to_contain_text("07:00\u201315:00")
