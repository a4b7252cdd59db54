"""Writes of the accounts app."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User


def user_create(*, email: str, password: str | None, full_name: str = "") -> User:
    """A new account; `password` None makes an account that cannot sign in until one is set."""
    with transaction.atomic():
        user = User(email=email, full_name=full_name)
        user.full_clean(exclude=["password"])
        user.set_password(password)
        user.save()
    return user
