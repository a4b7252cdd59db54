"""Named permission flags that roles are made of, and the built-in roles of every tenant."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Permission(models.TextChoices):
    MANAGE_SETTINGS = "manage_settings", _("Manage settings")
    MANAGE_BILLING = "manage_billing", _("Manage billing")
    VIEW_PERSONAL_DATA = "view_personal_data", _("View people's personal data")
    MANAGE_PEOPLE = "manage_people", _("Manage people and roles")
    SEND_MESSAGES = "send_messages", _("Send messages")
    BUILD_ROTA = "build_rota", _("Build rota")
    PUBLISH_ROTA = "publish_rota", _("Publish rota")
    OVERRIDE_RULES = "override_rules", _("Override working-time rules (with a reason)")
    EXPORT_PAYROLL = "export_payroll", _("Export payroll")
    APPROVE_LEAVE = "approve_leave", _("Approve leave")
    VIEW_AUDIT_LOG = "view_audit_log", _("View audit log")
    EXPORT_AUDIT_LOG = "export_audit_log", _("Export audit log")
    MANAGE_PRIVACY = "manage_privacy", _("Manage policies and privacy")
    CLOCK_OTHERS = "clock_others", _("Clock others in and out (with a reason)")
    APPROVE_TIMESHEETS = "approve_timesheets", _("Edit and approve timesheets")
    UNLOCK_TIMESHEETS = "unlock_timesheets", _("Unlock approved timesheets")


class RoleKind(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    MANAGER = "manager", _("Manager")
    EMPLOYEE = "employee", _("Employee")
    AUDITOR = "auditor", _("Auditor")
    CUSTOM = "custom", _("Custom")


ALL_PERMISSIONS: frozenset[str] = frozenset(Permission.values)

BUILTIN_ROLES: dict[RoleKind, frozenset[str]] = {
    RoleKind.OWNER: ALL_PERMISSIONS,
    RoleKind.ADMIN: ALL_PERMISSIONS - {Permission.MANAGE_BILLING},
    RoleKind.MANAGER: frozenset(
        {
            Permission.BUILD_ROTA,
            Permission.PUBLISH_ROTA,
            Permission.OVERRIDE_RULES,
            Permission.APPROVE_LEAVE,
            Permission.SEND_MESSAGES,
            Permission.CLOCK_OTHERS,
            Permission.APPROVE_TIMESHEETS,
        }
    ),
    RoleKind.EMPLOYEE: frozenset(),
    RoleKind.AUDITOR: frozenset({Permission.VIEW_AUDIT_LOG, Permission.EXPORT_AUDIT_LOG}),
}
