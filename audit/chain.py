"""The hash chain: what each entry's hash covers, and how a tenant's chain is verified.

Each entry's hash covers its canonical content and the previous entry's hash. People are named
only by pseudonymous ids (user and membership UUIDs) in the hashed content; personal values that
an erasure may have to remove (names, email, IP address, user agent, the changed values) are
covered by `changes_digest` instead, so redacting them never breaks the chain: a redacted entry
is marked, and its digest is then no longer checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol


class ChainedEntry(Protocol):
    id: Any
    tenant_id: Any
    sequence: int
    timestamp: datetime
    event: str
    action: int
    actor_id: Any
    membership_id: Any
    target_type: str
    object_pk: str
    changes: Any
    object_repr: str
    additional_data: Any
    actor_email: str | None
    remote_addr: str | None
    user_agent: str
    cid: str | None
    changes_digest: str
    prev_hash: str
    entry_hash: str
    redacted_at: datetime | None


def canonical(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def _timestamp(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _uuid(value: Any) -> str | None:
    return None if value is None else str(value)


def changes_digest(entry: ChainedEntry) -> str:
    personal = {
        "changes": entry.changes,
        "object_repr": entry.object_repr,
        "data": entry.additional_data,
        "actor_email": entry.actor_email,
        "remote_addr": entry.remote_addr,
        "user_agent": entry.user_agent,
        "request_id": entry.cid,
    }
    return hashlib.sha256(canonical(personal)).hexdigest()


def entry_hash(entry: ChainedEntry) -> str:
    content = {
        "id": _uuid(entry.id),
        "tenant": _uuid(entry.tenant_id),
        "sequence": entry.sequence,
        "timestamp": _timestamp(entry.timestamp),
        "event": entry.event,
        "action": entry.action,
        "actor": _uuid(entry.actor_id),
        "membership": _uuid(entry.membership_id),
        "target_type": entry.target_type,
        "target_id": entry.object_pk,
        "changes_digest": entry.changes_digest,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical(content)).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    entry_id: str
    reason: str

    def __str__(self) -> str:
        return f"entry {self.sequence} ({self.entry_id}): {self.reason}"


@dataclass(frozen=True)
class Verification:
    checked: int
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify(
    entries: Iterable[ChainedEntry],
    *,
    start_hash: str = "",
    start_sequence: int = 1,
    authenticate: Callable[[ChainedEntry], str | None] | None = None,
) -> Verification:
    """Walk `entries` in sequence order; name the first one whose link or content is wrong.

    `start_hash` and `start_sequence` describe where the chain begins: the first entry, or the
    first one kept after a retention purge (whose checkpoint entry records the cut).
    `authenticate` checks an entry's keyed code (audit.signing): None, or why it fails."""
    expected_prev = start_hash
    expected_sequence = start_sequence
    checked = 0
    for entry in entries:
        checked += 1

        def broken(
            reason: str, entry: ChainedEntry = entry, checked: int = checked
        ) -> Verification:
            return Verification(checked, ChainBreak(entry.sequence, str(entry.id), reason))

        if entry.sequence != expected_sequence:
            return broken(f"expected sequence {expected_sequence}: an entry is missing")
        if entry.prev_hash != expected_prev:
            return broken("its previous-entry hash does not match the entry before it")
        if entry.redacted_at is None and changes_digest(entry) != entry.changes_digest:
            return broken("its details were changed after it was written")
        if entry_hash(entry) != entry.entry_hash:
            return broken("its content does not match its hash")
        if authenticate is not None and (problem := authenticate(entry)) is not None:
            return broken(problem)
        expected_prev = entry.entry_hash
        expected_sequence += 1
    return Verification(checked, None)
