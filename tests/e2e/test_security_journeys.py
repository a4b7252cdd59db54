"""Journeys: two-factor enrolment and sign-in, backup codes, lockout, a required policy,
an invitation accepted, and a role without a permission."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tenancy.context import tenant_context
from tenancy.models import Membership, Role
from tenancy.permissions import RoleKind
from tests.e2e.conftest import Pages, assert_accessible, code_from_secret, menu, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles

_secrets: dict[int, str] = {}  # the key each page enrolled with, for computing later codes


def _enrol(page: Page, start_url: str = "/accounts/") -> list[str]:
    if start_url == "/accounts/":
        page.goto("/accounts/")
        page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    if page.get_by_role("button", name="Start").count():
        page.get_by_role("button", name="Start").click()
    expect(page.locator(".qr svg")).to_be_visible()
    assert_accessible(page, "two-factor-setup")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code from your app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    assert_accessible(page, "backup-codes")
    codes = page.locator("#backup-codes code").all_inner_texts()
    assert len(codes) == 10
    _secrets[id(page)] = secret
    return codes


def _sign_out(page: Page) -> None:
    page.locator("details.menu > summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))


def test_enrol_two_factor_then_sign_in_with_a_code(page: Page, transactional_db: None) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")
    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    _enrol(page)
    secret = _secrets[id(page)]
    page.get_by_role("link", name="I have saved my codes").click()
    _sign_out(page)

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert_accessible(page, "login-verify")
    # The enrolment used this time step's code, which cannot be used twice; an app a step
    # ahead (within the one step of drift allowed) shows the next one.
    page.get_by_label("Code").fill(code_from_secret(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Welcome, Sam Taylor")).to_be_visible()


def test_sign_in_with_a_backup_code(page: Page, transactional_db: None) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")
    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    codes = _enrol(page)
    page.get_by_role("link", name="I have saved my codes").click()
    _sign_out(page)

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Welcome, Sam Taylor")).to_be_visible()
    expect(page.get_by_text("You used a backup code; 9 remain")).to_be_visible()
    _sign_out(page)

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(
        page.get_by_text("That code is not right, has expired or was already used")
    ).to_be_visible()


def test_repeated_failures_lock_the_sign_in(page: Page, transactional_db: None) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, email="sam@acme.test")
    for _ in range(4):
        sign_in(page, "sam@acme.test", "a wrong password guess")
        expect(page.get_by_text("do not match an account")).to_be_visible()
    sign_in(page, "sam@acme.test", "a wrong password guess")  # the fifth failure locks
    expect(page.get_by_text("Too many failed attempts to sign in")).to_be_visible()
    sign_in(page, "sam@acme.test", TEST_PASSWORD)  # even the right password, for now
    expect(page.get_by_text("Too many failed attempts to sign in")).to_be_visible()
    assert_accessible(page, "login-locked")


def test_admin_requires_two_factor_and_a_member_is_made_to_enrol(
    pages: Pages, page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")

    sign_in(page, "admin@acme.test", TEST_PASSWORD)
    menu(page).get_by_role("link", name="Security").click()
    assert_accessible(page, "security-policy")
    page.get_by_label("Required for everyone").check()
    page.get_by_role("button", name="Save policy").click()
    expect(page.get_by_text("The security policy was saved.")).to_be_visible()
    # The admin is a member too: their next page takes them to enrolment.
    expect(page.get_by_text("Your company requires two-factor authentication")).to_be_visible()

    employee = pages()
    sign_in(employee, "sam@acme.test", TEST_PASSWORD)
    expect(employee.get_by_text("Your company requires two-factor authentication")).to_be_visible()
    employee.goto("/acme/")  # any page of the company leads back to enrolment
    expect(employee).to_have_url(re.compile(r"/accounts/two-factor/"))
    _enrol(employee, start_url="")
    employee.get_by_role("link", name="I have saved my codes").click()
    expect(employee.get_by_role("heading", name="Welcome, Sam Taylor")).to_be_visible()


def test_an_invitation_is_sent_and_accepted(
    pages: Pages, page: Page, transactional_db: None, mailoutbox: Any
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")

    sign_in(page, "admin@acme.test", TEST_PASSWORD)
    menu(page).get_by_role("link", name="People").click()
    assert_accessible(page, "people")
    page.get_by_role("button", name="Invite someone").first.click()
    invite = page.get_by_role("dialog", name="Invite someone")
    invite.get_by_label("Email address").fill("not an address")
    invite.get_by_role("button", name="Send invitation").click()
    invite = page.get_by_role("dialog", name="Invite someone")  # re-rendered, open, with the error
    expect(invite.get_by_text("Enter a valid email address")).to_be_visible()
    invite.get_by_label("Email address").fill("new.starter@example.test")
    invite.get_by_label("Role").select_option(label="Manager")
    invite.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new.starter@example.test")).to_be_visible()
    pending = page.get_by_role("table").filter(has_text="Expires")
    expect(pending.get_by_role("cell", name="new.starter@example.test", exact=True)).to_be_visible()

    link = re.search(r"https?://\S+/acme/join/\S+/", mailoutbox[-1].body)
    assert link is not None
    invitee = pages()
    invitee.goto(link.group(0))
    expect(invitee.get_by_role("heading", name="Join Acme Care Homes")).to_be_visible()
    assert_accessible(invitee, "join")
    invitee.get_by_label("Your full name").fill("Nia Newton")
    invitee.get_by_label("Choose a password").fill("short")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_text("use at least 12 characters")).to_be_visible()
    invitee.get_by_label("Choose a password").fill("lantern meadow copper sky")
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_role("heading", name="Welcome, Nia Newton")).to_be_visible()
    expect(invitee.get_by_role("main")).to_contain_text("Manager")

    page.reload()
    expect(page.get_by_text("No invitations are waiting.")).to_be_visible()


def test_a_custom_role_without_the_permission_gets_the_403_page(
    page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    person = member(acme, email="sched@acme.test", full_name="Casey Lee")
    with tenant_context(acme):
        role = Role.objects.create(name="Scheduler", permissions=["build_rota", "publish_rota"])
        Membership.objects.filter(pk=person.pk).update(role=role)
    sign_in(page, "sched@acme.test", TEST_PASSWORD)
    expect(page.get_by_role("heading", name="Welcome, Casey Lee")).to_be_visible()
    expect(menu(page).get_by_role("link", name="People")).to_have_count(0)
    response = page.goto("/acme/people/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="You don't have permission to do that")).to_be_visible()
    assert_accessible(page, "forbidden")
