"""Journey: a manager writes a message to everyone at a site (the recipient count follows the
choice), sends it and sees who has read it; an employee, on a phone, sees the unread count,
opens the message, and the count drops."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from scheduling.models import Position, Site
from scheduling.setup import services
from tenancy.context import tenant_context
from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def _company() -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    admin = member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")
    member(acme, kind=RoleKind.MANAGER, email="manager@acme.test", full_name="Maria Rossi")
    sam = member(acme, email="sam@acme.test", full_name="Sam Taylor")
    ella = member(acme, email="ella@acme.test", full_name="Ella Hughes")
    member(acme, email="ravi@acme.test", full_name="Ravi Shah")  # works at no site
    with tenant_context(acme):
        site = Site.objects.create(name="Rosewood House", time_zone="Europe/London")
        carer = Position.objects.create(name="Carer", colour="teal")
    for person in (sam, ella):
        services.work_profile_save(
            tenant=acme, actor=admin, membership=person, positions=[carer], sites=[site],
            contracted_hours=Decimal(30), max_hours_7_days=None, min_rest_hours=None,
        )  # fmt: skip


def _badge(page: Page) -> str:
    """The unread badge of the navigation, as its fragment reads (the text a screen reader
    announces)."""
    response = page.request.get("/acme/notifications/badge/")
    assert response.ok
    return " ".join(re.sub(r"<[^>]+>", " ", response.text()).split())


def test_a_manager_sends_a_message_to_a_site_and_the_employee_reads_it(
    page: Page, phone: Page, transactional_db: None
) -> None:
    _company()
    sign_in(page, "manager@acme.test", TEST_PASSWORD)
    page.goto("/acme/messages/")
    expect(page.get_by_role("heading", name="No messages yet")).to_be_visible()
    page.get_by_role("link", name="New message").first.click()
    expect(page.get_by_role("heading", name="New message")).to_be_visible()

    # Sending to nobody is refused with a clear message.
    page.get_by_label("Subject").fill("Fire drill on Friday")
    page.get_by_label("Message").fill("Meet at the front gate at 10:00. It takes ten minutes.")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Choose at least one person, a site or a position."
    )

    page.get_by_label("Everyone who works at").select_option(label="Rosewood House")
    expect(page.get_by_role("status")).to_have_text("This message goes to 2 people.")
    page.get_by_label("People").select_option(label="Ravi Shah")
    expect(page.get_by_role("status")).to_have_text("This message goes to 3 people.")
    page.get_by_label("People").select_option([])
    expect(page.get_by_role("status")).to_have_text("This message goes to 2 people.")
    assert_accessible(page, "message-compose")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("Message sent to 2 people.")).to_be_visible()
    expect(page.get_by_role("heading", name="Fire drill on Friday")).to_be_visible()
    expect(page.get_by_text("0 of 2 people")).to_be_visible()
    expect(page.get_by_text("Rosewood House site")).to_be_visible()

    sign_in(phone, "sam@acme.test", TEST_PASSWORD)
    assert _badge(phone) == "1 unread"
    phone.goto("/acme/notifications/")
    expect(phone.get_by_role("link", name=re.compile("^All 1 unread"))).to_be_visible()
    item = phone.get_by_role("link", name=re.compile("Fire drill on Friday"))
    expect(item).to_contain_text("unread")
    expect(phone.get_by_text("From Maria Rossi")).to_be_visible()
    assert_accessible(phone, "notifications-phone")
    item.click()
    expect(phone.get_by_role("heading", name="Fire drill on Friday")).to_be_visible()
    expect(phone.get_by_text("Meet at the front gate at 10:00.")).to_be_visible()
    assert_accessible(phone, "message-read-phone")
    assert _badge(phone) == ""
    phone.get_by_role("link", name="All notifications").click()
    expect(phone.get_by_role("link", name=re.compile("^All"))).to_have_text("All")
    expect(phone.get_by_role("button", name="Mark all read")).to_have_count(0)

    page.reload()
    expect(page.get_by_text("1 of 2 people")).to_be_visible()
    assert_accessible(page, "message-detail")
    page.get_by_role("link", name="Sent messages").click()
    expect(page.get_by_role("cell", name="1 of 2")).to_be_visible()
