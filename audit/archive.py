"""Shipping audit entries to the archive: S3 with Object Lock (compliance mode), or a local folder
for the demo. Each batch is a gzipped JSON Lines object and a manifest; entries count as shipped
only when a batch is confirmed against its SHA-256, so a failure ships nothing and a rerun ships
nothing twice."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from audit.exports import COLUMNS, _json
from audit.models import ArchiveBatch, AuditEntry
from tenancy.context import tenant_context
from tenancy.models import Tenant

logger = logging.getLogger("parim.audit.archive")


class ArchiveError(RuntimeError):
    """The archive did not take or confirm an upload; the batch stays pending and is retried."""


class ArchiveStore(Protocol):
    def put(self, key: str, body: bytes, sha256: str, retain_until: dt.datetime) -> None: ...

    def confirm(self, key: str, sha256: str, size: int) -> bool: ...


class LocalStore:
    """The demo's archive: files under AUDIT_ARCHIVE_DIR (no Object Lock)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, key: str, body: bytes, sha256: str, retain_until: dt.datetime) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)

    def confirm(self, key: str, sha256: str, size: int) -> bool:
        path = self.root / key
        return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256


class S3Store:
    """An S3 bucket created with Object Lock; every object is written in compliance mode, with
    its SHA-256 sent for S3 to check on arrival."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(self, key: str, body: bytes, sha256: str, retain_until: dt.datetime) -> None:
        import botocore.exceptions

        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(sha256),
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=retain_until,
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise ArchiveError(f"upload of {key} failed: {exc}") from exc

    def confirm(self, key: str, sha256: str, size: int) -> bool:
        import botocore.exceptions

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise ArchiveError(f"confirmation of {key} failed: {exc}") from exc
        return bool(head.get("ChecksumSHA256") == _b64(sha256) and head["ContentLength"] == size)


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def s3_client() -> Any:
    import boto3

    return boto3.client(
        "s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, region_name=settings.AWS_REGION
    )


def default_store() -> ArchiveStore:
    if settings.AUDIT_ARCHIVE_BUCKET:
        return S3Store(s3_client(), settings.AUDIT_ARCHIVE_BUCKET)
    return LocalStore(Path(settings.AUDIT_ARCHIVE_DIR))


def _batch_body(entries: list[dict[str, Any]]) -> bytes:
    lines = "".join(
        json.dumps({c: _json(e[c]) for c in ["id", *COLUMNS]}, ensure_ascii=False) + "\n"
        for e in entries
    )
    # mtime=0: the same entries always make the same bytes, so a retry has the same checksum.
    return gzip.compress(lines.encode(), mtime=0)


def archive_tenant(tenant: Tenant, store: ArchiveStore | None = None) -> ArchiveBatch | None:
    """Ship the tenant's next batch of unshipped entries, or retry its pending batch. Returns the
    confirmed batch, or None when there is nothing to ship. Raises ArchiveError on failure."""
    store = store or default_store()
    with _one_archiver(tenant):
        return _archive_next(tenant, store)


@contextmanager
def _one_archiver(tenant: Tenant) -> Iterator[None]:
    """One shipping run per tenant at a time (beat and retries may overlap): a session-level
    advisory lock, held across the upload; another run waits for it."""
    if connection.vendor != "postgresql":
        yield
        return
    key = ["parim-archive:" + str(tenant.pk)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtextextended(%s, 11))", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 11))", key)


def _archive_next(tenant: Tenant, store: ArchiveStore) -> ArchiveBatch | None:
    with tenant_context(tenant):
        batch = _next_batch(tenant)
        if batch is None:
            return None
        entries = list(
            AuditEntry.objects.filter(
                tenant=tenant, sequence__gte=batch.first_sequence, sequence__lte=batch.last_sequence
            )
            .order_by("sequence")
            .values("id", *COLUMNS)
        )
    body = _batch_body(entries)
    sha256 = hashlib.sha256(body).hexdigest()
    manifest = {
        "tenant": str(tenant.pk),
        "first_sequence": batch.first_sequence,
        "last_sequence": batch.last_sequence,
        "count": len(entries),
        "sha256": sha256,
        "chain_head": batch.chain_head,
        "object": batch.object_key,
    }
    manifest_body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    retain_until = timezone.now() + dt.timedelta(days=settings.AUDIT_ARCHIVE_RETENTION_DAYS)
    try:
        store.put(batch.object_key, body, sha256, retain_until)
        manifest_key = batch.object_key.replace(".jsonl.gz", ".manifest.json")
        store.put(manifest_key, manifest_body, hashlib.sha256(manifest_body).hexdigest(),
                  retain_until)  # fmt: skip
        if not store.confirm(batch.object_key, sha256, len(body)):
            raise ArchiveError(f"{batch.object_key}: the stored object does not match its SHA-256")
    except ArchiveError as exc:
        _note_failure(tenant, batch, str(exc))
        raise
    with tenant_context(tenant):
        ArchiveBatch.objects.filter(pk=batch.pk).update(
            status=ArchiveBatch.Status.CONFIRMED, sha256=sha256, confirmed_at=timezone.now(),
            attempts=models.F("attempts") + 1, last_error="",
        )  # fmt: skip
        batch.refresh_from_db()
    logger.info("audit batch shipped", extra={"tenant_id": str(tenant.pk),
                "first": batch.first_sequence, "last": batch.last_sequence})  # fmt: skip
    return batch


def _next_batch(tenant: Tenant) -> ArchiveBatch | None:
    """The pending batch to retry, or a new one for the entries after the last confirmed."""
    with transaction.atomic():
        pending = (
            ArchiveBatch.objects.filter(tenant=tenant, status=ArchiveBatch.Status.PENDING)
            .order_by("first_sequence")
            .first()
        )
        if pending is not None:
            return pending
        shipped = (
            ArchiveBatch.objects.filter(tenant=tenant).aggregate(models.Max("last_sequence"))[
                "last_sequence__max"
            ]
            or 0
        )
        window = list(
            AuditEntry.objects.filter(tenant=tenant, sequence__gt=shipped)
            .order_by("sequence")
            .values_list("sequence", "entry_hash")[: settings.AUDIT_ARCHIVE_BATCH_SIZE]
        )
        if not window:
            return None
        first, last = window[0][0], window[-1][0]
        key = f"tenants/{tenant.pk}/audit/{first:012d}-{last:012d}.jsonl.gz"
        return ArchiveBatch.objects.create(
            tenant=tenant, first_sequence=first, last_sequence=last, count=len(window),
            object_key=key, sha256="", chain_head=window[-1][1],
        )  # fmt: skip


def _note_failure(tenant: Tenant, batch: ArchiveBatch, error: str) -> None:
    with tenant_context(tenant):
        ArchiveBatch.objects.filter(pk=batch.pk).update(
            attempts=models.F("attempts") + 1, last_error=error[:2000]
        )
    logger.warning("audit batch not shipped", extra={"tenant_id": str(tenant.pk),
                   "first": batch.first_sequence})  # fmt: skip


def lifecycle_rules(*, glacier_after_days: int, expire_after_days: int) -> dict[str, Any]:
    return {
        "Rules": [
            {
                "ID": "audit-archive-to-glacier",
                "Status": "Enabled",
                "Filter": {"Prefix": "tenants/"},
                "Transitions": [{"Days": glacier_after_days, "StorageClass": "GLACIER"}],
                "Expiration": {"Days": expire_after_days},
                "NoncurrentVersionExpiration": {"NoncurrentDays": expire_after_days},
            }
        ]
    }
