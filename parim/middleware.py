"""Response headers that Django and django-csp do not set themselves."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Turn off browser features the product never uses (camera, location, payment...)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.policy)
        return response


class HealthCheckMiddleware:
    """Answer /healthz before host validation and the HTTPS redirect: load balancers and
    container health checks call it by IP address over plain HTTP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == "/healthz" and request.method in {"GET", "HEAD"}:
            from parim.views import database_health

            return database_health()
        return self.get_response(request)


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # every control character but tab


class ControlCharacterHeadersMiddleware:
    """Refuse (400) a request whose header values hold a control character such as NUL: no
    browser sends one (RFC 9110 forbids them), and the database refuses to store the NUL that
    a User-Agent would carry into the sign-in throttle or the audit log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, value in request.META.items():
            if key.startswith("HTTP_") and isinstance(value, str) and _CONTROL.search(value):
                return HttpResponse(
                    "Bad request: a header holds a control character.\n",
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
