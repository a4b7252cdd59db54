"""How login throttling names the account: the email address as typed, folded to lower case, so
that changing the case of an address cannot dodge a lockout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def username_from_request(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    value = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(value).strip().lower()
