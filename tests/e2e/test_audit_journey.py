"""Journey: an auditor filters the activity log, opens an entry, and downloads an export."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Page, expect

from tenancy.context import tenant_context
from tenancy.models import Role
from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def test_an_auditor_filters_the_log_and_downloads_an_export(
    page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    member(acme, kind=RoleKind.AUDITOR, email="auditor@acme.test", full_name="Grace Chen")
    with tenant_context(acme):
        role = Role.objects.create(name="Night lead", permissions=["build_rota"])
        role.permissions = ["build_rota", "publish_rota"]
        role.save()

    sign_in(page, "auditor@acme.test", TEST_PASSWORD)
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    assert_accessible(page, "audit-log")

    page.get_by_label("Event").select_option("role.updated")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"event=role.updated"))
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Night lead")

    rows.first.get_by_role("link", name=re.compile("Details")).click()
    expect(page.get_by_text("Hash verified")).to_be_visible()
    expect(page.locator(".diff-after")).to_contain_text("publish_rota")
    assert_accessible(page, "audit-entry")

    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-acme-")
    text = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    rows_in_file = list(csv.DictReader(io.StringIO(text)))
    assert [row["event"] for row in rows_in_file] == ["role.updated"]

    # The download itself is now in the log.
    page.goto("/acme/audit/?event=audit.exported")
    expect(page.locator("tbody tr")).to_have_count(1)
