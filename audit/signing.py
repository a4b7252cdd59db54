"""The keys that authenticate the audit chain, kept outside the database (AUDIT_CHAIN_KEYS).

Every entry carries an HMAC-SHA256 of its hash under the current key, and so does every
archived manifest and checkpoint. Whoever controls the database can rewrite entries and
recompute every SHA-256 in the chain, but not these codes: that needs the key, which only the
application's processes hold. Each code names its key id, so keys rotate: the first key of
AUDIT_CHAIN_KEYS signs, every listed key verifies."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Key:
    id: str
    secret: bytes


def _parse(item: str) -> Key:
    if ":" in item:
        key_id, secret = item.split(":", 1)
    else:  # a bare secret (as a secrets manager generates it): its id is derived from it
        key_id, secret = "k" + hashlib.sha256(item.encode()).hexdigest()[:8], item
    return Key(key_id, secret.encode())


def keys() -> list[Key]:
    return [_parse(item) for item in settings.AUDIT_CHAIN_KEYS]


def current_key() -> Key:
    return keys()[0]


def key_by_id(key_id: str) -> Key | None:
    return next((key for key in keys() if key.id == key_id), None)


def _mac(key: Key, purpose: str, message: bytes) -> str:
    # The purpose keeps an entry's code from ever standing in for a checkpoint's, and so on.
    body = b"parim-audit/" + purpose.encode() + b"\n" + key.id.encode() + b"\n" + message
    return hmac.new(key.secret, body, hashlib.sha256).hexdigest()


def sign(purpose: str, message: bytes) -> tuple[str, str]:
    """(key id, code) of `message` under the current key."""
    key = current_key()
    return key.id, _mac(key, purpose, message)


def check(purpose: str, message: bytes, key_id: str, code: str) -> str | None:
    """None when `code` authenticates `message`, or why not."""
    key = key_by_id(key_id)
    if key is None:
        return f"signed with key {key_id or '(none)'!r}, which is not in AUDIT_CHAIN_KEYS"
    if not hmac.compare_digest(_mac(key, purpose, message), code or ""):
        return "its authentication code does not match (recomputed without the key?)"
    return None
