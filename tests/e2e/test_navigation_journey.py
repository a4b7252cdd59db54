"""The app shell in a real browser, for each role, on a laptop and on a phone: every page the
role may use is in the navigation, visible at once on a wide screen and one tap away (the Menu
button) on a phone, and nothing overflows the viewport."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from parim.templatetags.navigation import GROUPS
from tenancy.models import Membership
from tenancy.permissions import RoleKind
from tests.e2e.conftest import Pages, assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles

ROLES = [RoleKind.OWNER, RoleKind.ADMIN, RoleKind.MANAGER, RoleKind.EMPLOYEE, RoleKind.AUDITOR]
VIEWPORTS = {"laptop": (1280, 800), "phone": (390, 844)}


def _labels_for(person: Membership) -> list[str]:
    return [
        str(link.label)
        for group in GROUPS
        for link in group.links
        if link.permission is None or person.has(link.permission)
    ]


def _no_horizontal_overflow(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the viewport"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("kind", ROLES)
def test_every_destination_of_the_role_is_visible_or_one_tap_away(
    pages: Pages, live_server: Any, transactional_db: None, kind: RoleKind, viewport: str
) -> None:
    tenant = tenant_with_roles(name="Acme Care", slug="acme")
    person = member(tenant, kind=kind, email=f"{kind}@acme.test", full_name="Sam Shell")
    width, height = VIEWPORTS[viewport]
    page = pages(
        viewport={"width": width, "height": height}, is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )  # fmt: skip
    sign_in(page, person.user.email, TEST_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/acme/")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    if viewport == "phone":
        expect(nav).to_be_hidden()
        _no_horizontal_overflow(page)
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
    else:
        expect(menu).to_be_hidden()
    for label in _labels_for(person):
        link = nav.get_by_role("link", name=label, exact=True)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, label
    _no_horizontal_overflow(page)
    assert_accessible(page, f"nav-{kind}-{viewport}")
    # The current page is marked; following a link marks the next one.
    expect(nav.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    nav.get_by_role("link", name="My shifts", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("shifts")
    if viewport == "phone":
        expect(nav).to_be_hidden()  # the menu closes on a new page
        page.keyboard.press("Tab")  # skip link, then the Menu button
        page.keyboard.press("Tab")
        expect(menu).to_be_focused()
        page.keyboard.press("Enter")
        expect(nav).to_be_visible()
        expect(nav.get_by_role("link", name="My shifts", exact=True)).to_be_focused()
        expect(nav.get_by_role("link", name="My shifts", exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        page.keyboard.press("Escape")
        expect(nav).to_be_hidden()
        expect(menu).to_be_focused()
    else:
        expect(nav.get_by_role("link", name="My shifts", exact=True)).to_have_attribute(
            "aria-current", "page"
        )
    _no_horizontal_overflow(page)
