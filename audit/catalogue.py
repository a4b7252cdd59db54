"""The whole event catalogue as the auditor reads it: the named events (accounts.catalogue) and
the created / changed / deleted of every model registered with django-auditlog.

A model change is named `<model_name>.<verb>` (for example `role.created`), as django-auditlog's
entries have always been; its label and category come from the model (its verbose name, and
its app's category unless it was registered with another). They are derived rather than listed,
so registering a model is all it takes for its changes to be catalogued."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from auditlog.models import AbstractLogEntry
from django.db import models
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from accounts.catalogue import Category, Event
from audit.registry import category_of, registered_models

if TYPE_CHECKING:
    from collections.abc import Iterable


class ModelChange(StrEnum):
    """What django-auditlog records about a registered model, by its action."""

    action: int
    label: Promise

    def __new__(cls, verb: str, action: int, label: Promise) -> ModelChange:
        member = str.__new__(cls, verb)
        member._value_ = verb
        member.action = action
        member.label = label
        return member

    CREATED = "created", AbstractLogEntry.Action.CREATE, _("{model} created")
    UPDATED = "updated", AbstractLogEntry.Action.UPDATE, _("{model} changed")
    DELETED = "deleted", AbstractLogEntry.Action.DELETE, _("{model} deleted")


def model_change_code(model_name: str, action: int) -> str:
    """The event code of a django-auditlog entry: `<model_name>.<verb>`. An action outside the
    three (django-auditlog's "accessed", which nothing here logs) gets a code the catalogue
    does not know, so it shows as its code rather than as something it is not."""
    for change in ModelChange:
        if change.action == action:
            return f"{model_name}.{change}"
    return f"{model_name}.action_{action}"


@dataclass(frozen=True)
class EventInfo:
    """One catalogued code: a named event, or a change to a registered model."""

    code: str
    category: Category | None
    event: Event | None = None
    model: type[models.Model] | None = None
    change: ModelChange | None = None

    @property
    def label(self) -> str:
        if self.event is not None:
            return str(self.event.label)
        if self.model is not None and self.change is not None:
            return str(self.change.label).format(model=model_label(self.model))
        return self.code

    @property
    def known(self) -> bool:
        return self.category is not None


def model_label(model: type[models.Model]) -> str:
    return capfirst(str(model._meta.verbose_name))


@functools.cache
def _index() -> dict[str, EventInfo]:
    # Built on first use, after every app's ready() has registered its models.
    infos = {event.value: EventInfo(event.value, event.category, event=event) for event in Event}
    for model in registered_models():
        for change in ModelChange:
            code = f"{model._meta.model_name}.{change}"
            infos[code] = EventInfo(code, category_of(model), model=model, change=change)
    return infos


def describe(code: str) -> EventInfo:
    """The catalogue's entry for `code`; a code it does not know (never written by this code
    base, but an old entry might hold one) is described by the code itself."""
    return _index().get(code) or EventInfo(code, None)


def all_events() -> list[EventInfo]:
    """Every catalogued code, by category and then by label."""
    order = {category: n for n, category in enumerate(Category)}
    return sorted(_index().values(), key=lambda info: (order[info.category or Category.AUDIT],
                                                      info.label))  # fmt: skip


def codes_in(category: Category | str) -> list[str]:
    return [info.code for info in _index().values() if info.category == category]


def codes_labelled(text: str, infos: Iterable[EventInfo] | None = None) -> list[str]:
    """Codes whose label contains `text` (any case), for the log's free-text search."""
    needle = text.casefold()
    return [info.code for info in (infos or _index().values()) if needle in info.label.casefold()]


# What entries can be about beyond the registered models (whose label is their verbose name).
_TARGET_TYPES: dict[str, Promise] = {"accounts.user": _("Person"), "tenancy.tenant": _("Company")}


def target_types() -> dict[str, str]:
    """Every kind of thing an entry can be about, by `target_type`, with its label."""
    types = {m._meta.label_lower: model_label(m) for m in registered_models()}
    return types | {key: str(label) for key, label in _TARGET_TYPES.items()}


def target_type_label(target_type: str) -> str:
    if target_type in _TARGET_TYPES:
        return str(_TARGET_TYPES[target_type])
    model = model_of(target_type)
    return model_label(model) if model is not None else target_type


def model_of(target_type: str) -> type[models.Model] | None:
    """The model an entry's `target_type` ("app_label.model_name") names, if it is installed."""
    from django.apps import apps

    app_label, _sep, model_name = target_type.partition(".")
    try:
        return apps.get_model(app_label, model_name)
    except (LookupError, ValueError):
        return None
