"""Journeys of time and attendance: an employee clocks in and out on a phone (position faked in
the browser, inside and then outside the site's radius); a manager enrols a tablet as the site's
kiosk, a person punches on it with a PIN, and the manager revokes the device; a manager fixes a
missed clock-out with a reason and approves the week; payroll shows the actual hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Geolocation, Page, expect

from attendance.kiosk import services as kiosk_services
from attendance.models import Punch, SiteLocation
from gdpr import services as gdpr_services
from tenancy.context import tenant_context
from tenancy.models import SensitiveKind
from tests.attendance.conftest import Floor
from tests.builders import at
from tests.e2e.conftest import CHROMIUM, Pages, assert_accessible, menu, sign_in
from tests.factories import TEST_PASSWORD

SITE = Geolocation(latitude=51.501, longitude=-0.142)
NEAR = Geolocation(latitude=51.5012, longitude=-0.1421)  # about 25 m away
FAR = Geolocation(latitude=51.52, longitude=-0.142)  # about 2 km away


@pytest.fixture
def located_phone(pages: Pages) -> Page:
    """A phone whose browser has allowed this site to read its (faked) position."""
    assert CHROMIUM
    return pages.phone(geolocation=NEAR, permissions=["geolocation"])


def _open(page: Page, link: str) -> None:
    """A page from the main navigation, behind the header's menu button on a phone."""
    toggle = page.get_by_role("button", name="Menu")
    if toggle.is_visible():
        toggle.click()
    menu(page).get_by_role("link", name=link, exact=True).click()


def _punches(floor: Floor) -> list[Punch]:
    with tenant_context(floor.tenant):
        return list(Punch.objects.order_by("clock_in_at"))


def test_an_employee_clocks_in_and_out_on_a_phone_inside_then_outside_the_radius(
    located_phone: Page, live_server: Any, transactional_db: None
) -> None:
    floor = Floor("acme")
    with tenant_context(floor.tenant):
        SiteLocation.objects.create(
            site=floor.site, latitude=Decimal(str(SITE["latitude"])),
            longitude=Decimal(str(SITE["longitude"])), radius_m=150,
        )  # fmt: skip
    gdpr_services.data_settings_save(
        tenant=floor.tenant, actor=floor.admin, kinds=[SensitiveKind.LOCATION],
        former_employee_retention_days=730, audit_retention_days=2555,
    )  # fmt: skip
    phone = located_phone
    sign_in(phone, floor.worker.user.email, TEST_PASSWORD)
    _open(phone, "My shifts")
    clock = phone.get_by_role("region", name="Clock")
    expect(clock).to_contain_text("Your shift")
    expect(clock).to_contain_text("This site checks that you are there")
    assert_accessible(phone, "attendance-my-shifts-phone")
    clock.get_by_role("button", name="Clock in").click()
    expect(phone.get_by_text("Clocked in.")).to_be_visible()
    expect(clock.get_by_role("button", name="Clock out")).to_be_visible()
    clock.get_by_role("button", name="Start break").click()
    expect(clock).to_contain_text("On a break since")
    clock.get_by_role("button", name="End break").click()
    expect(phone.get_by_text("Break ended.")).to_be_visible()
    phone.context.set_geolocation(FAR)  # walked off site before clocking out
    clock.get_by_role("button", name="Clock out").click()
    expect(phone.get_by_text("Clocked out.")).to_be_visible()
    [punch] = _punches(floor)
    assert punch.shift_id == floor.now_shift.pk and punch.clock_out_at is not None
    assert punch.in_place == "inside" and (punch.in_distance_m or 0) < 150
    assert punch.out_place == "outside" and 1800 < (punch.out_distance_m or 0) < 2500
    _open(phone, "My timesheet")
    expect(phone.get_by_text("Outside the site").first).to_be_visible()
    assert_accessible(phone, "attendance-my-timesheet-phone")


def test_a_person_clocks_in_on_the_sites_kiosk_with_their_pin(
    page: Page, pages: Pages, transactional_db: None
) -> None:
    floor = Floor("acme")
    sign_in(page, floor.worker.user.email, TEST_PASSWORD)
    _open(page, "Clock in and out")
    page.get_by_label("New kiosk PIN (4 to 8 digits)").fill("4821")
    page.get_by_role("button", name="Set PIN").click()
    expect(page.get_by_text("Your kiosk PIN is set.")).to_be_visible()
    # A manager sets up the kiosk and gets its one-time enrolment link.
    manager = pages.desktop()
    sign_in(manager, floor.manager.user.email, TEST_PASSWORD)
    _open(manager, "Kiosks")
    manager.get_by_label("Site").select_option(label="Rosewood")
    manager.get_by_label("Name (for example: front door tablet)").fill("Front door")
    manager.get_by_role("button", name="Set up").click()
    link = manager.get_by_label("Enrolment link").input_value()
    assert "/acme/kiosk/enrol/" in link
    kiosk = pages(viewport={"width": 1024, "height": 768})
    tablet = kiosk.context
    # Not enrolled yet: a clear refusal, no PIN form.
    kiosk.goto("/acme/kiosk/")
    expect(kiosk.get_by_role("heading", level=1)).to_have_text(
        "This device is not enrolled as a kiosk"
    )
    expect(kiosk.get_by_label("Your PIN")).to_have_count(0)
    kiosk.goto(link)
    kiosk.get_by_role("button", name="Enrol this device").click()
    expect(kiosk.get_by_role("heading", level=1)).to_contain_text("Rosewood")
    [cookie] = [c for c in tablet.cookies() if c["name"] == kiosk_services.DEVICE_COOKIE]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > 0
    assert_accessible(kiosk, "attendance-kiosk")
    kiosk.get_by_text("Employee 000").click()
    kiosk.get_by_label("Your PIN").first.fill("1234")
    kiosk.get_by_role("button", name="Clock in").first.click()
    expect(kiosk.get_by_text("Wrong name or PIN")).to_be_visible()
    kiosk.get_by_text("Employee 000").click()
    kiosk.get_by_label("Your PIN").first.fill("4821")
    kiosk.get_by_role("button", name="Clock in").first.click()
    expect(kiosk.get_by_text("Clocked in: Employee 000")).to_be_visible()
    # The manager revokes the device, confirming first: the tablet is refused at once.
    manager.reload()
    manager.get_by_role("button", name="Revoke device Front door").click()
    dialog = manager.get_by_role("dialog")
    expect(dialog).to_contain_text("Revoke the device of Front door?")
    dialog.get_by_role("button", name="Revoke device").click()
    expect(manager.get_by_text("The device is revoked")).to_be_visible()
    kiosk.reload()
    expect(kiosk.get_by_label("Your PIN")).to_have_count(0)
    expect(kiosk.get_by_role("heading", level=1)).to_have_text(
        "This device is not enrolled as a kiosk"
    )
    [punch] = _punches(floor)
    assert punch.in_source == "kiosk" and punch.membership_id == floor.worker.pk


def test_a_manager_fixes_a_missed_clock_out_approves_and_payroll_shows_actual_hours(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    floor = Floor("acme")
    today = dt.date.today()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    shift = floor.shift_for(floor.worker, at(monday, 9))
    with tenant_context(floor.tenant):
        Punch.objects.create(
            membership=floor.worker, site=floor.site, shift=shift, clock_in_at=at(monday, 8, 57)
        )  # never clocked out
    sign_in(page, floor.admin.user.email, TEST_PASSWORD)
    _open(page, "Timesheets")
    page.get_by_role("link", name="Previous").click()
    page.get_by_role("link", name="Employee 000").click()
    expect(page.get_by_text("Not clocked out")).to_be_visible()
    assert_accessible(page, "attendance-timesheet")
    page.get_by_role("button", name="Approve timesheet").click()
    expect(page.get_by_text("has no clock-out")).to_be_visible()
    page.get_by_role("button", name="Correct").first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Clocked out").fill(f"{monday.isoformat()}T17:04")
    dialog.get_by_label("Reason (kept with the punch)").fill("Forgot to clock out; left at 17:04")
    dialog.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("Punch corrected; the original times are kept.")).to_be_visible()
    expect(page.get_by_text("Forgot to clock out; left at 17:04")).to_be_visible()
    page.get_by_role("button", name="Approve timesheet").click()
    expect(page.get_by_text("Timesheet approved and locked.")).to_be_visible()
    expect(page.get_by_role("button", name="Unlock")).to_be_visible()

    _open(page, "Payroll from actuals")
    page.get_by_role("link", name="Scheduled against actual").click()
    page.get_by_label("From").fill(monday.isoformat())
    page.get_by_label("To (inclusive)").fill((monday + dt.timedelta(days=6)).isoformat())
    page.get_by_role("button", name="Show").click()
    by_person = page.get_by_role("region", name="By person")
    row = by_person.get_by_role("row", name="Employee 000")
    expect(row).to_contain_text("7:30")  # scheduled: 8 h less the 30 min break
    expect(row).to_contain_text("8:07")  # actual: 08:57 to 17:04, no break clocked
    assert_accessible(page, "attendance-payroll-summary")
    _open(page, "Payroll from actuals")
    page.get_by_label("From").fill(monday.isoformat())
    page.get_by_label("To (inclusive)").fill((monday + dt.timedelta(days=6)).isoformat())
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    body = download.value.path().read_text(encoding="utf-8")
    assert f"{monday.isoformat()},Rosewood,Carer,7.50,approved actual,8.12" in body.replace(
        str(floor.worker.pk) + ",Employee 000,", ""
    )
