"""Writes and audited reads of the GDPR tooling: which sensitive data the company keeps (turning
a kind off erases the stored values), and each member's personal details."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from gdpr import crypto
from gdpr.models import PersonalDetails
from tenancy.context import tenant_context
from tenancy.models import (
    DETAIL_KINDS,
    ENCRYPTED_KINDS,
    Membership,
    PrivacySettings,
    SensitiveKind,
    Tenant,
)
from tenancy.permissions import Permission
from tenancy.personal_data import personal_data_hooks

# The value a kind has when nothing is stored.
EMPTY: dict[str, Any] = dict.fromkeys(DETAIL_KINDS, "") | {"date_of_birth": None}


class ConfirmationNeededError(ValidationError):
    """Turning kinds off would erase stored values: ask first, saying how many people."""

    def __init__(self, kinds: list[str], people: int) -> None:
        super().__init__(_("Confirm to erase the stored values."), code="confirm")
        self.kinds = kinds
        self.people = people


def kept_kinds(tenant: Tenant) -> list[str]:
    """The kinds of personal details the company keeps, in the order of SensitiveKind (the
    kinds other apps keep, such as location, are not personal details)."""
    with tenant_context(tenant):
        row = PrivacySettings.objects.filter(tenant=tenant).first()
    kept = set(row.kept_kinds) if row else set()
    return [kind for kind in DETAIL_KINDS if kind in kept]


def people_with_values(tenant: Tenant, kinds: list[str]) -> int:
    """How many people have a stored value of any of `kinds`: in their personal details, or
    kept by an app above gdpr (a punch's location, through its personal-data hook)."""
    if not kinds:
        return 0
    people: set[uuid.UUID] = set()
    with tenant_context(tenant):
        details = [kind for kind in kinds if kind in DETAIL_KINDS]
        if details:
            people |= {
                row.membership_id for row in PersonalDetails.objects.filter(tenant=tenant)
                if any(getattr(row, kind) not in ("", None) for kind in details)
            }  # fmt: skip
        for hook in personal_data_hooks():
            if hook.holders is not None:
                people |= hook.holders(tenant, kinds)
    return len(people)


def data_settings_save(
    *,
    tenant: Tenant,
    actor: Membership,
    kinds: list[str],
    former_employee_retention_days: int,
    audit_retention_days: int,
    confirmed: bool = False,
) -> int:
    """Save the kinds kept and the retention periods. A kind turned off has its stored values
    erased for everyone; unless `confirmed`, that raises ConfirmationNeededError (naming how
    many people would lose values) and changes nothing. Returns how many people's values were
    erased."""
    with tenant_context(tenant), transaction.atomic():
        row = PrivacySettings.objects.select_for_update().filter(tenant=tenant).first()
        if row is None:
            raise ValidationError(_("Name the Data Protection Officer first."))
        removed = [k for k in row.kept_kinds if k not in kinds]
        added = [k for k in kinds if k not in row.kept_kinds]
        affected = people_with_values(tenant, removed)
        if affected and not confirmed:
            raise ConfirmationNeededError(removed, affected)
        if removed:
            # Kinds kept by the apps above gdpr (location) are forgotten by those apps.
            for hook in personal_data_hooks():
                if hook.forget_kinds is not None:
                    hook.forget_kinds(tenant, removed)
            for details in PersonalDetails.objects.filter(tenant=tenant):
                changed = [
                    k
                    for k in removed
                    if k in DETAIL_KINDS and getattr(details, k) not in ("", None)
                ]
                for kind in changed:
                    setattr(details, kind, EMPTY[kind])
                if changed:
                    details.updated_at = timezone.now()
                    details.save()
        row.kept_kinds = [k for k in SensitiveKind.values if k in kinds]
        row.former_employee_retention_days = former_employee_retention_days
        row.audit_retention_days = audit_retention_days
        row.full_clean()
        row.save()
        if added or removed:
            emit(Event.PRIVACY_KINDS_CHANGED, tenant=tenant, user=actor.user, target=row,
                 data={"added": added, "removed": removed, "people_erased": affected})  # fmt: skip
    return affected


def _may_see(actor: Membership, membership: Membership) -> bool:
    return actor.pk == membership.pk or actor.has(Permission.VIEW_PERSONAL_DATA)


@dataclass(frozen=True)
class Details:
    kinds: list[str]
    values: dict[str, Any]
    updated_at: dt.datetime | None


def details_read(
    *, tenant: Tenant, actor: Membership, membership: Membership, request: HttpRequest | None
) -> Details:
    """The member's personal details of the kinds the company keeps, decrypted. Every read by
    someone else, or by the person, is an audit entry ("personal_data.viewed")."""
    if not _may_see(actor, membership):
        raise PermissionDenied
    kinds = kept_kinds(tenant)
    with tenant_context(tenant):
        row = PersonalDetails.objects.filter(tenant=tenant, membership=membership).first()
    values = {kind: read_value(row, kind) for kind in kinds}
    if kinds:
        emit(Event.PERSONAL_DATA_VIEWED, tenant=tenant, user=actor.user, request=request,
             target=membership, data={"fields": kinds})  # fmt: skip
    return Details(kinds=kinds, values=values, updated_at=row.updated_at if row else None)


def read_value(row: PersonalDetails | None, kind: str) -> Any:
    if row is None:
        return EMPTY[kind]
    value = getattr(row, kind)
    return crypto.decrypt(value) if kind in ENCRYPTED_KINDS else value


def details_save(
    *, tenant: Tenant, actor: Membership, membership: Membership, values: dict[str, Any]
) -> list[str]:
    """Save the kept kinds among `values` (others are ignored: never stored). The audit entry
    names the fields that changed, never their values. Returns the changed field names."""
    if not _may_see(actor, membership):
        raise PermissionDenied
    kinds = kept_kinds(tenant)
    with tenant_context(tenant), transaction.atomic():
        if membership.tenant_id != tenant.pk:
            raise ValidationError(_("Choose a member of this company."))
        row = (
            PersonalDetails.objects.select_for_update()
            .filter(tenant=tenant, membership=membership)
            .first()
        ) or PersonalDetails(membership=membership)
        changed = []
        for kind in kinds:
            new = values.get(kind, EMPTY[kind])
            new = new.strip() if isinstance(new, str) else new
            if read_value(row, kind) == new:
                continue
            setattr(row, kind, crypto.encrypt(new) if kind in ENCRYPTED_KINDS else new)
            changed.append(kind)
        if changed:
            row.updated_at = timezone.now()
            row.full_clean()
            row.save()
            emit(Event.PERSONAL_DATA_CHANGED, tenant=tenant, user=actor.user, target=membership,
                 data={"fields": changed})  # fmt: skip
    return changed
