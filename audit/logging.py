"""Structured application logs: one JSON object a line on stdout, with the request id, tenant id
and user id, and never an email address, password, token, TOTP key or code."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from audit.context import current_request

# Values that must never reach a log line, whatever a library puts in its message.
_SECRET_NAMES = r"password|passwd|secret|token|code|otp|key"  # noqa: S105  (names, not values)
_SCRUBBERS = [
    # Anything around an @ (or its URL encoding) is treated as an address.
    (re.compile(r"[^\s@<>()\[\]\"',;:]+(?:@|%40)[^\s<>()\"',;]+"), "[email]"),
    (re.compile(r"(?i)(/join/|join%2F|/signup/verify/|verify%2F)[^/\s\"?&%]+"), r"\1[token]"),
    (
        re.compile(r"(?i)(/password-reset/|password-reset%2F)[^/\s\"?&]+(?:/|%2F)[^/\s\"?&%]+"),
        r"\1[token]",
    ),
    (re.compile(rf"(?i)\b({_SECRET_NAMES})=([^&\s\"]+)"), r"\1=[redacted]"),
    (
        re.compile(
            rf"(?i)([\"']?\b(?:{_SECRET_NAMES})[\"']?\s*:\s*)(\"[^\"]*\"|'[^']*'|[^\s,}}]+)"
        ),
        r"\1[redacted]",
    ),
]
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


def scrub(text: str) -> str:
    for pattern, replacement in _SCRUBBERS:
        text = pattern.sub(replacement, text)
    return text


class ScrubbingFormatter(logging.Formatter):
    """The plain format, scrubbed the same way."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        request = current_request.get()
        if request is not None:
            entry["request_id"] = getattr(request, "request_id", None)
            tenant = getattr(request, "tenant", None)
            if tenant is not None:
                entry["tenant_id"] = str(tenant.pk)
            # Only a user already loaded: logging must never cause a query.
            user = getattr(request, "_cached_user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                entry["user_id"] = str(user.pk)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                if key in {"request", "credentials", "args"}:
                    continue
                entry[key] = scrub(str(value)) if isinstance(value, str) else _plain(value)
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return scrub(str(value))
