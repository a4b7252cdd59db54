"""Company policies: publish versions (PDF or Markdown), the acceptance every member gives
before using the company again, the report of who has accepted, and reminders."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from gdpr.models import Policy, PolicyAcceptance, PolicyVersion
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

MAX_BYTES = 5 * 1024 * 1024
MARKDOWN_SUFFIXES = (".md", ".markdown")


def document_kind(file_name: str, content: bytes) -> str:
    """PolicyVersion.Kind of an upload, judged by its name AND its bytes; anything else is
    refused with a message. A PDF starts with %PDF-; Markdown is UTF-8 text."""
    name = file_name.lower()
    if not content:
        raise ValidationError(_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 5 MB."))
    if name.endswith(".pdf"):
        if not content.startswith(b"%PDF-"):
            raise ValidationError(_("That file is named .pdf but is not a PDF document."))
        return PolicyVersion.Kind.PDF
    if name.endswith(MARKDOWN_SUFFIXES):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("That Markdown file is not UTF-8 text.")) from None
        if "\x00" in text:
            raise ValidationError(_("That Markdown file is not text."))
        return PolicyVersion.Kind.MARKDOWN
    raise ValidationError(_("Upload a PDF (.pdf) or a Markdown (.md) file."))


def policy_publish(
    *,
    tenant: Tenant,
    actor: Membership,
    policy: Policy | None,
    title: str,
    file_name: str,
    content: bytes,
    summary: str = "",
) -> PolicyVersion:
    """Publish a new policy, or a new version of `policy`. From then on every member must
    accept it before using the company (Tenant.policy_serial moves on)."""
    kind = document_kind(file_name, content)
    with tenant_context(tenant), transaction.atomic():
        if policy is None:
            title = title.strip()
            if not title:
                raise ValidationError({"title": _("Give the policy a title.")})
            if Policy.objects.filter(title__iexact=title).exists():
                raise ValidationError({"title": _("A policy with that title exists: upload a "
                                                  "new version of it instead.")})  # fmt: skip
            policy = Policy.objects.create(title=title)
        else:
            policy = Policy.objects.select_for_update().get(pk=policy.pk)
        last = PolicyVersion.objects.filter(policy=policy).aggregate(n=Max("number"))["n"] or 0
        version = PolicyVersion.objects.create(
            policy=policy, number=last + 1, kind=kind, file_name=file_name[-200:],
            content=content, sha256=hashlib.sha256(content).hexdigest(),
            summary=summary.strip(), published_by=actor,
        )  # fmt: skip
        Tenant.objects.filter(pk=tenant.pk).update(policy_serial=F("policy_serial") + 1)
        emit(Event.POLICY_PUBLISHED, tenant=tenant, user=actor.user, target=version,
             data={"policy": policy.title, "version": version.number,
                   "sha256": version.sha256})  # fmt: skip
    return version


def latest_versions(tenant: Tenant) -> list[PolicyVersion]:
    """The newest version of each policy (two queries)."""
    with tenant_context(tenant):
        newest: dict[Any, PolicyVersion] = {}
        for version in (
            PolicyVersion.objects.filter(tenant=tenant)
            .select_related("policy")
            .defer("content")
            .order_by("policy_id", "-number")
        ):
            newest.setdefault(version.policy_id, version)
        return sorted(newest.values(), key=lambda v: v.policy.title.lower())


def pending_versions(tenant: Tenant, membership: Membership) -> list[PolicyVersion]:
    """The newest versions `membership` has not accepted yet."""
    latest = latest_versions(tenant)
    with tenant_context(tenant):
        accepted = set(
            PolicyAcceptance.objects.filter(
                tenant=tenant, membership=membership, version__in=[v.pk for v in latest]
            ).values_list("version_id", flat=True)
        )
    return [version for version in latest if version.pk not in accepted]


def policies_accept(
    *, tenant: Tenant, membership: Membership, version_ids: set[Any], ip_address: str | None
) -> int:
    """Record the member's acceptance of every pending version they were shown (`version_ids`).
    If a version was published after the page was shown, nothing is recorded and they are told
    to read it. Returns how many acceptances were recorded."""
    with tenant_context(tenant), transaction.atomic():
        serial = Tenant.objects.values_list("policy_serial", flat=True).get(pk=tenant.pk)
        pending = pending_versions(tenant, membership)
        if {v.pk for v in pending} - version_ids:
            raise ValidationError(_("A new version was published while you were reading. "
                                    "Please read it too, then accept."))  # fmt: skip
        for version in pending:
            PolicyAcceptance.objects.create(
                version=version, membership=membership, ip_address=ip_address,
                sha256=version.sha256,
            )  # fmt: skip
            # About the person (so that an erasure finds it), naming the version in the data.
            emit(Event.POLICY_ACCEPTED, tenant=tenant, user=membership.user, target=membership,
                 data={"policy": version.policy.title, "version": version.number,
                       "sha256": version.sha256, "ip": ip_address})  # fmt: skip
        Membership.objects.filter(pk=membership.pk).update(policies_accepted_serial=serial)
        membership.policies_accepted_serial = serial
    return len(pending)


@dataclass(frozen=True)
class Report:
    version: PolicyVersion | None
    accepted: list[tuple[Membership, PolicyAcceptance]]
    waiting: list[Membership]


def acceptance_report(tenant: Tenant, policy: Policy) -> Report:
    """Who among the active members has accepted the newest version, and who has not."""
    with tenant_context(tenant):
        version = (
            PolicyVersion.objects.filter(policy=policy).defer("content").order_by("-number").first()
        )
        members = list(
            Membership.objects.filter(status=Membership.Status.ACTIVE)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        given = {}
        if version is not None:
            given = {a.membership_id: a for a in PolicyAcceptance.objects.filter(version=version)}
    return Report(
        version=version,
        accepted=[(m, given[m.pk]) for m in members if m.pk in given],
        waiting=[m for m in members if m.pk not in given],
    )


def remind(*, tenant: Tenant, actor: Membership, policy: Policy, url: str) -> int:
    """Email everyone who has not accepted the newest version (after commit). Returns how
    many."""
    report = acceptance_report(tenant, policy)
    if report.version is None:
        return 0
    recipients = [m.user.email for m in report.waiting if m.user.is_active]
    body = render_to_string("emails/policy_reminder.txt",
                            {"tenant": tenant, "policy": policy, "url": url})  # fmt: skip
    subject = _("Please read and accept: %(policy)s (%(company)s)") % {
        "policy": policy.title, "company": tenant.name}  # fmt: skip
    with tenant_context(tenant):
        for email in recipients:
            # One email each (nobody sees the others' addresses), through the outbox.
            outbox.email(subject, body, [email], tenant=tenant)
        emit(Event.POLICY_REMINDED, tenant=tenant, user=actor.user, target=report.version,
             data={"people": len(recipients)})  # fmt: skip
    return len(recipients)
