"""Registering tenant models with django-auditlog, so every change to them is an audit entry."""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django.db import models

# Tenant models that are not registered, and why (test_audit_registry checks the list).
NOT_REGISTERED: dict[str, str] = {
    "audit.AuditEntry": "the audit trail itself",
    "audit.ArchiveBatch": "bookkeeping of the archive; each run is logged, and auditing it would "
    "add an entry to ship on every run",
    "scheduling.Notification": "one reader's copy of an event that is itself audited (a message "
    "sent, a request, a decision, a reminder); reading it changes only read_at",
    "scheduling.RotaChange": "written by database triggers alongside a change that is itself "
    "audited; it holds only a transaction id, to tell the rota's cache that its week is stale",
}


def register(model: type[models.Model], **options: Any) -> None:
    auditlog.register(model, serialize_data=False, **options)
