"""Verifying a company's audit log against what the database cannot change: the keyed codes of
its entries (audit.signing) and the archive itself (signed manifests, batches and checkpoints,
read from the bucket or folder, never from the database's record of what was shipped).

What each finding means, and what cannot be found, is in docs/operations/audit-archive.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit import chain
from audit.archive import (
    ArchiveError,
    ArchiveStore,
    batch_prefix,
    default_store,
    manifest_key_of,
    newest_checkpoint,
    read_document,
)
from audit.models import AuditEntry, authenticate_entry
from tenancy.context import tenant_context
from tenancy.models import Tenant


@dataclass(frozen=True)
class Finding:
    kind: str  # REWRITTEN, ALTERED, DELETED, TRUNCATED, EMPTIED, MISSING BATCH, FORGED, ARCHIVE
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass
class TenantVerification:
    checked: int = 0
    head: int = 0  # the newest entry in the database
    anchored: int | None = None  # the newest entry a checkpoint in the archive vouches for
    anchored_at: str = ""
    archived: int = 0  # the last entry in an archived batch
    broken: chain.ChainBreak | None = None  # the first break inside the database's chain
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, kind: str, detail: str) -> None:
        self.findings.append(Finding(kind, detail))


def _kind_of_break(reason: str) -> str:
    if "authentication code" in reason or "AUDIT_CHAIN_KEYS" in reason:
        return "REWRITTEN"
    if "missing" in reason:
        return "DELETED"
    return "ALTERED"


def verify_tenant(tenant: Tenant, store: ArchiveStore | None = None) -> TenantVerification:
    """Walk the tenant's chain (links, hashes and keyed codes), then hold it against the archive:
    every signed manifest and the newest signed checkpoint must still be matched by the entries
    in the database."""
    from audit.services import chain_start

    result = TenantVerification()
    with tenant_context(tenant):
        start_hash, kept_from = chain_start(tenant)
        entries = AuditEntry.objects.filter(tenant=tenant).order_by("sequence").iterator(2000)
        walk = chain.verify(
            entries, start_hash=start_hash, start_sequence=kept_from,
            authenticate=authenticate_entry,
        )  # fmt: skip
        result.checked = walk.checked
        if walk.broken is not None:
            result.broken = walk.broken
            result.add(_kind_of_break(walk.broken.reason), str(walk.broken))
        head = AuditEntry.objects.filter(tenant=tenant).order_by("-sequence").first()
        result.head = head.sequence if head is not None else 0
        try:
            _hold_against_archive(tenant, store or default_store(), result, kept_from)
        except ArchiveError as exc:
            result.add("ARCHIVE", f"the archive could not be read: {exc}")
    return result


def _hashes_at(tenant: Tenant, sequences: set[int]) -> dict[int, str]:
    rows = AuditEntry.objects.filter(tenant=tenant, sequence__in=sorted(sequences))
    return dict(rows.values_list("sequence", "entry_hash"))


def _hold_against_archive(
    tenant: Tenant, store: ArchiveStore, result: TenantVerification, kept_from: int
) -> None:
    manifests = _manifests(tenant, store, result)
    checkpoint, forged = newest_checkpoint(tenant.pk, store)
    for key in forged:
        result.add("FORGED", f"checkpoint {key} is not signed with a known key")

    # What the archive says must exist: the head of each batch, and the checkpointed head.
    claims: dict[int, tuple[str, str]] = {}
    for manifest in manifests:
        claims[int(manifest["last_sequence"])] = (
            str(manifest["chain_head"]), f"archived batch {manifest['object']}"
        )  # fmt: skip
    if checkpoint is not None:
        result.anchored = int(checkpoint["sequence"])
        result.anchored_at = str(checkpoint["time"])
        claims[result.anchored] = (
            str(checkpoint["head_hash"]), f"the checkpoint of {checkpoint['time']}"
        )  # fmt: skip
    if not claims:
        return
    newest = max(claims)
    _, vouched_by = claims[newest]
    if result.head == 0:
        result.add("EMPTIED", f"the database holds none of this company's entries; the archive "
                   f"shows {newest} ({vouched_by})")  # fmt: skip
        return
    if result.head < newest:
        result.add("TRUNCATED", f"entries {result.head + 1} to {newest} are missing from the "
                   f"database ({vouched_by} records entry {newest})")  # fmt: skip
    present = _hashes_at(tenant, {s for s in claims if s >= kept_from})
    for sequence in sorted(claims):
        expected, source = claims[sequence]
        if sequence < kept_from or sequence not in present:
            continue  # purged by retention (covered below), or already reported as missing
        if present[sequence] != expected:
            result.add("REWRITTEN", f"entry {sequence} differs from {source} (the chain was "
                       "rewritten after it was archived)")  # fmt: skip
    if kept_from > 1 and result.archived < kept_from - 1:
        result.add("MISSING BATCH", f"entries {result.archived + 1} to {kept_from - 1} were "
                   "purged from the database but are in no archived batch")  # fmt: skip


def _manifests(
    tenant: Tenant, store: ArchiveStore, result: TenantVerification
) -> list[dict[str, Any]]:
    """The tenant's signed manifests in order; gaps, unsigned manifests and batch objects
    without their manifest (or manifests without their object) are findings."""
    keys = store.keys(batch_prefix(tenant.pk))
    objects = {key for key in keys if key.endswith(".jsonl.gz")}
    manifests: list[dict[str, Any]] = []
    for key in keys:
        if not key.endswith(".manifest.json"):
            continue
        document, problem = read_document(store, key, "batch")
        if document is None or document.get("tenant") != str(tenant.pk):
            result.add("FORGED", f"manifest {key}: {problem or 'it names another company'}")
            continue
        manifests.append(document)
        if document["object"] not in objects:
            result.add("MISSING BATCH", f"{document['object']} (entries "
                       f"{document['first_sequence']} to {document['last_sequence']}) is named "
                       "by its manifest but is not in the archive")  # fmt: skip
    named = {manifest_key_of(str(m["object"])) for m in manifests}
    for key in sorted(objects):
        if manifest_key_of(key) not in named and manifest_key_of(key) not in keys:
            result.add("MISSING BATCH", f"{key} has no manifest")
    manifests.sort(key=lambda m: int(m["first_sequence"]))
    expected = 1
    for manifest in manifests:
        first, last = int(manifest["first_sequence"]), int(manifest["last_sequence"])
        if first > expected:
            result.add("MISSING BATCH", f"entries {expected} to {first - 1} are in no archived "
                       "batch, though later ones are")  # fmt: skip
        expected = max(expected, last + 1)
    result.archived = expected - 1
    return manifests
