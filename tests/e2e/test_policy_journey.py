"""Journey: an employee opening the company after a new policy version meets the gate, reads
the document and accepts it, then carries on where they were going."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from gdpr import policies
from tenancy.context import tenant_context
from tenancy.permissions import RoleKind
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def test_an_employee_accepts_a_new_policy_version_at_the_gate(
    page: Page, transactional_db: None
) -> None:
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme")
    admin = member(acme, kind=RoleKind.ADMIN, email="admin@acme.test")
    sam = member(acme, email="sam@acme.test", full_name="Sam Taylor")
    first = policies.policy_publish(
        tenant=acme, actor=admin, policy=None, title="Code of conduct", file_name="coc.md",
        content=b"# Code of conduct\n\nBe kind to residents.\n",
    )  # fmt: skip
    policies.policies_accept(tenant=acme, membership=sam, version_ids={first.pk}, ip_address=None)
    with tenant_context(acme):
        policy = first.policy
    policies.policy_publish(
        tenant=acme, actor=admin, policy=policy, title="", file_name="coc-v2.md",
        content=b"# Code of conduct\n\nBe kind to residents and to each other.\n\n"
        b"## At work\n\n- Wear your **badge**\n- Report concerns\n",
        summary="Kindness applies to colleagues too",
    )  # fmt: skip

    sign_in(page, "sam@acme.test", TEST_PASSWORD)
    page.goto("/acme/my-shifts/")
    expect(page).to_have_url(re.compile(r"/acme/policies/accept/\?next="))
    expect(page.get_by_role("heading", name="Please read and accept")).to_be_visible()
    expect(page.get_by_text("Be kind to residents and to each other.")).to_be_visible()
    expect(page.get_by_text("Kindness applies to colleagues too")).to_be_visible()
    document = page.get_by_role("document", name="Code of conduct")
    expect(document.get_by_role("heading", name="At work")).to_be_visible()  # Markdown, formatted
    expect(document.get_by_role("listitem")).to_have_count(2)
    expect(document.locator("strong", has_text="badge")).to_be_visible()
    expect(document).not_to_contain_text("**")
    fingerprint = page.get_by_text(first.sha256[:12])
    expect(fingerprint).to_have_count(0)  # an old version's hash is not shown
    expect(page.locator("code.hash")).to_be_hidden()  # the hash waits under "Document details"
    page.get_by_text("Document details").click()
    expect(page.locator("code.hash")).to_be_visible()
    assert_accessible(page, "policy-gate")

    page.get_by_role("button", name="Accept and continue").click()
    expect(page.get_by_text("This field is required")).to_be_visible()  # the box not ticked
    page.get_by_label("I have read these documents and accept them").check()
    page.get_by_role("button", name="Accept and continue").click()
    expect(page).to_have_url(re.compile(r"/acme/my-shifts/$"))
    expect(page.get_by_text("Your acceptance is recorded")).to_be_visible()
