"""The activity signal: how apps below `audit` report what happened, without importing it.

`audit` subscribes and writes the entry (DESIGN.md section 3: a lower app offers a hook)."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.dispatch import Signal
from django.http import HttpRequest

# Sent with: event (str), user (the person it concerns, or None), request, tenant (or None:
# then it is recorded in each tenant the person belongs to), target (a model instance),
# data (a dict of non-secret details).
activity = Signal()


def emit(
    event: str,
    *,
    user: Any = None,
    request: HttpRequest | None = None,
    tenant: Any = None,
    target: Model | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    activity.send(
        sender=event.split(".", 1)[0],
        event=event,
        user=user,
        request=request,
        tenant=tenant,
        target=target,
        data=data or {},
    )
