"""Journey: an auditor filters the activity log, opens an entry, and downloads an export; the log
reads in words and nothing on its pages is wider than the screen, on a desktop or a phone."""

from __future__ import annotations

import csv
import io
import json
import re

from playwright.sync_api import Page, expect

from accounts.catalogue import Event
from audit.services import record
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant
from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles

LONG_REASON = "Cover-for-the-night-shift-" * 12  # one long word: it must wrap, not overflow


def _acme() -> Tenant:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, kind=RoleKind.AUDITOR, email="auditor@acme.test", full_name="Grace Chen")
    maria = member(acme, kind=RoleKind.MANAGER, email="maria.rossi.with.a.long.address@acme.test",
                   full_name="Maria Rossi")  # fmt: skip
    with tenant_context(acme):
        role = Role.objects.create(name="Night lead", permissions=["build_rota"])
        role.permissions = ["build_rota", "publish_rota"]
        role.save()
        site = Site.objects.create(name="Harbour View")
        record(
            Event.ROTA_PUBLISHED,
            tenant=acme,
            target=acme,
            actor=maria.user,
            data={"week": "2026-11-30", "site": str(site.pk), "shifts": ["1", "2"] * 6},
        )
        record(Event.ROTA_RULES_OVERRIDDEN, tenant=acme, target=acme, actor=maria.user,
               data={"reason": LONG_REASON, "rules": ["rest_period"]})  # fmt: skip
    return acme


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_an_auditor_filters_the_log_and_downloads_an_export(
    page: Page, transactional_db: None
) -> None:
    _acme()
    sign_in(page, "auditor@acme.test", TEST_PASSWORD)
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text(
        "Maria Rossi published 12 shifts at Harbour View for the week of 30 Nov 2026"
    )).to_be_visible()  # fmt: skip
    assert _fits(page)
    assert_accessible(page, "audit-log")

    page.get_by_label("Event").select_option(label="Role changed")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"event=role.updated"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Role “Night lead” changed by Parim (automatic)")

    rows.first.get_by_role("link", name=re.compile("Details")).click()
    expect(page.get_by_role("heading", name="Role changed")).to_be_visible()
    expect(page.get_by_text("Hash verified")).to_be_visible()
    expect(page.locator(".diff-after")).to_contain_text("publish_rota")
    assert_accessible(page, "audit-entry")

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-acme-")
    text = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    rows_in_file = list(csv.DictReader(io.StringIO(text)))
    assert [(row["event"], row["label"]) for row in rows_in_file] == [
        ("role.updated", "Role changed")
    ]
    assert rows_in_file[0]["sentence"].startswith("Role “Night lead” changed")

    # Without sentences: the same filtered entries, written by the database.
    page.get_by_label("Without sentences").check()
    with page.expect_download() as raw_info:
        page.get_by_role("button", name="Export JSON Lines").click()
    with open(raw_info.value.path(), encoding="utf-8") as raw_file:
        records = [json.loads(line) for line in raw_file]
    assert [(r["event"], r["label"]) for r in records] == [("role.updated", "Role changed")]
    assert "sentence" not in records[0] and records[0]["changes"]["permissions"]

    # The downloads themselves are now in the log, in words.
    page.get_by_label("Category").select_option(label="Audit")
    page.get_by_label("Event").select_option("")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text(
        "Grace Chen exported the audit log as JSON Lines"
    )
    expect(page.locator("tbody tr").last).to_contain_text(
        "Grace Chen exported the audit log as CSV"
    )


def test_the_log_and_a_long_entry_fit_a_phone(phone: Page, transactional_db: None) -> None:
    _acme()
    sign_in(phone, "auditor@acme.test", TEST_PASSWORD)
    phone.goto("/acme/audit/")
    expect(phone.get_by_text("Maria Rossi overrode the working-time rules")).to_be_visible()
    assert _fits(phone), "the log is wider than the phone's screen"
    assert_accessible(phone, "audit-log-phone")

    phone.goto("/acme/audit/?event=rota.rules_overridden")
    phone.locator("tbody tr").first.get_by_role("link", name=re.compile("Details")).click()
    expect(phone.get_by_role("heading", name="Rules overridden")).to_be_visible()
    expect(phone.locator(".audit-values")).to_contain_text(LONG_REASON)
    assert _fits(phone), "the entry page is wider than the phone's screen"
    assert_accessible(phone, "audit-entry-phone")
