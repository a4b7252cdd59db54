"""Registering tenant models with django-auditlog, so every change to them is an audit entry,
and each registered model's category in the event catalogue."""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django.db import models

from accounts.catalogue import Category

# Tenant models that are not registered, and why (test_audit_registry checks the list).
NOT_REGISTERED: dict[str, str] = {
    "audit.AuditEntry": "the audit trail itself",
    "audit.ArchiveBatch": "bookkeeping of the archive; each run is logged, and auditing it would "
    "add an entry to ship on every run",
    "scheduling.Notification": "one reader's copy of an event that is itself audited (a message "
    "sent, a request, a decision, a reminder); reading it changes only read_at",
    "scheduling.RotaChange": "written by database triggers alongside a change that is itself "
    "audited; it holds only a transaction id and the days and membership ids it touched, to "
    "tell the rota's cache which weeks are stale",
    "scheduling.RuleBreak": "derived data: the rule breaks the engine finds in shifts, time off, "
    "profiles and rules, each of which is audited as it changes; rewritten with every such change",
    "planning.BuildRun": "an auto-build's start, cancellation and acceptance are audited as events "
    "(autobuild.started with its settings, autobuild.cancelled, autobuild.accepted with what was "
    "accepted); the rest of its changes are the worker's progress, which nobody made",
    "planning.BuildRunWeek": "the weeks a run holds while it runs, taken and freed with the run "
    "(whose events are audited)",
}

# A registered model's changes are in its app's category unless it is registered with another.
APP_CATEGORIES: dict[str, Category] = {
    "accounts": Category.SECURITY,
    "tenancy": Category.PEOPLE,
    "audit": Category.AUDIT,
    "scheduling": Category.SCHEDULE,
    "gdpr": Category.PRIVACY,
    "billing": Category.BILLING,
}
_categories: dict[str, Category] = {}


def register(
    model: type[models.Model], *, category: Category | None = None, **options: Any
) -> None:
    auditlog.register(model, serialize_data=False, **options)
    _categories[model._meta.label_lower] = category or APP_CATEGORIES[model._meta.app_label]


def registered_models() -> list[type[models.Model]]:
    return list(auditlog.get_models())


def category_of(model: type[models.Model]) -> Category:
    return _categories.get(model._meta.label_lower) or APP_CATEGORIES[model._meta.app_label]
