"""Turns signals into audit entries: sign-in events from Django and django-axes, and the
`accounts.events.activity` hook that the apps below `audit` send."""

from __future__ import annotations

import logging
from typing import Any

from axes.helpers import get_failure_limit
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.events import Event, activity
from accounts.models import User
from audit.context import current_request
from audit.services import record, record_for_person

logger = logging.getLogger("parim.audit")


@receiver(activity)
def on_activity(
    sender: Any,
    event: Event,
    user: User | None,
    request: HttpRequest | None,
    tenant: Any,
    target: Any,
    data: dict[str, Any],
    **kwargs: Any,
) -> None:
    if tenant is not None:
        # Who did it: the person signed in to the request; with no one signed in (a task, a
        # command, a visitor), the person the service says acted, rather than "no one".
        actor = None if _signed_in(request or current_request.get()) else _account(user)
        record(event, tenant=tenant, target=target or user or tenant, data=data, request=request,
               actor=actor)  # fmt: skip
    elif user is not None:
        record_for_person(event, user=user, data=data, request=request)
    else:
        logger.info("event with no tenant or person", extra={"event": event})


def _signed_in(request: HttpRequest | None) -> bool:
    return bool(getattr(getattr(request, "user", None), "is_authenticated", False))


def _account(user: Any) -> User | None:
    return user if isinstance(user, User) else None


@receiver(user_logged_in)
def on_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record_for_person(Event.AUTH_LOGIN, user=user, request=request, actor=user)


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record_for_person(Event.AUTH_LOGOUT, user=user, request=request, actor=user)


def _known_user(credentials: dict[str, Any]) -> User | None:
    username = str(credentials.get("username") or "").strip()
    return User.objects.filter(email__iexact=username).first() if username else None


@receiver(user_login_failed)
def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is not None and getattr(request, "axes_locked_out", False):
        return  # locked: the lockout was recorded once; no entry for each further attempt
    user = _known_user(credentials)
    if user is None:
        # Names no known person: the application log only, without the address typed.
        logger.info("failed sign-in for an unknown account")
        return
    record_for_person(Event.AUTH_LOGIN_FAILED, user=user, request=request)


@receiver(user_locked_out)
def on_lockout(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    # django-axes signals again for each attempt while locked; the lock itself is the attempt
    # that reached the limit, and only that one is recorded.
    credentials = getattr(request, "axes_credentials", None)
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is not None and failures > get_failure_limit(request, credentials):
        return
    user = _known_user({"username": username})
    if user is None:
        logger.warning("sign-in locked for an unknown account")
        return
    record_for_person(Event.AUTH_LOCKOUT, user=user, request=request)
