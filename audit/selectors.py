"""Reads for the auditor's pages and exports, with keyset pagination by sequence."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.db.models import Q, QuerySet

from audit.models import AuditEntry
from tenancy.models import Membership, Tenant

PAGE_SIZE = 50


# Events recorded explicitly (beyond the created/updated/deleted of every registered model).
NAMED_EVENTS = [
    "access.denied", "audit.exported", "audit.retention_purged", "auth.lockout", "auth.login",
    "auth.login_failed", "auth.logout", "email.changed", "invitation.accepted", "invitation.sent",
    "password.changed", "password.reset", "sessions.ended", "two_factor.backup_code_used",
    "two_factor.backup_codes_regenerated", "two_factor.disabled", "two_factor.enabled",
    "two_factor.failed", "tenant.signed_up", "billing.checkout_started", "billing.portal_opened",
    "billing.entitlement_changed", "calendar.renewed", "calendar.revoked", "payroll.exported",
    "personal_data.viewed", "personal_data.changed", "privacy.kinds_changed",
    "rota.drafts_cleared", "rota.published", "rota.rules_overridden",
    "rota.week_copied", "policy.published", "policy.accepted", "policy.reminded",
    "user.deactivated", "data_export.requested", "data_export.ready", "data_export.downloaded",
    "erasure.requested", "erasure.withdrawn", "erasure.declined", "erasure.approved",
    "person.anonymised", "leave.requested", "leave.approved", "leave.declined", "leave.cancelled",
    "availability.changed", "open_shift.claimed", "open_shift.claim_approved",
    "open_shift.claim_declined", "open_shift.claim_withdrawn", "swap.offered", "swap.accepted",
    "swap.refused", "swap.approved", "swap.declined", "swap.cancelled", "template.saved",
    "template.applied", "rotation.saved", "rotation.applied", "message.sent",
    "reminders.sent", "email_preferences.changed",
]  # fmt: skip


def filter_choices(tenant: Tenant) -> dict[str, Any]:
    """Choices for the filter: the tenant's people (one query), and the events and object types
    known from the code, so no scan of a large log is needed."""
    from auditlog.registry import auditlog

    people = [
        (str(m.user_id), f"{m.user.full_name or m.user.email}")
        for m in Membership.objects.filter(tenant=tenant).select_related("user")
        .order_by("user__full_name", "user__email")
    ]  # fmt: skip
    models = auditlog.get_models()
    events = sorted(
        NAMED_EVENTS
        + [
            f"{m._meta.model_name}.{verb}"
            for m in models
            for verb in ("created", "updated", "deleted")
        ]
    )
    types = sorted(
        {f"{m._meta.app_label}.{m._meta.model_name}" for m in models}
        | {"accounts.user", "tenancy.tenant"}
    )
    return {"people": people, "events": events, "target_types": types}


def audit_entries(tenant: Tenant, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    """The tenant's entries matching `filters`, newest first. Every filter narrows an index that
    leads with tenant_id; pages are cut by sequence (keyset), never by OFFSET."""
    entries = AuditEntry.objects.filter(tenant=tenant)
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    if filters.get("date_from"):
        start = dt.datetime.combine(filters["date_from"], dt.time.min, tzinfo=zone)
        entries = entries.filter(timestamp__gte=start)
    if filters.get("date_to"):
        end = dt.datetime.combine(
            filters["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone
        )
        entries = entries.filter(timestamp__lt=end)
    if filters.get("actor"):
        entries = entries.filter(actor_id=filters["actor"])
    if filters.get("event"):
        entries = entries.filter(event=filters["event"])
    if filters.get("target_type"):
        entries = entries.filter(target_type=filters["target_type"])
    if filters.get("q"):
        text = filters["q"]
        entries = entries.filter(
            Q(object_repr__icontains=text) | Q(event__icontains=text)
            | Q(actor_email__icontains=text) | Q(object_pk=text)
        )  # fmt: skip
    return entries.order_by("-sequence")


def audit_page(tenant: Tenant, filters: dict[str, Any]) -> tuple[list[AuditEntry], int | None]:
    """One page of entries and the sequence to continue before (None on the last page)."""
    entries = audit_entries(tenant, filters)
    if filters.get("before"):
        entries = entries.filter(sequence__lt=filters["before"])
    rows = list(entries[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].sequence if more and rows else None)
