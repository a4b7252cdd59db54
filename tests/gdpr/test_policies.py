"""Company policies: upload checks, versions, the acceptance gate, the report and reminders."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from audit.models import AuditEntry
from gdpr import policies
from gdpr.models import Policy, PolicyAcceptance, PolicyVersion
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, tenant_with_roles

pytestmark = pytest.mark.django_db

MARKDOWN = b"# Code of conduct\n\nBe kind. Be on time.\n"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def company() -> tuple[Tenant, Membership, Membership]:
    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    admin = member(tenant, kind=RoleKind.ADMIN, email="admin@alpha.test")
    employee = member(tenant, email="sam@alpha.test", full_name="Sam Taylor")
    return tenant, admin, employee


def _client(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("policy.txt", MARKDOWN, "PDF (.pdf) or a Markdown"),
        ("policy.pdf", MARKDOWN, "not a PDF document"),
        ("policy.md", b"\xff\xfe\x00bad", "not UTF-8"),
        ("policy.md", b"", "empty"),
        ("policy.pdf", b"%PDF-" + b"x" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_uploads_that_are_not_a_pdf_or_markdown_or_too_large_are_refused(
    company: Any, name: str, content: bytes, message: str
) -> None:
    tenant, admin, _employee = company
    response = _client(admin).post(
        "/alpha/policies/",
        {"title": "Code of conduct", "document": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    with tenant_context(tenant):
        assert not Policy.objects.exists()
    tenant.refresh_from_db()
    assert tenant.policy_serial == 0


def test_a_new_version_sends_everyone_to_the_gate_until_they_accept(company: Any) -> None:
    tenant, admin, employee = company
    response = _client(admin).post(
        "/alpha/policies/",
        {"title": "Code of conduct", "document": SimpleUploadedFile("coc.md", MARKDOWN)},
    )
    assert response.status_code == 302
    client = _client(employee)
    gated = client.get("/alpha/my-shifts/")
    assert gated.status_code == 302
    assert gated["Location"] == "/alpha/policies/accept/?next=%2Falpha%2Fmy-shifts%2F"
    page = client.get(gated["Location"]).content.decode()
    assert "Be kind. Be on time." in page and hashlib.sha256(MARKDOWN).hexdigest() in page
    with tenant_context(tenant):
        version = PolicyVersion.objects.get()
    refused = client.post("/alpha/policies/accept/", {"version": str(version.pk)})
    assert refused.status_code == 400  # the box was not ticked
    accepted = client.post(
        "/alpha/policies/accept/?next=/alpha/my-shifts/",
        {"version": str(version.pk), "agree": "on"},
        REMOTE_ADDR="203.0.113.7",
    )
    assert accepted["Location"] == "/alpha/my-shifts/"
    assert client.get("/alpha/my-shifts/").status_code == 200
    with tenant_context(tenant):
        acceptance = PolicyAcceptance.objects.get()
        assert (acceptance.membership_id, acceptance.sha256) == (employee.pk, version.sha256)
        assert acceptance.ip_address == "203.0.113.7"
        assert AuditEntry.objects.filter(event="policy.accepted").count() == 1
    # Version 2: the gate again, for the new version only.
    _client(admin).post(
        f"/alpha/policies/{version.policy_id}/",
        {"document": SimpleUploadedFile("coc.pdf", PDF), "summary": "Now a PDF"},
    )
    assert client.get("/alpha/my-shifts/").status_code == 302
    page = client.get("/alpha/policies/accept/").content.decode()
    assert "Open the PDF document" in page and "Now a PDF" in page


def test_a_version_published_while_reading_must_be_read_too(company: Any) -> None:
    tenant, admin, employee = company
    first = policies.policy_publish(
        tenant=tenant, actor=admin, policy=None, title="Privacy", file_name="p.md", content=MARKDOWN
    )
    policies.policy_publish(
        tenant=tenant,
        actor=admin,
        policy=None,
        title="Conduct",
        file_name="c.md",
        content=MARKDOWN + b"!",
    )
    with pytest.raises(ValidationError, match="new version was published"):
        policies.policies_accept(
            tenant=tenant, membership=employee, version_ids={first.pk}, ip_address=None
        )
    with tenant_context(tenant):
        assert not PolicyAcceptance.objects.exists()


def test_the_report_and_reminders_name_those_who_have_not_accepted(
    company: Any, mailoutbox: Any
) -> None:
    tenant, admin, _employee = company
    version = policies.policy_publish(
        tenant=tenant, actor=admin, policy=None, title="Privacy", file_name="p.md", content=MARKDOWN
    )
    policies.policies_accept(
        tenant=tenant, membership=admin, version_ids={version.pk}, ip_address=None
    )
    client = _client(admin)
    page = client.get(f"/alpha/policies/{version.policy_id}/").content.decode()
    assert "1 person has not accepted yet" in page and "Sam Taylor" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/alpha/policies/{version.policy_id}/", {"action": "remind"})
    assert [m.to for m in mailoutbox] == [["sam@alpha.test"]]
    assert "/alpha/policies/accept/" in mailoutbox[0].body


def test_members_can_read_documents_and_others_cannot_manage_policies(company: Any) -> None:
    tenant, admin, employee = company
    version = policies.policy_publish(
        tenant=tenant, actor=admin, policy=None, title="Privacy", file_name="p.pdf", content=PDF
    )
    document = _client(employee).get(f"/alpha/policies/versions/{version.pk}/document/")
    assert document["Content-Type"] == "application/pdf" and document.content == PDF
    policies.policies_accept(
        tenant=tenant, membership=employee, version_ids={version.pk}, ip_address=None
    )
    assert _client(employee).get("/alpha/policies/").status_code == 403


def test_the_gate_shows_a_markdown_policy_formatted_and_any_html_in_it_as_text(
    company: Any,
) -> None:
    tenant, admin, employee = company
    hostile = (
        b"# Conduct\n\nBe **kind**.\n\n- on time\n- in uniform\n\n"
        b"<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        b"[a trap](javascript:alert(1)) and [the handbook](https://example.test/handbook)\n"
    )
    version = policies.policy_publish(
        tenant=tenant, actor=admin, policy=None, title="Conduct", file_name="c.md", content=hostile
    )
    page = _client(employee).get("/alpha/policies/accept/").content.decode()
    document = page[
        page.index('class="document prose"') : page.index(
            "</div>", page.index('class="document prose"')
        )
    ]
    assert "<h3>Conduct</h3>" in document  # under the page's h1 and the policy's h2
    assert "<strong>kind</strong>" in document and document.count("<li>") == 2
    assert "<script" not in document and "<img" not in document
    assert "&lt;script&gt;" in document  # shown as text, never run
    assert "javascript:" not in document.replace("[a trap](javascript:", "")
    assert '<a href="https://example.test/handbook" rel="noopener noreferrer nofollow">' in document
    start = page.index('<details class="details help">')
    details = page[start : page.index("</details>", start)]
    assert version.sha256 in details  # the fingerprint is there for whoever wants it, folded


def test_rendering_markdown_keeps_only_the_allowed_tags() -> None:
    from gdpr.documents import render_markdown

    html = render_markdown("###### Deep\n\n> quote\n\n| a |\n|---|\n| <b>1</b> |\n")
    assert "<h6>Deep</h6>" in html and "<blockquote>" in html and "<table>" in html
    assert "<b>" not in html and "&lt;b&gt;1&lt;/b&gt;" in html
