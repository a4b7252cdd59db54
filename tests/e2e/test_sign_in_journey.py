"""Journeys: signing in and reaching a company's dashboard; a foreign company's URL is a 404."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible
from tests.factories import TEST_PASSWORD, make_user, member, tenant_with_roles


def _sign_in_with_keyboard(page: Page, email: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    assert_accessible(page, "login")
    # Email has autofocus; everything else by keyboard alone.
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")


def test_person_signs_in_picks_a_company_and_sees_the_dashboard(
    page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    globex = tenant_with_roles(name="Globex Security", slug="globex")
    user = make_user(email="maria@example.test", full_name="Maria Rossi")
    member(acme, user=user, kind=RoleKind.MANAGER)
    member(globex, user=user, kind=RoleKind.EMPLOYEE)

    _sign_in_with_keyboard(page, "maria@example.test")
    expect(page.get_by_role("heading", name="Choose a company")).to_be_visible()
    assert_accessible(page, "picker")

    page.get_by_role("link", name=re.compile("Acme Care Homes")).click()
    expect(page).to_have_url(re.compile(r"/acme/$"))
    expect(page.get_by_role("heading", name="Welcome, Maria Rossi")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Manager")
    expect(page.get_by_role("banner")).to_contain_text("Acme Care Homes")
    assert_accessible(page, "dashboard")

    # The account menu works from the keyboard and signs out.
    page.locator("details.menu > summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_member_of_acme_typing_a_globex_url_gets_the_404_page(
    page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    tenant_with_roles(name="Globex Security", slug="globex")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")

    _sign_in_with_keyboard(page, "sam@acme.test")
    expect(page).to_have_url(re.compile(r"/acme/$"))

    response = page.goto("/globex/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="We can't find that page")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Globex")
    assert_accessible(page, "not-found")


def test_dashboard_fits_a_phone_screen(phone: Page, transactional_db: None) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")
    _sign_in_with_keyboard(phone, "sam@acme.test")
    expect(phone.get_by_role("heading", name="Welcome, Sam Taylor")).to_be_visible()
    scroll_width = phone.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, "the page scrolls sideways on a phone"
    assert_accessible(phone, "dashboard-phone")
