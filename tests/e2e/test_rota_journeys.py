"""Journeys: a manager builds and publishes a week (a rule break blocked, then overridden);
an employee sees the shifts in My shifts, on a phone; the calendar feed parses and holds only
that employee's published shifts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect

from accounts.identity import account_scope
from scheduling.models import Position, Shift, Site
from scheduling.rota import services as rota_services
from scheduling.rota.views import ROWS_AT_ONCE
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.builders import MONDAY, add_shift, at, build_rota
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
        setup_services.work_profile_save(
            tenant=acme, actor=admin, membership=person, positions=[carer], sites=[site],
            contracted_hours=Decimal(30), hourly_rate=Decimal("12.00"), max_hours_7_days=None,
            min_rest_hours=None,
        )  # fmt: skip
    return acme, manager, sam, ella


def _shift(
    acme: Tenant,
    manager: Membership,
    person: Membership,
    start: dt.datetime,
    hours: int = 8,
    break_minutes: int = 0,
) -> Shift:
    """A draft shift at the company's one site and position, saved as the manager would."""
    with tenant_context(acme):
        site, carer = Site.objects.get(), Position.objects.get()
    start = start.astimezone(dt.UTC)
    return rota_services.shift_save(
        tenant=acme, actor=manager, shift=None,
        data=rota_services.ShiftInput(site=site, position=carer, membership=person, start_at=start,
                                 end_at=start + dt.timedelta(hours=hours),
                                 break_minutes=break_minutes),
    )  # fmt: skip


def _add_shift(page: Page, person: str, start: str, end: str) -> None:
    page.get_by_role("button", name=re.compile(f"Add a shift on .* for {person}")).first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="New shift")).to_be_visible()
    dialog.get_by_label("Start").fill(start)
    dialog.get_by_label("End", exact=True).fill(end)
    dialog.get_by_role("button", name="Save shift").click()
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_manager_builds_and_publishes_a_week_overriding_a_blocked_rule_break(
    page: Page, transactional_db: None
) -> None:
    _company()
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    page.get_by_role("link", name="Rota", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("^Rota:"))).to_be_visible()

    _add_shift(page, "Sam Taylor", "09:00", "17:00")
    _add_shift(page, "Ella Hughes", "07:00", "15:00")
    expect(page.locator("#rota-grid .shift")).to_have_count(2)
    expect(page.get_by_role("status")).to_have_text("Shift added.")

    # The keyboard alone: Tab to Sam's "add" button of the same day and press Enter.
    page.get_by_role("button", name=re.compile("Add a shift on .* for Sam Taylor")).first.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="New shift")).to_be_visible()
    dialog.get_by_label("Start").fill("12:00")
    dialog.get_by_label("End", exact=True).fill("20:00")
    assert_accessible(page, "rota-shift-dialog")
    dialog.get_by_label("Start").press("Enter")  # submits the form
    expect(page.locator("#rota-grid .shift")).to_have_count(3)
    expect(page.locator("#rota-grid .shift--blocked")).to_have_count(2)  # the overlap
    # The dialog stays open to say what the saved shift breaks; keep it as a draft for now.
    expect(dialog.get_by_text(re.compile("Blocks publishing: Overlaps the shift"))).to_be_visible()
    dialog.get_by_role("button", name="Keep it as a draft").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert_accessible(page, "rota-week")

    page.get_by_role("link", name="Review and publish").click()
    expect(page.get_by_text(re.compile("rule breaks? blocks? publishing")).first).to_be_visible()
    page.get_by_role("button", name="Override and publish").click()
    expect(page.get_by_text("give a reason for overriding them")).to_be_visible()
    assert_accessible(page, "rota-publish-blocked")
    page.get_by_label("Reason for overriding the rules").fill("Handover overlap agreed with Sam")
    page.get_by_role("button", name="Override and publish").click()
    expect(page.get_by_text("3 shifts published")).to_be_visible()
    expect(page.locator("#rota-grid .shift--draft")).to_have_count(0)


def test_an_employee_sees_published_shifts_in_my_shifts_on_a_phone(
    phone: Page, transactional_db: None
) -> None:
    acme, manager, sam, ella = _company()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    _shift(acme, manager, sam, at(tomorrow, 9), hours=8, break_minutes=30)
    _shift(acme, manager, ella, at(tomorrow, 10), hours=8, break_minutes=30)
    rota_services.week_publish(tenant=acme, actor=manager, week_start=tomorrow)
    _shift(acme, manager, sam, at(tomorrow, 20) + dt.timedelta(days=2), hours=3)
    # (that last one stays a draft: Sam must not see it)

    sign_in(phone, "sam@acme.test", TEST_PASSWORD)
    phone.goto("/acme/my-shifts/")
    items = phone.locator(".shift-item")
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("09:00\u201317:00")
    expect(items.first).to_contain_text("Ella Hughes (Carer)")
    assert_accessible(phone, "my-shifts-phone")


def test_the_calendar_feed_parses_and_holds_only_the_employees_published_shifts(
    page: Page, transactional_db: None
) -> None:
    acme, manager, sam, ella = _company()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    made = {person.pk: _shift(acme, manager, person, at(tomorrow, 9)) for person in (sam, ella)}
    rota_services.week_publish(tenant=acme, actor=manager, week_start=tomorrow)

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    page.goto("/acme/my-shifts/")
    page.get_by_role("button", name="Subscribe in your calendar").click()
    url = page.locator("#feed-url").input_value()
    assert re.search(r"/acme/calendar/[\w-]+\.ics$", url)
    subscribe = page.get_by_role("link", name="Subscribe on this device")
    assert subscribe.get_attribute("href") == "webcal://" + url.split("://", 1)[1]
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("Copied")
    assert_accessible(page, "calendar-feed")
    response = page.request.get(url)
    assert response.ok
    calendar = Calendar.from_ical(response.body())
    events = list(calendar.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == [f"{made[sam.pk].pk}@parim"]
    assert str(events[0]["summary"]) == "Carer at Rosewood House"


def test_a_large_rota_loads_as_it_scrolls_and_a_dragged_shift_moves(
    page: Page, transactional_db: None
) -> None:
    """More people than one request brings: their rows arrive as the table scrolls, the
    footer counts the whole week from the start, a shift dragged onto another person's day
    moves there, and the refreshed grid keeps every row that was loaded."""
    rota = build_rota(people=ROWS_AT_ONCE + 10)
    monday = add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[-1], at(MONDAY + dt.timedelta(days=1), 9))
    everyone = len(rota.people) + 2  # and the admin and the manager, who schedule every site
    rows = page.locator("#rota-grid tbody tr[data-member]:not([data-member=''])")

    sign_in(page, rota.manager.user.email, TEST_PASSWORD)
    page.goto(f"/alpha/rota/?week={MONDAY}")
    expect(rows).to_have_count(ROWS_AT_ONCE)
    footer = page.locator("#rota-grid tfoot td")
    expect(footer.nth(0)).to_have_text("7.5 h")  # Monday, of everyone
    expect(footer.nth(1)).to_have_text("7.5 h")  # Tuesday: the last person's, not loaded yet

    page.locator("#rota-grid .rota__more").scroll_into_view_if_needed()
    expect(rows).to_have_count(everyone)
    last = page.get_by_role("row", name=re.compile(rota.people[-1].user.full_name))
    expect(last.locator(".shift")).to_have_count(1)
    assert_accessible(page, "rota-large-week")

    # Employee 000's Monday shift, dragged to Employee 001's Wednesday.
    target = page.get_by_role("row", name=re.compile(rota.people[1].user.full_name))
    page.locator(f'[data-shift="{monday.pk}"]').drag_to(target.locator("td").nth(2))
    expect(page.get_by_role("status")).to_have_text("Shift moved.")
    expect(target.locator("td").nth(2).locator(".shift")).to_have_count(1)
    expect(rows).to_have_count(everyone)  # the refreshed grid brought every loaded row back
    with tenant_context(rota.tenant):
        moved = Shift.objects.get(pk=monday.pk)
    assert moved.membership_id == rota.people[1].pk
    assert moved.start_at == at(MONDAY + dt.timedelta(days=2), 9)

    # Printing prints the whole week: every row is loaded first.
    page.goto(f"/alpha/rota/?week={MONDAY}")
    expect(rows).to_have_count(ROWS_AT_ONCE)
    page.get_by_role("button", name="Print").click()
    expect(rows).to_have_count(everyone)


def test_a_manager_opens_a_day_as_a_timeline_and_opens_a_shift_from_it(
    page: Page, transactional_db: None
) -> None:
    """From the week, the day view: each person working that day on a line, each shift a bar
    placed by its times (a morning shift in the left half of the line, a night shift running
    to its end), the open shift on its own line; a bar opens its shift, by keyboard too."""
    rota = build_rota(people=2)
    tuesday = MONDAY + dt.timedelta(days=1)
    morning = add_shift(rota, rota.people[0], at(tuesday, 6), hours=6)  # 06:00-12:00
    add_shift(rota, rota.people[1], at(tuesday, 22), hours=8)  # 22:00-06:00 (+1)
    add_shift(rota, None, at(tuesday, 12), hours=6)

    sign_in(page, rota.manager.user.email, TEST_PASSWORD)
    page.goto(f"/alpha/rota/?week={MONDAY}")
    page.get_by_role("link", name="Day view").click()
    page.get_by_label("Day", exact=True).fill(tuesday.isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Day: Tuesday 24 November 2026")).to_be_visible()
    expect(page.get_by_role("heading", name="Open shifts")).to_be_visible()
    track = page.locator(".timeline__line", has_text="Employee 000").locator(".timeline__track")
    bar = track.locator(".timeline__bar")
    expect(bar).to_have_count(1)
    box, line = bar.bounding_box(), track.bounding_box()
    assert box is not None and line is not None
    # 06:00-12:00 is the second quarter of the line.
    assert abs((box["x"] - line["x"]) / line["width"] - 0.25) < 0.02
    assert abs(box["width"] / line["width"] - 0.25) < 0.02
    night = page.locator(".timeline__line", has_text="Employee 001").locator(".timeline__bar")
    expect(night).to_contain_text("22:00\u201306:00 +1")
    assert_accessible(page, "rota-day-timeline")

    bar.get_by_role("link").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/alpha/rota/shifts/{morning.pk}/"))
    expect(page.get_by_label("Start")).to_have_value("06:00")


def test_two_managers_on_one_week_each_see_the_others_change_at_the_next_load(
    page: Page, pages: Pages, transactional_db: None
) -> None:
    """The rota reuses its computed week between loads (scheduling/rota/cache.py): another
    manager's change, and a renamed person, show at the very next load all the same."""
    acme, manager, sam, _ella = _company()
    _shift(acme, manager, sam, at(dt.date.today(), 9))
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    page.goto("/acme/rota/")
    expect(page.locator("#rota-grid .shift")).to_have_count(1)
    page.reload()  # the same week again, now reused
    expect(page.locator("#rota-grid .shift")).to_have_count(1)

    admin_page = pages.desktop()
    sign_in(admin_page, "admin@acme.test", TEST_PASSWORD)
    admin_page.goto("/acme/rota/")
    _add_shift(admin_page, "Ella Hughes", "07:00", "15:00")
    expect(admin_page.locator("#rota-grid .shift")).to_have_count(2)

    page.get_by_role("link", name="This week").click()
    expect(page.locator("#rota-grid .shift")).to_have_count(2)
    with account_scope(sam.user_id):  # accounts are under row-level security
        sam.user.full_name = "Samira Taylor"
        sam.user.save(update_fields=["full_name"])
    page.reload()
    expect(page.locator("#rota-grid tbody")).to_contain_text("Samira Taylor")
    assert_accessible(page, "rota-week-after-a-colleagues-change")


def _tab_to(page: Page, target: Locator, *, back: bool = False, limit: int = 300) -> None:
    """Press Tab (Shift+Tab with `back`) until `target` has the focus, as a keyboard user."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{target} never took the focus by Tab")


def test_a_manager_copies_edits_duplicates_deletes_and_clears_with_the_keyboard_alone(
    page: Page, transactional_db: None
) -> None:
    """Every action of the week by Tab and Enter: copy the previous week, open a shift and
    change it, duplicate it to another day, delete the copy (confirming), filter by site, and
    clear the week's drafts (confirming)."""
    rota = build_rota(people=2)
    add_shift(rota, rota.people[0], at(MONDAY - dt.timedelta(days=7), 9))  # last week
    chips = page.locator("#rota-grid .shift")
    sign_in(page, rota.manager.user.email, TEST_PASSWORD)
    page.goto(f"/alpha/rota/?week={MONDAY}")
    expect(chips).to_have_count(0)

    _tab_to(page, page.get_by_role("button", name="Copy previous week"))
    page.keyboard.press("Enter")
    copy_dialog = page.get_by_role("dialog", name="Copy the previous week?")
    expect(copy_dialog).to_be_visible()
    _tab_to(page, copy_dialog.get_by_role("button", name="Copy as drafts"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 shift copied from the previous week as a draft.")).to_be_visible()
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("09:00\u201317:00")

    _tab_to(page, chips.first)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=re.compile("Edit shift"))).to_be_visible()
    start = dialog.get_by_label("Start")
    _tab_to(page, start)
    start.fill("10:00")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("status")).to_have_text("Shift saved.")
    expect(chips.first).to_contain_text("10:00\u201317:00")

    _tab_to(page, chips.first)
    page.keyboard.press("Enter")
    _tab_to(page, dialog.get_by_role("link", name="Duplicate"))
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("heading", name="New shift")).to_be_visible()
    expect(dialog.get_by_label("Start")).to_have_value("10:00")
    day = dialog.get_by_label("Date")
    _tab_to(page, day)
    day.fill((MONDAY + dt.timedelta(days=1)).isoformat())
    page.keyboard.press("Enter")
    expect(chips).to_have_count(2)
    tuesday = page.get_by_role("row", name=re.compile("Employee 000")).locator("td").nth(1)
    expect(tuesday.locator(".shift")).to_have_count(1)

    _tab_to(page, tuesday.locator(".shift"))
    page.keyboard.press("Enter")
    _tab_to(page, dialog.get_by_role("link", name="Delete"))
    page.keyboard.press("Enter")
    expect(dialog.get_by_role("heading", name="Delete this shift?")).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    assert_accessible(page, "rota-delete-confirmation")
    _tab_to(page, dialog.get_by_role("button", name="Delete shift"), back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Shift deleted.")
    expect(chips).to_have_count(1)

    site = page.get_by_label("Site", exact=True)
    _tab_to(page, site)
    site.select_option(label="Maple")  # the other site: nothing scheduled there
    expect(page).to_have_url(re.compile(f"site={rota.other_site.pk}"))
    expect(chips).to_have_count(0)
    page.goto(f"/alpha/rota/?week={MONDAY}")

    _tab_to(page, page.get_by_role("button", name="Clear drafts"))
    page.keyboard.press("Enter")
    clear_dialog = page.get_by_role("dialog", name="Delete this week's drafts?")
    expect(clear_dialog).to_contain_text("1 draft shift at all your sites will be deleted.")
    cancel = clear_dialog.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()  # the safe choice: Enter alone never deletes
    assert_accessible(page, "rota-clear-confirmation")
    _tab_to(page, clear_dialog.get_by_role("button", name="Delete drafts"), back=True)
    page.keyboard.press("Enter")
    expect(page.get_by_text("1 draft shift deleted.")).to_be_visible()
    expect(chips).to_have_count(0)
    with tenant_context(rota.tenant):
        assert Shift.objects.filter(start_at__gte=at(MONDAY, 0)).count() == 0
        assert Shift.objects.count() == 1  # last week's, untouched
