"""The password length rule: at least the strictest minimum of the person's companies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def minimum_password_length(user: Any) -> int:
    minimum: int = settings.PASSWORD_MIN_LENGTH
    if user is None or getattr(user, "pk", None) is None or user._state.adding:
        return minimum
    from tenancy.selectors import strictest_password_length

    return max(minimum, strictest_password_length(user))


def check_password_length(password: str, minimum: int) -> None:
    if len(password) < minimum:
        raise ValidationError(
            _(
                "This password is too short: use at least %(min)d characters. A few unrelated "
                "words make a long password that is easy to remember."
            ),
            code="password_too_short",
            params={"min": minimum},
        )


class CompanyMinimumLengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        check_password_length(password, minimum_password_length(user))

    def get_help_text(self) -> str:
        return _("At least %(min)d characters (your company may ask for more).") % {
            "min": settings.PASSWORD_MIN_LENGTH
        }
