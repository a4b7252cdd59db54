"""Journeys of the GDPR tooling: an admin names the Data Protection Officer; an employee
downloads a copy of their data; an erasure request goes from the employee's request to the
privacy team's approval, after which the person can no longer sign in."""

from __future__ import annotations

import json
import re
import zipfile

from playwright.sync_api import Page, expect

from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible, menu, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def test_an_admin_names_the_data_protection_officer(page: Page, transactional_db: None) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme", dpo=False)
    member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")

    sign_in(page, "admin@acme.test", TEST_PASSWORD)
    page.goto("/acme/")
    banner = page.get_by_text("has not named its Data Protection Officer yet")
    expect(banner).to_be_visible()
    page.get_by_role("link", name="Name the DPO").click()
    page.get_by_role("textbox", name="Data Protection Officer").fill("Dana Protector")
    page.get_by_label("DPO email address").fill("dpo@acme.test")
    page.get_by_label("DPO phone number").fill("call me")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Enter a phone number")).to_be_visible()  # nothing saved yet
    expect(banner).to_be_visible()
    page.get_by_label("DPO phone number").fill("+44 20 7946 0000")
    page.get_by_role("button", name="Save").click()
    expect(banner).to_be_hidden()
    expect(page.locator("#main").get_by_role("link", name="Erasure requests")).to_be_visible()
    assert_accessible(page, "privacy-settings")


def test_an_employee_downloads_their_data(
    page: Page, transactional_db: None, tmp_path: object
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")
    member(acme, email="colleague@acme.test", full_name="Chloe Evans")

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    page.goto("/acme/")
    page.locator("summary").filter(has_text="Sam Taylor").click()
    page.get_by_role("link", name="My data and privacy").click()
    expect(page.get_by_role("heading", name="My data and privacy")).to_be_visible()
    expect(page.get_by_text("Dana Protector")).to_be_visible()
    page.get_by_role("button", name="Prepare a copy of my data").click()
    expect(page.get_by_text("Ready", exact=True)).to_be_visible()
    assert_accessible(page, "my-data")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download ZIP")).click()
    download = download_info.value
    path = f"{tmp_path}/mine.zip"
    download.save_as(path)
    archive = zipfile.ZipFile(path)
    profile = json.loads(archive.read("profile.json"))
    assert profile["account"]["email"] == "sam@acme.test"
    assert b"Chloe" not in b"".join(archive.read(name) for name in archive.namelist())


def test_an_erasure_request_from_request_to_anonymised(page: Page, transactional_db: None) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, kind=RoleKind.ADMIN, email="admin@acme.test", full_name="Tom Okafor")
    member(acme, email="sam@acme.test", full_name="Sam Taylor")

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    page.goto("/acme/my-data/")
    page.get_by_role("link", name="Request deletion of my data").click()
    expect(page.get_by_text("By law they must answer by")).to_be_visible()
    page.get_by_label("Anything the privacy team should know").fill("I am moving abroad.")
    page.get_by_role("button", name="Send my erasure request").click()
    expect(page.get_by_text("Your request has been sent")).to_be_visible()
    expect(page.get_by_text("The company must answer by")).to_be_visible()
    expect(page.get_by_role("link", name="Request deletion of my data")).to_be_hidden()

    page.context.clear_cookies()
    sign_in(page, "admin@acme.test", TEST_PASSWORD)
    page.goto("/acme/settings/privacy/")
    menu(page).get_by_role("link", name="Erasure requests").click()
    page.get_by_role("link", name="Review Sam Taylor").click()
    expect(page.get_by_text("I am moving abroad.")).to_be_visible()
    assert_accessible(page, "erasure-request")
    page.get_by_role("button", name="Erase their data…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()  # Enter never erases
    dialog.get_by_role("button", name="Erase data").click()
    expect(page.get_by_text("Tick the box to confirm.")).to_be_visible()  # nothing erased yet
    page.get_by_role("dialog").get_by_label(re.compile("cannot be undone")).check()
    page.get_by_role("dialog").get_by_role("button", name="Erase data").click()
    expect(page.get_by_text(re.compile(r"kept as Former member [0-9A-F]{6}"))).to_be_visible()
    expect(page.get_by_role("cell", name="Erased")).to_be_visible()
    expect(page.get_by_text("Sam Taylor")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    expect(page.get_by_text("do not match an account")).to_be_visible()
