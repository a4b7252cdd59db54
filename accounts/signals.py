"""Reactions to sign-in: the session's clock starts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.middleware import session_mark_started


@receiver(user_logged_in)
def start_session_clock(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        session_mark_started(request)


def update_last_login_in_scope(sender: Any, user: Any, **kwargs: Any) -> None:
    """Django's update_last_login, inside the account's scope (its row is not otherwise
    writable at the moment of sign-in). Connected in place of Django's by AccountsConfig."""
    from django.contrib.auth.models import update_last_login

    from accounts.identity import account_scope

    with account_scope(user.pk):
        update_last_login(sender, user, **kwargs)
