"""Authenticated encryption at rest with keys kept outside the database (in the environment or a
secrets manager), rotatable: the generic part shared by two-factor secrets (here) and personal
data (gdpr.crypto).

Each secret of a key ring is turned into a Fernet key (AES-128-CBC with HMAC-SHA256) by SHA-256,
so any long random secret will do. The first key encrypts; all of them decrypt, so a key is
rotated by putting the new one first, re-encrypting what is stored, then dropping the old one."""

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


class KeyRing:
    """The keys named by one setting (a list of secrets, newest first)."""

    def __init__(self, setting: str) -> None:
        self.setting = setting

    def _current(self) -> MultiFernet:
        return _fernet(tuple(getattr(settings, self.setting)))

    def encrypt(self, value: str) -> str:
        """The stored form of `value` ("" stays "": nothing to hide)."""
        if not value:
            return ""
        return PREFIX + self._current().encrypt(value.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored:
            return ""
        if not stored.startswith(PREFIX):
            raise ValueError("not an encrypted value")
        try:
            return self._current().decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken as error:
            raise ValueError(f"encrypted with a key that is not in {self.setting}") from error

    def reencrypt(self, stored: str) -> str:
        """`stored` encrypted again with the first key (for key rotation)."""
        if not stored:
            return ""
        try:
            return PREFIX + self._current().rotate(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken as error:
            raise ValueError(f"encrypted with a key that is not in {self.setting}") from error

    def encrypt_bytes(self, value: bytes) -> bytes:
        return self._current().encrypt(value)

    def decrypt_bytes(self, stored: bytes) -> bytes:
        try:
            return self._current().decrypt(stored)
        except InvalidToken as error:
            raise ValueError(f"encrypted with a key that is not in {self.setting}") from error


# Two-factor secrets (TOTP keys): settings.TWO_FACTOR_KEYS.
two_factor_keys = KeyRing("TWO_FACTOR_KEYS")
