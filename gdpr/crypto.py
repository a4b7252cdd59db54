"""Encryption at rest of the most sensitive personal values (National Insurance number, bank
details, health notes), with keys from the environment, never from the database.

Each secret in settings.PERSONAL_DATA_KEYS is turned into a Fernet key (AES-128-CBC with
HMAC-SHA256, authenticated) by SHA-256, so any long random secret from a secrets manager will do.
The first key encrypts; all of them decrypt, so a key is rotated by putting the new one first,
re-encrypting (`manage.py personal_data_reencrypt`), then dropping the old one."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

PREFIX = "enc1:"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())) for key in keys]
    )


def _current() -> MultiFernet:
    return _fernet(tuple(settings.PERSONAL_DATA_KEYS))


def encrypt(value: str) -> str:
    """The stored form of `value` ("" stays "": nothing to hide, and "not given" stays visible)."""
    if not value:
        return ""
    return PREFIX + _current().encrypt(value.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        raise ValueError("not an encrypted value")
    try:
        return _current().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise ValueError("encrypted with a key that is not in PERSONAL_DATA_KEYS") from error


def reencrypt(stored: str) -> str:
    """`stored` encrypted again with the first key (for key rotation)."""
    if not stored:
        return ""
    return PREFIX + _current().rotate(stored[len(PREFIX) :].encode()).decode()


def encrypt_bytes(value: bytes) -> bytes:
    """A file's stored form (data exports): Fernet over the bytes, with the current key."""
    return _current().encrypt(value)


def decrypt_bytes(stored: bytes) -> bytes:
    try:
        return _current().decrypt(stored)
    except InvalidToken as error:
        raise ValueError("encrypted with a key that is not in PERSONAL_DATA_KEYS") from error
