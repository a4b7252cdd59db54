"""The request an audit entry is written during: who, from where, with which request id."""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def request_id(request: HttpRequest | None) -> str:
    return str(getattr(request, "request_id", "")) if request is not None else ""


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address, read the same way login throttling reads it (trusted proxy hops)."""
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    address: str | None = get_client_ip_address(request)
    return address or None


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.headers.get("User-Agent", ""))[:300]
