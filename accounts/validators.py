"""Password rules of the accounts app (the minimum length is the company's: tenancy.validators)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MaximumLengthValidator:
    """At least 64 characters are always allowed (NIST 800-63B); the cap bounds hashing work."""

    def __init__(self, max_length: int | None = None) -> None:
        self.max_length: int = max_length or settings.PASSWORD_MAX_LENGTH

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is too long: use at most %(max)d characters."),
                code="password_too_long",
                params={"max": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Up to %(max)d characters; spaces and any characters are allowed.") % {
            "max": self.max_length
        }
