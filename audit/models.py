"""AuditEntry (django-auditlog's swapped LogEntry, with tenant and hash chain); archive batches."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import chain, signing
from audit.catalogue import model_change_code
from audit.context import client_ip, current_request, request_id, user_agent
from tenancy.context import TenantContextError, current_tenant
from tenancy.ids import uuid7
from tenancy.models import TenantManager, TenantModel

if TYPE_CHECKING:
    _EntryManagerBase = TenantManager
else:

    class _EntryManagerBase(TenantManager, LogEntryManager):
        pass


class AuditEntryManager(_EntryManagerBase["AuditEntry"]):
    """Fail-closed like every tenant manager, with django-auditlog's log_create."""


# SQLite (the demo) has no advisory locks; one process-wide lock keeps its chains in order.
_local_chain_lock = threading.Lock()


class AuditImmutableError(RuntimeError):
    """Audit entries are written once; see audit.services for the retention and erasure paths."""


class AuditEntry(AbstractLogEntry, TenantModel):  # type: ignore[misc]
    """One thing that happened in one tenant, in that tenant's hash chain."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    sequence = models.PositiveBigIntegerField(editable=False)
    event = models.CharField(_("event"), max_length=64)
    target_type = models.CharField(_("object type"), max_length=100)
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    changes_digest = models.CharField(max_length=64, editable=False)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, editable=False)
    # HMAC of entry_hash under a key the database never holds (audit.signing), and its id.
    key_id = models.CharField(max_length=32, editable=False, default="")
    mac = models.CharField(max_length=64, editable=False, default="")
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    # auditlog's single-column indexes are replaced by ones that lead with tenant_id.
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    object_pk = models.CharField(max_length=255)
    object_id = models.BigIntegerField(blank=True, null=True)
    action = models.PositiveSmallIntegerField(choices=AbstractLogEntry.Action.choices)
    cid = models.CharField(_("request id"), max_length=255, blank=True, null=True)  # noqa: DJ001
    timestamp = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, blank=True, null=True,
        related_name="+", db_index=False,
    )  # fmt: skip

    objects = AuditEntryManager()  # type: ignore[misc]

    class Meta:
        ordering = ["-sequence"]
        get_latest_by = "sequence"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sequence"], name="audit_entry_sequence"),
        ]
        indexes = [
            models.Index(fields=["tenant", "timestamp"], name="audit_entry_time"),
            models.Index(fields=["tenant", "actor", "sequence"], name="audit_entry_actor"),
            models.Index(fields=["tenant", "event", "sequence"], name="audit_entry_event"),
            models.Index(fields=["tenant", "target_type", "sequence"], name="audit_entry_type"),
            models.Index(fields=["tenant", "membership"], name="audit_entry_membership"),
            models.Index(fields=["tenant", "content_type", "object_pk"], name="audit_entry_obj"),
            models.Index(fields=["tenant", "object_pk"], name="audit_entry_object_pk"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} {self.event}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutableError("Audit entries cannot be changed.")
        tenant = current_tenant()
        if tenant is None:
            raise TenantContextError("Audit entries are written inside a tenant context.")
        self.tenant = tenant
        self._fill_from_request()
        if not self.event:  # written by django-auditlog: a change to a registered model
            self.event = model_change_code(self.content_type.model, self.action)
        if not self.target_type:
            self.target_type = f"{self.content_type.app_label}.{self.content_type.model}"
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _lock_chain(tenant.pk)
                self._link_and_save(*args, **kwargs)
            else:
                with _local_chain_lock:
                    self._link_and_save(*args, **kwargs)

    def _link_and_save(self, *args: Any, **kwargs: Any) -> None:
        last = (
            AuditEntry.objects.filter(tenant_id=self.tenant_id)
            .order_by("-sequence")
            .values_list("sequence", "entry_hash", "timestamp")
            .first()
        )
        self.sequence = last[0] + 1 if last else 1
        self.prev_hash = last[1] if last else ""
        # Time never runs backwards along a chain (a writer that took its time before the lock
        # is stamped with its predecessor's instant), so a date bound is a sequence bound.
        if last is not None and self.timestamp < last[2]:
            self.timestamp = last[2]
        self.changes_digest = chain.changes_digest(self)
        self.entry_hash = chain.entry_hash(self)
        self.key_id, self.mac = signing.sign("entry", entry_mac_message(self))
        super().save(*args, **kwargs)

    def _fill_from_request(self) -> None:
        request = current_request.get()
        if request is None:
            return
        user = getattr(request, "user", None)
        if self.actor_id is None and user is not None and user.is_authenticated:
            self.actor = user
        membership = getattr(request, "membership", None)
        tenant_id = getattr(current_tenant(), "pk", None)
        if (
            self.membership_id is None
            and membership is not None
            and (membership.tenant_id == tenant_id)
        ):
            self.membership = membership
        if self.actor_id is not None and not self.actor_email and self.actor is not None:
            self.actor_email: str | None = self.actor.email
        self.remote_addr: str | None = self.remote_addr or client_ip(request)
        self.user_agent = self.user_agent or user_agent(request)
        self.cid = self.cid or request_id(request) or None

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutableError("Audit entries are removed only by the retention purge.")


class SearchWord(models.Model):
    """One word of an audit entry's searchable text (its object's name, the actor's email, and
    its event code whole), for the log's text search (audit.search). Kept by statement triggers
    on the entry table (migration 0003) on PostgreSQL, where row-level security lets only
    leakproof operators (`=`, `<`, `>=` on text) use an index: a word prefix is a B-tree range."""

    pk = models.CompositePrimaryKey("tenant", "word", "sequence")
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.DO_NOTHING, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    word = models.CharField(max_length=64)
    sequence = models.PositiveBigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "sequence", "word"], name="audit_word_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence} {self.word}"


def entry_mac_message(entry: chain.ChainedEntry) -> bytes:
    """What an entry's keyed code covers: its tenant, sequence and hash (which covers its
    content and, through prev_hash, every entry before it)."""
    return f"{entry.tenant_id}\n{entry.sequence}\n{entry.entry_hash}".encode()


def authenticate_entry(entry: Any) -> str | None:
    """None when the entry's code is right, or why not (for chain.verify)."""
    return signing.check("entry", entry_mac_message(entry), entry.key_id, entry.mac)


def _lock_chain(tenant_id: Any) -> None:
    # Held to the end of the transaction: one writer at a time per tenant's chain.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 7))", [str(tenant_id)])


class ArchiveBatch(TenantModel):
    """One upload of a tenant's audit entries to the archive (S3 or a local folder). Entries
    count as shipped once a batch holding them is confirmed against its checksum."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFIRMED = "confirmed", _("Confirmed")

    first_sequence = models.PositiveBigIntegerField()
    last_sequence = models.PositiveBigIntegerField()
    count = models.PositiveIntegerField()
    object_key = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    chain_head = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "first_sequence"], name="audit_archive_batch_start"
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "last_sequence"],
                                name="audit_archive_status")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.object_key} ({self.status})"
