"""Response headers that Django and django-csp do not set themselves."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase


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


# What a view or a template can set to change one response's policy (django-csp's decorators,
# its exemptions, a nonce asked for): such a response is built by django-csp itself.
_PER_RESPONSE = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
)  # fmt: skip


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the policy built once rather than for every response (its
    building was a quarter of the middleware's work on a trivial request): the headers depend
    only on the settings unless a response changes its policy, is exempt, a nonce was asked for,
    the path is excluded or a debug error page is shown, and those go through django-csp's own
    code. tests/parim/test_request_cost.py holds the two paths' headers equal."""

    _built: ClassVar[dict[str, str] | None] = None

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not _plain(request, response):
            return super().process_response(request, response)
        if CSPMiddleware._built is None:
            CSPMiddleware._built = {
                header: policy
                for header, policy in (
                    (HEADER, build_policy()),
                    (HEADER_REPORT_ONLY, build_policy(report_only=True)),
                )
                if policy
            }
        for header, policy in CSPMiddleware._built.items():
            response.headers.setdefault(header, policy)
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


def _plain(request: HttpRequest, response: HttpResponseBase) -> bool:
    if getattr(request, "_csp_nonce", None) is not None:
        return False
    if any(hasattr(response, name) for name in _PER_RESPONSE):
        return False
    if settings.DEBUG and response.status_code in {404, 500}:
        return False
    for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        policy: Any = getattr(settings, name, None) or {}
        if policy.get("EXCLUDE_URL_PREFIXES"):
            return False
    return True


@receiver(setting_changed)
def _policy_changed(setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        CSPMiddleware._built = None
