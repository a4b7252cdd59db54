"""Journeys: a manager saves a week as a template, applies it to next week twice and sees no
duplicates on the rota; then sets up a four-on, four-off rotation for two teams and applies it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from scheduling.models import Position, Site
from scheduling.rota import services as rota_services
from scheduling.setup import services as setup_services
from scheduling.time import week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.builders import at
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def _company() -> tuple[Tenant, Membership, Membership, Membership]:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    admin = member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")
    manager = member(
        acme, kind=RoleKind.MANAGER, email="manager@acme.test", full_name="Maria Rossi"
    )
    sam = member(acme, email="sam@acme.test", full_name="Sam Taylor")
    ella = member(acme, email="ella@acme.test", full_name="Ella Hughes")
    with tenant_context(acme):
        site = Site.objects.create(name="Rosewood House", time_zone="Europe/London")
        carer = Position.objects.create(name="Carer", colour="teal")
    for person in (sam, ella):
        setup_services.work_profile_save(
            tenant=acme, actor=admin, membership=person, positions=[carer], sites=[site],
            contracted_hours=Decimal(30), hourly_rate=Decimal("12.00"), max_hours_7_days=None,
            min_rest_hours=None,
        )  # fmt: skip
    for person, day, hour in ((sam, 0, 9), (ella, 1, 7), (sam, 3, 14)):
        start = at(_this_week() + dt.timedelta(days=day), hour).astimezone(dt.UTC)
        rota_services.shift_save(
            tenant=acme, actor=manager, shift=None,
            data=rota_services.ShiftInput(site=site, position=carer, membership=person,
                                     start_at=start, end_at=start + dt.timedelta(hours=8),
                                     break_minutes=30),
        )  # fmt: skip
    return acme, manager, sam, ella


def _this_week() -> dt.date:
    return week_start_of(dt.date.today())


def test_a_manager_saves_a_week_and_applies_it_to_next_week_twice(
    page: Page, transactional_db: None
) -> None:
    _company()
    week = _this_week()
    next_week = week + dt.timedelta(days=7)
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    # The rota's toolbar links here with the week shown.
    page.goto(f"/acme/patterns/templates/new/?week={week.isoformat()}")
    expect(page.get_by_label("Week to save (any day of it)")).to_have_value(week.isoformat())
    page.get_by_label("Template name").fill("Standard week")
    assert_accessible(page, "patterns-template-new")
    page.get_by_role("button", name="Save template").click()
    expect(page.get_by_role("heading", name="Week template: Standard week")).to_be_visible()
    expect(page.get_by_role("heading", name="3 shifts")).to_be_visible()
    expect(page.get_by_role("cell", name="Sam Taylor").first).to_be_visible()
    assert_accessible(page, "patterns-template")

    page.get_by_label("First week (any day of it)").fill(next_week.isoformat())
    page.get_by_role("button", name="Apply as drafts").click()
    expect(page.get_by_text("3 draft shifts made")).to_be_visible()
    expect(page.get_by_text("The new drafts break none of the working-time rules")).to_be_visible()
    assert_accessible(page, "patterns-applied")

    page.get_by_role("link", name="Back to the pattern").click()
    page.get_by_label("First week (any day of it)").fill(next_week.isoformat())
    page.get_by_role("button", name="Apply as drafts").click()
    expect(page.get_by_text("0 draft shifts made")).to_be_visible()
    expect(page.get_by_text("3 were there already")).to_be_visible()

    page.get_by_role("link", name="Open the rota").click()
    expect(page.get_by_role("heading", name=re.compile("^Rota:"))).to_be_visible()
    expect(page.locator("#rota-grid .shift")).to_have_count(3)
    expect(page.locator("#rota-grid .shift--draft")).to_have_count(3)


def test_a_manager_sets_up_four_on_four_off_and_applies_it(
    page: Page, transactional_db: None
) -> None:
    _company()
    start = _this_week() + dt.timedelta(days=14)
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    page.goto("/acme/patterns/")
    expect(page.get_by_text("No rotating patterns yet")).to_be_visible()
    assert_accessible(page, "patterns-list-empty")
    page.get_by_role("link", name="New rotating pattern").first.click()
    page.get_by_label("Name").fill("Days, four on four off")
    page.get_by_label("Starts").fill("07:00")
    page.get_by_label("Ends").fill("19:00")
    page.get_by_label("Days on").fill("4")
    page.get_by_label("Days off").fill("4")
    page.get_by_label("First day of the cycle").fill(start.isoformat())
    assert_accessible(page, "patterns-rotation-new")
    page.get_by_role("button", name="Save pattern").click()
    expect(page.get_by_text("Nobody follows this pattern yet")).to_be_visible()

    for person, offset in (("Sam Taylor", "0"), ("Ella Hughes", "4")):
        page.get_by_label("Person").select_option(label=person)
        page.get_by_label("Offset (days into the cycle)").fill(offset)
        page.get_by_role("button", name="Add, or change their offset").click()
        expect(page.get_by_role("row", name=re.compile(person))).to_have_count(2)  # + preview
    assert_accessible(page, "patterns-rotation")

    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To (inclusive)").fill((start + dt.timedelta(days=13)).isoformat())
    page.get_by_role("button", name="Apply as drafts").click()
    expect(page.get_by_text("14 draft shifts made")).to_be_visible()
    page.get_by_role("link", name="Back to the pattern").click()
    page.get_by_label("From").fill(start.isoformat())
    page.get_by_label("To (inclusive)").fill((start + dt.timedelta(days=13)).isoformat())
    page.get_by_role("button", name="Apply as drafts").click()
    expect(page.get_by_text("0 draft shifts made")).to_be_visible()
    expect(page.get_by_text("14 were there already")).to_be_visible()
    page.get_by_role("link", name="Open the rota").click()
    expect(page.locator("#rota-grid .shift--draft")).to_have_count(7)  # one a day, first week

    page.goto("/acme/patterns/")
    expect(page.get_by_role("link", name="Days, four on four off", exact=True)).to_be_visible()
    assert_accessible(page, "patterns-list")
