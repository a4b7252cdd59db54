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

from audit import chain, signing
from audit.exports import COLUMNS, _json
from audit.models import ArchiveBatch, AuditEntry
from tenancy.context import tenant_context
from tenancy.models import Tenant

logger = logging.getLogger("parim.audit.archive")


class ArchiveError(RuntimeError):
    """The archive did not take or confirm an upload; the batch stays pending and is retried."""


class ArchiveStore(Protocol):
    def put(
        self, key: str, body: bytes, sha256: str, retain_until: dt.datetime, *, batch: bool = False
    ) -> None: ...

    def confirm(self, key: str, sha256: str, size: int) -> bool: ...

    def keys(self, prefix: str, *, limit: int | None = None) -> list[str]:
        """The keys under `prefix`, in ascending order (at most `limit`)."""
        ...

    def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        ...


class LocalStore:
    """The demo's archive: files under AUDIT_ARCHIVE_DIR (no Object Lock)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(
        self, key: str, body: bytes, sha256: str, retain_until: dt.datetime, *, batch: bool = False
    ) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.chmod(0o644)
        path.write_bytes(body)
        path.chmod(0o444)  # read-only: a reminder, not a lock (the demo has no Object Lock)

    def confirm(self, key: str, sha256: str, size: int) -> bool:
        path = self.root / key
        return path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == sha256

    def keys(self, prefix: str, *, limit: int | None = None) -> list[str]:
        folder, _, stem = prefix.rpartition("/")
        base = self.root / folder
        if not base.is_dir():
            return []
        found = sorted(
            str(path.relative_to(self.root).as_posix())
            for path in base.rglob("*")
            if path.is_file() and path.relative_to(base).as_posix().startswith(stem)
        )
        return found[:limit] if limit is not None else found

    def get(self, key: str) -> bytes | None:
        path = self.root / key
        return path.read_bytes() if path.is_file() else None


class S3Store:
    """An S3 bucket created with Object Lock; every object is written in compliance mode, with
    its SHA-256 sent for S3 to check on arrival."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def put(
        self, key: str, body: bytes, sha256: str, retain_until: dt.datetime, *, batch: bool = False
    ) -> None:
        import botocore.exceptions

        # Only batches carry the tag that the lifecycle rule moves to GLACIER: manifests and
        # checkpoints stay readable for `audit_verify`.
        extra = {"Tagging": f"{BATCH_TAG[0]}={BATCH_TAG[1]}"} if batch else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=_b64(sha256),
                ObjectLockMode="COMPLIANCE",
                ObjectLockRetainUntilDate=retain_until,
                **extra,
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

    def keys(self, prefix: str, *, limit: int | None = None) -> list[str]:
        import botocore.exceptions

        found: list[str] = []
        token: dict[str, str] = {}
        try:
            while True:
                page_size = min(1000, limit - len(found)) if limit is not None else 1000
                page = self.client.list_objects_v2(
                    Bucket=self.bucket, Prefix=prefix, MaxKeys=page_size, **token
                )
                found.extend(item["Key"] for item in page.get("Contents", []))
                if not page.get("IsTruncated") or (limit is not None and len(found) >= limit):
                    return found
                token = {"ContinuationToken": page["NextContinuationToken"]}
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise ArchiveError(f"listing {prefix} failed: {exc}") from exc

    def get(self, key: str) -> bytes | None:
        import botocore.exceptions

        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                return None
            raise ArchiveError(f"reading {key} failed: {exc}") from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise ArchiveError(f"reading {key} failed: {exc}") from exc
        return body


BATCH_TAG = ("parim-archive", "batch")


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


BATCH_COLUMNS = ["id", *COLUMNS, "key_id", "mac"]


def _batch_body(entries: list[dict[str, Any]]) -> bytes:
    lines = "".join(
        json.dumps({c: _json(e[c]) for c in BATCH_COLUMNS}, ensure_ascii=False) + "\n"
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
            .values(*BATCH_COLUMNS)
        )
    body = _batch_body(entries)
    sha256 = hashlib.sha256(body).hexdigest()
    manifest = signed_document(
        {
            "kind": "batch",
            "tenant": str(tenant.pk),
            "first_sequence": batch.first_sequence,
            "last_sequence": batch.last_sequence,
            "count": len(entries),
            "sha256": sha256,
            "chain_head": batch.chain_head,
            "object": batch.object_key,
        }
    )
    manifest_body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    retain_until = timezone.now() + dt.timedelta(days=settings.AUDIT_ARCHIVE_RETENTION_DAYS)
    try:
        store.put(batch.object_key, body, sha256, retain_until, batch=True)
        manifest_key = manifest_key_of(batch.object_key)
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
        key = f"{batch_prefix(tenant.pk)}{first:012d}-{last:012d}.jsonl.gz"
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
    """Batches (tagged) move to GLACIER; manifests and checkpoints, which are small and read by
    every `audit_verify`, stay where they can be read. Everything expires with the retention."""
    return {
        "Rules": [
            {
                "ID": "audit-archive-to-glacier",
                "Status": "Enabled",
                "Filter": {
                    "And": {
                        "Prefix": "tenants/",
                        "Tags": [{"Key": BATCH_TAG[0], "Value": BATCH_TAG[1]}],
                    }
                },
                "Transitions": [{"Days": glacier_after_days, "StorageClass": "GLACIER"}],
            },
            {
                "ID": "audit-archive-expiry",
                "Status": "Enabled",
                "Filter": {"Prefix": "tenants/"},
                "Expiration": {"Days": expire_after_days},
                "NoncurrentVersionExpiration": {"NoncurrentDays": expire_after_days},
            },
        ]
    }


# Keys, signed documents, and checkpoints ----------------------------------------------------


def batch_prefix(tenant_id: Any) -> str:
    return f"tenants/{tenant_id}/audit/"


def checkpoint_prefix(tenant_id: Any) -> str:
    return f"tenants/{tenant_id}/checkpoints/"


def manifest_key_of(object_key: str) -> str:
    return object_key.replace(".jsonl.gz", ".manifest.json")


# Checkpoint keys count down, so the newest (highest sequence) is the first one listed.
_CHECKPOINT_TOP = 10**12 - 1


def checkpoint_key(tenant_id: Any, sequence: int) -> str:
    return f"{checkpoint_prefix(tenant_id)}{_CHECKPOINT_TOP - sequence:012d}.json"


def signed_document(fields: dict[str, Any]) -> dict[str, Any]:
    key_id, mac = signing.sign(str(fields["kind"]), chain.canonical(fields))
    return {**fields, "key_id": key_id, "mac": mac}


def document_problem(document: dict[str, Any], kind: str) -> str | None:
    """None when `document` is a `kind` document signed with one of AUDIT_CHAIN_KEYS."""
    fields = {k: v for k, v in document.items() if k not in {"key_id", "mac"}}
    if fields.get("kind") != kind:
        return f"it is not a signed {kind} document"
    return signing.check(kind, chain.canonical(fields), str(document.get("key_id", "")),
                         str(document.get("mac", "")))  # fmt: skip


def read_document(store: ArchiveStore, key: str, kind: str) -> tuple[dict[str, Any] | None, str]:
    """(the document, "") or (None, why it cannot be trusted)."""
    body = store.get(key)
    if body is None:
        return None, "it is missing"
    try:
        document = json.loads(body)
    except ValueError:
        return None, "it is not JSON"
    if not isinstance(document, dict):
        return None, "it is not a JSON object"
    problem = document_problem(document, kind)
    return (None, problem) if problem else (document, "")


def newest_checkpoint(
    tenant_id: Any, store: ArchiveStore
) -> tuple[dict[str, Any] | None, list[str]]:
    """The newest checkpoint of the tenant whose signature holds, and the keys of any newer
    ones that do not (each a finding)."""
    bad: list[str] = []
    for key in store.keys(checkpoint_prefix(tenant_id), limit=20):
        document, _problem = read_document(store, key, "checkpoint")
        if document is not None and document.get("tenant") == str(tenant_id):
            return document, bad
        bad.append(key)
    return None, bad


class AnchorRefusedError(RuntimeError):
    """The chain's head no longer extends the last checkpoint: it was cut or rewritten."""


def anchor_tenant(tenant: Tenant, store: ArchiveStore | None = None) -> dict[str, Any] | None:
    """Write a signed checkpoint of the tenant's chain head to the archive (Object Lock), unless
    the newest checkpoint there already names it. Returns the checkpoint written, or None.

    The previous checkpoint is read from the archive, not the database; a head that does not
    extend it (a cut tail, a rewritten entry) is never anchored: AnchorRefusedError is raised
    and the old checkpoint stays the evidence."""
    from audit.models import authenticate_entry
    from audit.services import chain_start

    store = store or default_store()
    with tenant_context(tenant):
        head = AuditEntry.objects.filter(tenant=tenant).order_by("-sequence").first()
        if head is None:
            return None
        last, _bad = newest_checkpoint(tenant.pk, store)
        if last is not None and (last["sequence"], last["head_hash"]) == (
            head.sequence,
            head.entry_hash,
        ):
            return None
        problem = authenticate_entry(head)
        if problem is not None:
            raise AnchorRefusedError(
                f"the newest entry ({head.sequence}) is not authentic: {problem}"
            )
        if last is not None:
            then = int(last["sequence"])
            _, kept_from = chain_start(tenant)
            was = (
                AuditEntry.objects.filter(tenant=tenant, sequence=then)
                .values_list("entry_hash", flat=True)
                .first()
            )
            if head.sequence < then or (then >= kept_from and was != last["head_hash"]):
                raise AnchorRefusedError(
                    f"the chain no longer extends the checkpoint of {last['time']} "
                    f"(entry {then}); run audit_verify"
                )
    checkpoint = signed_document(
        {
            "kind": "checkpoint",
            "tenant": str(tenant.pk),
            "sequence": head.sequence,
            "head_hash": head.entry_hash,
            "time": timezone.now().isoformat(),
        }
    )
    body = json.dumps(checkpoint, indent=2, sort_keys=True).encode()
    retain_until = timezone.now() + dt.timedelta(days=settings.AUDIT_ARCHIVE_RETENTION_DAYS)
    store.put(checkpoint_key(tenant.pk, head.sequence), body, hashlib.sha256(body).hexdigest(),
              retain_until)  # fmt: skip
    return checkpoint
