"""Audit entries in words: each entry's label, category and sentence, who did it and what it is
about, for the auditor's pages and the exports.

A page of entries is described at once: the names its sentences refer to by id (people, sites)
are looked up in a fixed number of queries, never one per entry. People's names come from the
tenant's own memberships (which the page's person filter reads anyway), never from the account
row: someone erased here may keep their name at another company, and it must not show here."""

from __future__ import annotations

import datetime as dt
import string
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.functional import Promise
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.catalogue import EventInfo, ModelChange, describe, model_label, target_type_label
from tenancy.models import Membership, SensitiveKind, Tenant
from tenancy.permissions import Permission

TEXT_LIMIT = 80  # characters of any one value in a sentence; the entry page shows it whole

# Sentence kinds that name something by id, and where its name is read: (model, field). Ids of
# people are read from the tenant's memberships (`People`) instead.
NAME_SOURCES: dict[str, tuple[str, str]] = {}


def register_names(kind: str, model: str, field: str = "name") -> None:
    """Let sentences write `{key:<kind>}` for a data value holding the id of a `model`
    ("app_label.ModelName") row, shown by its `field`."""
    NAME_SOURCES[kind] = (model, field)


# Values a call site writes instead of an id, and how they read.
_STAND_INS: dict[str, Promise] = {
    "all": gettext_lazy("all sites"),
    "anyone qualified": gettext_lazy("anyone qualified"),
}


@dataclass(frozen=True)
class EntryFacts:
    """What an entry's words are made from: an AuditEntry, or a row of an export."""

    event: str
    actor_id: Any = None
    actor_email: str | None = None
    target_type: str = ""
    object_pk: str = ""
    object_repr: str = ""
    additional_data: Any = None
    changes: Any = None
    remote_addr: str | None = None
    redacted_at: dt.datetime | None = None

    FIELDS = ("event", "actor_id", "actor_email", "target_type", "object_pk", "object_repr",
              "additional_data", "changes", "remote_addr", "redacted_at")  # fmt: skip

    @classmethod
    def of(cls, entry: Any) -> EntryFacts:
        return cls(**{name: getattr(entry, name) for name in cls.FIELDS})

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> EntryFacts:
        return cls(**{name: row[name] for name in cls.FIELDS})

    @property
    def data(self) -> dict[str, Any]:
        return self.additional_data if isinstance(self.additional_data, dict) else {}


@dataclass(frozen=True)
class Words:
    """An entry as a person reads it."""

    code: str
    label: str
    category: str
    sentence: str
    who: str
    about: str
    about_type: str


@dataclass(frozen=True)
class Person:
    membership_id: str
    user_id: str
    name: str


def people_of(tenant: Tenant) -> list[Person]:
    """The tenant's people, current and former, by name (one query)."""
    rows = (
        Membership.objects.filter(tenant=tenant)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    return [Person(str(m.pk), str(m.user_id), m.user.full_name or m.user.email) for m in rows]


@dataclass
class Names:
    """Names for the ids a batch of sentences refers to."""

    people_by_user: dict[str, str]
    people_by_membership: dict[str, str]
    by_kind: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of_people(cls, people: Iterable[Person]) -> Names:
        people = list(people)
        return cls({p.user_id: p.name for p in people}, {p.membership_id: p.name for p in people})


# Value kinds: how a data value reads in a sentence ---------------------------------------------


def _text(value: Any) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _date(value: Any) -> str:
    text = str(value)
    try:
        day = dt.date.fromisoformat(text[:10])
    except ValueError:
        return _text(value)
    return str(formats.date_format(day, "j M Y"))


def _count(singular: str, plural: str) -> Callable[[Any], str]:
    def counted(value: Any) -> str:
        n = len(value) if isinstance(value, (list, tuple)) else int(value)
        return ngettext(singular, plural, n) % {"n": n}

    return counted


def _field_names(value: Any) -> str:
    names = value if isinstance(value, list) else [value]
    kinds = dict(SensitiveKind.choices)
    shown = [str(kinds.get(name, str(name).replace("_", " "))).lower() for name in names]
    return str(get_text_list(shown, _("and")))


def _choice(choices: Mapping[str, Any]) -> Callable[[Any], str]:
    return lambda value: str(choices.get(str(value), _text(value)))


def _bytes(value: Any) -> str:
    return str(filesizeformat(int(value)))


# The kinds a sentence may name; `site`-like kinds registered with register_names, and
# `member`, are resolved from Names by the Describer.
KINDS: dict[str, Callable[[Any], str]] = {
    "": _text,
    "date": _date,
    "shifts": _count("%(n)d shift", "%(n)d shifts"),
    "draft_shifts": _count("%(n)d draft shift", "%(n)d draft shifts"),
    "people": _count("%(n)d person", "%(n)d people"),
    "reminders": _count("%(n)d reminder", "%(n)d reminders"),
    "backup_codes": _count("%(n)d backup code", "%(n)d backup codes"),
    "bytes": _bytes,
    "fields": _field_names,
    "permission": _choice(dict(Permission.choices)),
    "tenant_status": _choice(dict(Tenant.Status.choices)),
    "export_format": _choice({"csv": "CSV", "jsonl": "JSON Lines"}),
    "anonymised_because": _choice(
        {
            "request": gettext_lazy("at their request"),
            "retention": gettext_lazy("after the retention period"),
        }
    ),
}


def _reference_kinds() -> set[str]:
    return {"member", *NAME_SOURCES}


class _MissingValueError(Exception):
    """A sentence needs a value the entry does not hold."""


class _Said(str):
    """A value already in words (who, what about, the model's name): written as it is."""


class _Formatter(string.Formatter):
    def __init__(self, render: Callable[[Any, str], str]) -> None:
        self.render = render

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if isinstance(key, int) or kwargs.get(key) in (None, "", []):
            raise _MissingValueError(key)
        return kwargs[key]

    def format_field(self, value: Any, format_spec: str) -> str:
        return str(value) if isinstance(value, _Said) else self.render(value, format_spec)


def _fields(template: str) -> list[tuple[str, str]]:
    return [
        (name, spec or "")
        for _literal, name, spec, _conversion in string.Formatter().parse(template)
        if name
    ]


def _uuid(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


class Describer:
    """Describes batches of entries. The names a batch refers to are looked up once for the
    batch: people from `people` when the page has them already (the person filter's list),
    otherwise in one query; each other kind of name (sites) in one query."""

    def __init__(self, tenant: Tenant, people: Iterable[Person] | None = None) -> None:
        self.tenant = tenant
        self.all_people = people is not None
        self.names = Names.of_people(people or [])

    def describe(self, entries: Sequence[EntryFacts]) -> list[Words]:
        self._look_up(entries)
        return [self._words(facts) for facts in entries]

    # Names -------------------------------------------------------------------------------------

    def _look_up(self, entries: Sequence[EntryFacts]) -> None:
        users: set[str] = set()
        memberships: set[str] = set()
        wanted: dict[str, set[str]] = defaultdict(set)
        for facts in entries:
            if facts.actor_id is not None:
                users.add(str(facts.actor_id))
            if facts.target_type == "accounts.user":
                users.add(facts.object_pk)
            elif facts.target_type == "tenancy.membership":
                memberships.add(facts.object_pk)
            info = describe(facts.event)
            for name, kind in _fields(str(info.event.sentence)) if info.event else []:
                pk = _uuid(facts.data.get(name)) if kind in _reference_kinds() else None
                if pk is not None and kind == "member":
                    memberships.add(pk)
                elif pk is not None:
                    wanted[kind].add(pk)
        if not self.all_people:
            self._look_up_people(users, memberships)
        for kind, ids in sorted(wanted.items()):
            model_label, name_field = NAME_SOURCES[kind]
            model: type[Model] = apps.get_model(model_label)
            rows = model._default_manager.filter(tenant=self.tenant, pk__in=ids)
            found = self.names.by_kind.setdefault(kind, {})
            found.update({str(pk): str(name) for pk, name in rows.values_list("pk", name_field)})

    def _look_up_people(self, users: set[str], memberships: set[str]) -> None:
        users -= set(self.names.people_by_user)
        memberships = {pk for pk in memberships if _uuid(pk)} - set(self.names.people_by_membership)
        users = {pk for pk in users if _uuid(pk)}
        if not users and not memberships:
            return
        rows = Membership.objects.filter(tenant=self.tenant).filter(
            Q(user_id__in=users) | Q(pk__in=memberships)
        )
        for m in rows.select_related("user"):
            name = m.user.full_name or m.user.email
            self.names.people_by_user[str(m.user_id)] = name
            self.names.people_by_membership[str(m.pk)] = name

    def _reference(self, value: Any, kind: str) -> str:
        if str(value) in _STAND_INS:
            return str(_STAND_INS[str(value)])
        pk = _uuid(value)
        if pk is None:
            return _text(value)
        if kind == "member":
            return self.names.people_by_membership.get(pk) or _("a former member")
        return self.names.by_kind.get(kind, {}).get(pk) or _("one since deleted")

    def _render(self, value: Any, kind: str) -> str:
        if kind in _reference_kinds():
            return self._reference(value, kind)
        if kind not in KINDS:
            raise _MissingValueError(kind)
        try:
            return KINDS[kind](value)
        except (TypeError, ValueError) as error:
            raise _MissingValueError(kind) from error

    # Words -------------------------------------------------------------------------------------

    def who(self, facts: EntryFacts) -> str:
        if facts.actor_id is not None:
            name = self.names.people_by_user.get(str(facts.actor_id))
            if name:
                return name
        if facts.redacted_at is not None:
            return _("(erased person)")
        if facts.actor_email:
            return facts.actor_email
        if facts.actor_id is not None:
            return _("a former member")
        if facts.remote_addr:
            return _("Someone not signed in")
        return _("Parim (automatic)")

    def about(self, facts: EntryFacts) -> tuple[str, str]:
        """What the entry is about, and that thing's type, in words."""
        kind = target_type_label(facts.target_type)
        if facts.redacted_at is not None:
            return _("(erased)"), kind
        if facts.target_type == "accounts.user":
            name = self.names.people_by_user.get(facts.object_pk)
            return (name or facts.object_repr), kind
        if facts.target_type == "tenancy.membership":
            return (self.names.people_by_membership.get(facts.object_pk) or kind), kind
        if not facts.object_repr or facts.object_pk in facts.object_repr:
            return kind, kind  # the object's label is only its id: its type says more
        return _text(facts.object_repr), kind

    def _words(self, facts: EntryFacts) -> Words:
        info = describe(facts.event)
        who = self.who(facts)
        about, about_type = self.about(facts)
        sentence = self._sentence(info, facts, who=who, about=about)
        category = str(info.category.label) if info.category is not None else ""
        return Words(facts.event, info.label, category, sentence, who, about, about_type)

    def _sentence(self, info: EventInfo, facts: EntryFacts, *, who: str, about: str) -> str:
        values: dict[str, Any] = {**facts.data, "actor": _Said(who), "target": _Said(about)}
        if info.event is not None:
            template = str(info.event.sentence)
        elif info.model is not None and info.change is not None:
            fields = _changed_fields(info.model, facts.changes)
            named = about != model_label(info.model)
            template = _model_sentence(info.change, named=named, fields=bool(fields))
            values.update(model=_Said(model_label(info.model)), fields=_Said(fields))
        else:
            return info.label
        try:
            text = _Formatter(self._render).format(template, **values)
        except _MissingValueError:
            return info.label
        return capfirst(text) or info.label


def _model_sentence(change: ModelChange, *, named: bool, fields: bool) -> str:
    if change == ModelChange.CREATED:
        if named:
            return _("{model} “{target}” created by {actor}")
        return _("{model} created by {actor}")
    if change == ModelChange.UPDATED:
        if named:
            if fields:
                return _("{model} “{target}” changed by {actor}: {fields}")
            return _("{model} “{target}” changed by {actor}")
        if fields:
            return _("{model} changed by {actor}: {fields}")
        return _("{model} changed by {actor}")
    if named:
        return _("{model} “{target}” deleted by {actor}")
    return _("{model} deleted by {actor}")


def _changed_fields(model: type[Model], changes: Any) -> str:
    """The names of the fields an update changed (never their values)."""
    if not isinstance(changes, dict) or not changes:
        return ""
    names = []
    for name in sorted(changes):
        try:
            verbose = getattr(model._meta.get_field(name), "verbose_name", name)
        except FieldDoesNotExist:  # a field since removed reads as its name
            verbose = name
        names.append(str(verbose).replace("_", " "))
    return str(get_text_list(names, _("and")))
