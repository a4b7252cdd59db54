"""Writing audit entries, and the two documented ways entries change: retention and erasure."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditlog.models import AbstractLogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.catalogue import Event
from audit.context import current_request
from audit.models import AuditEntry
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.selectors import memberships_of_user

if TYPE_CHECKING:
    from accounts.models import User
    from audit.archive import ArchiveStore
    from audit.integrity import TenantVerification

logger = logging.getLogger("parim.audit")

ACCESS = AbstractLogEntry.Action.ACCESS
UPDATE = AbstractLogEntry.Action.UPDATE


def record(
    event: Event | str,
    *,
    tenant: Tenant,
    target: models.Model,
    data: dict[str, Any] | None = None,
    actor: User | None = None,
    request: HttpRequest | None = None,
    action: int = ACCESS,
) -> AuditEntry:
    """Append one event to `tenant`'s chain. `event` is a catalogue member or its code (any
    other name raises UnknownEventError); `target` is what it concerns (a person, a role, the
    tenant itself); `data` holds details, never secrets."""
    code = Event.of(event).value
    token = current_request.set(request) if request is not None else None
    try:
        with tenant_context(tenant):
            entry = AuditEntry(
                event=code,
                action=action,
                content_type=ContentType.objects.get_for_model(target),
                object_pk=str(target.pk),
                object_repr=str(target)[:500],
                additional_data=data or None,
                actor=actor,
            )
            entry.save()
    finally:
        if token is not None:
            current_request.reset(token)
    return entry


def record_for_person(
    event: Event | str,
    *,
    user: User,
    data: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor: User | None = None,
) -> int:
    """An event before any tenant is chosen (sign-in, two-factor, password): recorded in every
    tenant the person belongs to. Returns how many entries were written."""
    event = Event.of(event)
    written = 0
    for membership in memberships_of_user(user):
        record(
            event, tenant=membership.tenant, target=user, data=data, actor=actor, request=request
        )
        written += 1
    if not written:
        logger.info("audit event for a person without companies", extra={"event": event})
    return written


# Retention ------------------------------------------------------------------------------------


def retention_purge(*, tenant: Tenant, before: datetime, actor: User | None = None) -> int:
    """THE retention path: delete the tenant's entries older than `before` that have been
    archived, after appending a checkpoint entry that records where the kept chain starts.
    The database trigger refuses every other DELETE. Returns how many entries were removed."""
    from audit.models import ArchiveBatch

    with tenant_context(tenant):
        shipped_through = (
            ArchiveBatch.objects.filter(
                tenant=tenant, status=ArchiveBatch.Status.CONFIRMED
            ).aggregate(models.Max("last_sequence"))["last_sequence__max"]
            or 0
        )
        cut = (
            AuditEntry.objects.filter(
                tenant=tenant, timestamp__lt=before, sequence__lte=shipped_through
            )
            .order_by("-sequence")
            .values_list("sequence", "entry_hash")
            .first()
        )
        if cut is None:
            return 0
        purged_through, boundary_hash = cut
        record(
            Event.AUDIT_RETENTION_PURGED,
            tenant=tenant,
            target=tenant,
            actor=actor,
            data={"purged_through": purged_through, "boundary_hash": boundary_hash,
                  "before": before.isoformat()},
        )  # fmt: skip
        with transaction.atomic(), _documented_path("retention"):
            # A queryset delete is one SQL DELETE here (no signals on AuditEntry); the trigger
            # admits it only on this path, and only for archived entries before the head.
            deleted, _ = AuditEntry.objects.filter(
                tenant=tenant, sequence__lte=purged_through
            ).delete()
    return deleted


def chain_start(tenant: Tenant) -> tuple[str, int]:
    """Where the tenant's kept chain begins: ("", 1), or after a retention purge the boundary
    recorded by the newest checkpoint entry."""
    checkpoint = (
        AuditEntry.objects.filter(tenant=tenant, event=Event.AUDIT_RETENTION_PURGED)
        .order_by("-sequence")
        .values_list("additional_data", flat=True)
        .first()
    )
    if not checkpoint:
        return "", 1
    return str(checkpoint["boundary_hash"]), int(checkpoint["purged_through"]) + 1


def verify_tenant(tenant: Tenant, store: ArchiveStore | None = None) -> TenantVerification:
    """Walk the tenant's chain and hold it against the archive: see audit.integrity."""
    from audit.integrity import verify_tenant as verify

    return verify(tenant, store)


# Erasure --------------------------------------------------------------------------------------

REDACTED = "(erased)"


def redact_person(*, tenant: Tenant, user: User, also: dict[str, list[str]] | None = None) -> int:
    """THE erasure path: remove a person's personal values from the tenant's entries (their email,
    IP address, user agent, the names and values recorded about them), keeping the pseudonymous
    ids and the chain. `also` names further entries about them by target type and ids (for
    example their object permissions, which apps above audit know). Returns how many entries
    were redacted."""
    with tenant_context(tenant):
        from tenancy.models import Invitation

        invitation_ids = [
            str(pk) for pk in Invitation.objects.filter(
                tenant=tenant, email__iexact=user.email).values_list("pk", flat=True)
        ]  # fmt: skip
        membership_ids = [
            str(pk) for pk in Membership.objects.filter(tenant=tenant, user=user).values_list(
                "pk", flat=True)
        ]  # fmt: skip
        about = AuditEntry.objects.filter(tenant=tenant).filter(
            models.Q(actor=user)
            | models.Q(target_type="accounts.user", object_pk=str(user.pk))
            | models.Q(target_type="tenancy.membership", object_pk__in=membership_ids)
            | models.Q(target_type="tenancy.invitation", object_pk__in=invitation_ids)
        )
        for target_type, ids in (also or {}).items():
            about = about | AuditEntry.objects.filter(
                tenant=tenant, target_type=target_type, object_pk__in=ids
            )
        about = about.filter(redacted_at__isnull=True)  # already without personal values
        with transaction.atomic(), _documented_path("erasure"):
            count = about.update(
                actor_email=None,
                remote_addr=None,
                user_agent="",
                object_repr=REDACTED,
                changes=None,
                changes_text="",
                additional_data=None,
                redacted_at=timezone.now(),
            )
    return int(count)


@contextmanager
def _documented_path(name: str) -> Iterator[None]:
    """Tell the audit table's trigger which documented path the next statement is on, and clear
    it at once, so no later statement of an outer transaction inherits the exemption."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.audit_path', %s, true)", [name])
    yield  # on an error the caller's atomic block rolls back, and the setting with it
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('app.audit_path', '', true)")
