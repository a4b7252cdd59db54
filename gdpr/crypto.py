"""Encryption at rest of the most sensitive personal values (National Insurance number, bank
details, health notes), with keys from the environment, never from the database.

The keys are settings.PERSONAL_DATA_KEYS; the mechanism (Fernet key rings, rotation) is
accounts.crypto's, shared with the two-factor secrets. The first key encrypts; all of them
decrypt, so a key is rotated by putting the new one first, re-encrypting
(`manage.py personal_data_reencrypt`), then dropping the old one."""

from __future__ import annotations

from accounts.crypto import PREFIX, KeyRing

__all__ = ["PREFIX", "decrypt", "decrypt_bytes", "encrypt", "encrypt_bytes", "reencrypt"]

_keys = KeyRing("PERSONAL_DATA_KEYS")


def encrypt(value: str) -> str:
    """The stored form of `value` ("" stays "": nothing to hide, and "not given" stays visible)."""
    return _keys.encrypt(value)


def decrypt(stored: str) -> str:
    return _keys.decrypt(stored)


def reencrypt(stored: str) -> str:
    """`stored` encrypted again with the first key (for key rotation)."""
    return _keys.reencrypt(stored)


def encrypt_bytes(value: bytes) -> bytes:
    """A file's stored form (data exports): Fernet over the bytes, with the current key."""
    return _keys.encrypt_bytes(value)


def decrypt_bytes(stored: bytes) -> bytes:
    return _keys.decrypt_bytes(stored)
