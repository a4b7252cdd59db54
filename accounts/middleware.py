"""Session lifetime: signed out after SESSION_IDLE_TIMEOUT of inactivity, and always after
SESSION_ABSOLUTE_TIMEOUT from sign-in. And django-otp's middleware inside the identity scope."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django_otp.middleware import OTPMiddleware

from accounts.identity import account_scope

STARTED = "_session_started_at"
LAST_SEEN = "_session_last_seen_at"
# Writing the session on every request would cost a query each; a minute's precision is enough.
TOUCH_INTERVAL = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read from the session alone: a signed-in session holds SESSION_KEY. Asking
        # request.user would load the account (a transaction and two queries) on every request,
        # also for the views that never use it; those that do still load and check it.
        if SESSION_KEY in request.session:
            now = int(time.time())
            started = request.session.get(STARTED)
            last_seen = request.session.get(LAST_SEEN)
            if started is None or last_seen is None:
                request.session[STARTED] = started = now
                request.session[LAST_SEEN] = last_seen = now
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            expired = now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                messages.info(
                    request,
                    _("You were signed out after a period of inactivity. Please sign in again.")
                    if idle
                    else _("Your session has ended. Please sign in again."),
                )
                return redirect_to_login(request.get_full_path())
            if now - last_seen >= TOUCH_INTERVAL:
                request.session[LAST_SEEN] = now
        return self.get_response(request)


def session_mark_started(request: HttpRequest) -> None:
    now = int(time.time())
    request.session[STARTED] = now
    request.session[LAST_SEEN] = now


class AccountOTPMiddleware(OTPMiddleware):  # type: ignore[misc]
    """django-otp's OTPMiddleware, with the signed-in account and the device that verified its
    session loaded in one account_scope (one transaction, one setting of app.account_id): the
    application role can read an account's row and devices only inside that scope."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        user_id = request.session.get(SESSION_KEY)
        if user_id is None:
            return super()._verify_user_sync(request, user)
        with account_scope(user_id, request_level=True):
            return super()._verify_user_sync(request, user)
