"""Journey: a manager sets a coverage plan in the grid, finds a build already waiting for that
week (its progress shown; a second start refused), cancels it, runs auto-build, previews the
proposal with a gap and its reason, accepts it and sees the drafts on the rota."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from planning.models import BuildRun, BuildRunWeek
from scheduling.models import Position, Site
from scheduling.setup import services as setup_services
from scheduling.time import week_start_of
from tenancy.context import tenant_context
from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible, menu, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def test_a_manager_plans_coverage_auto_builds_and_accepts_drafts(
    page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    admin = member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")
    manager = member(acme, kind=RoleKind.MANAGER, email="manager@acme.test",
                     full_name="Maria Rossi")  # fmt: skip
    people = [member(acme, email=f"{n}@acme.test", full_name=name)
              for n, name in enumerate(("Sam Taylor", "Ella Hughes"))]  # fmt: skip
    with tenant_context(acme):
        site = Site.objects.create(name="Rosewood House", time_zone="Europe/London")
        carer = Position.objects.create(name="Carer", colour="teal")
    for person in people:
        setup_services.work_profile_save(
            tenant=acme, actor=admin, membership=person, positions=[carer], sites=[site],
            contracted_hours=Decimal(30), hourly_rate=Decimal("12.00"), max_hours_7_days=None,
            min_rest_hours=None,
        )  # fmt: skip
    week = week_start_of(dt.date.today()) + dt.timedelta(days=14)
    sign_in(page, "manager@acme.test", TEST_PASSWORD)

    # The plan: three carers on Mondays, one on Tuesdays.
    menu(page).get_by_role("link", name="Coverage plans").click()
    expect(page.get_by_role("heading", name="Coverage plan: Rosewood House")).to_be_visible()
    page.get_by_label("Position").select_option(label="Carer")
    page.get_by_label("Starts").fill("08:00")
    page.get_by_label("Ends").fill("16:00")
    page.get_by_label("Break (minutes)").fill("30")
    page.get_by_label("Mon", exact=True).fill("3")
    page.get_by_label("Tue", exact=True).fill("1")
    page.get_by_role("button", name="Add shift").click()
    expect(page.locator("table.coverage-grid tbody tr")).to_have_count(1)
    assert_accessible(page, "planning-coverage")

    # A build for that week is waiting for a worker: its progress shows, a second is refused.
    with tenant_context(acme):
        waiting = BuildRun.objects.create(site=site, week_start=week, created_by=manager)
        BuildRunWeek.objects.create(run=waiting, site=site, week_start=week)
    menu(page).get_by_role("link", name="Auto-build").click()
    page.get_by_label("First week (a Monday)").fill(week.isoformat())
    page.get_by_label("Time limit (seconds)").fill("2")
    page.get_by_role("button", name="Start auto-build").click()
    expect(page.get_by_text("already running")).to_be_visible()
    page.get_by_role("link", name="Rosewood House").first.click()
    expect(page.locator("#run-progress progress")).to_be_visible()
    expect(page.get_by_text("Waiting to start")).to_be_visible()
    assert_accessible(page, "planning-run-progress")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()

    # The build itself (no broker here: it runs before the page answers).
    menu(page).get_by_role("link", name="Auto-build").click()
    page.get_by_label("First week (a Monday)").fill(week.isoformat())
    page.get_by_label("Time limit (seconds)").fill("2")
    page.get_by_role("button", name="Start auto-build").click()
    expect(page.get_by_text("Ready to review")).to_be_visible()
    expect(page.get_by_role("heading", name="Gaps, and why they stayed open")).to_be_visible()
    expect(page.get_by_text("2 qualified Carer: 2 already working then")).to_be_visible()
    expect(page.get_by_role("heading", name="Hours against contract")).to_be_visible()
    assert_accessible(page, "planning-run-preview")
    page.get_by_role("button", name="Accept all as drafts").click()
    expect(page.get_by_text("3 draft shifts made")).to_be_visible()

    page.get_by_role("link", name="Open the rota").click()
    expect(page.get_by_role("heading", name=re.compile("^Rota:"))).to_be_visible()
    expect(page.locator("#rota-grid .shift--draft")).to_have_count(3)

    # Lock one of them in the shift dialog (a later auto-build leaves it as it is): the rota
    # marks it, and says so to a screen reader.
    page.locator("#rota-grid .shift--draft").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Edit shift")).to_be_visible()
    dialog.get_by_label("Locked", exact=True).check()
    dialog.get_by_role("button", name="Save shift").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.locator("#rota-grid .shift__lock")).to_have_count(1)
    expect(page.locator("#rota-grid .shift", has_text="Locked")).to_have_count(1)
