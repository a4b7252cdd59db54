"""Gives every request an id and makes it available to the audit entries written during it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from audit.context import current_request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class AuditRequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # A well-formed X-Request-ID from the load balancer is kept, so logs line up end to end.
        # (Read from META: request.headers would copy every header of every request.)
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex  # type: ignore[attr-defined]
        # Cleared on request_finished, not here: Django logs 4xx/5xx responses after the
        # middleware returns, and those lines should carry the request's ids too.
        current_request.set(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response


@receiver(request_finished)
def forget_request(sender: object, **kwargs: object) -> None:
    current_request.set(None)
