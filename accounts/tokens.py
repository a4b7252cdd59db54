"""One-time tokens sent in links (invitations, sign-up): made here, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored and looked up: the link cannot be rebuilt from the database."""
    return hashlib.sha256(token.encode()).hexdigest()
