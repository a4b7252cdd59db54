"""The activity signal: how apps below `audit` report what happened, without importing it.

`audit` subscribes and writes the entry (DESIGN.md section 3: a lower app offers a hook). Every
event is named from the catalogue (accounts.catalogue); `emit()` refuses any other name."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.dispatch import Signal
from django.http import HttpRequest

from accounts.catalogue import Category, Event, UnknownEventError

__all__ = ["Category", "Event", "UnknownEventError", "activity", "emit"]

# Sent with: event (an Event), user (with a tenant: who did it, when no one is signed in to the
# request; without one: the person it concerns, then it is recorded in each tenant they belong
# to), request, tenant (or None), target (a model instance), data (a dict of non-secret details).
activity = Signal()


def emit(
    event: Event,
    *,
    user: Any = None,
    request: HttpRequest | None = None,
    tenant: Any = None,
    target: Model | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Report `event`, a member of the catalogue (typed, so mypy refuses anything else; a
    string from an untyped caller is checked here too, so a misspelt or uncatalogued name
    raises UnknownEventError before anything is written)."""
    member = Event.of(event)
    activity.send(
        sender=member.split(".", 1)[0],
        event=member,
        user=user,
        request=request,
        tenant=tenant,
        target=target,
        data=data or {},
    )
