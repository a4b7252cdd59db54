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
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import CharField, Model, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.template.defaultfilters import filesizeformat
from django.utils import formats
from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.catalogue import EventInfo, ModelChange, describe, target_type_label
from tenancy.columns import UuidText
from tenancy.models import Membership, SensitiveKind, Tenant
from tenancy.permissions import Permission
from tenancy.prepared import company_query

TEXT_LIMIT = 80  # characters of any one value in a sentence; the entry page shows it whole

# Sentence kinds that name something by id, and where its name is read: (model, field). Ids of
# people are read from the tenant's memberships (`People`) instead.
NAME_SOURCES: dict[str, tuple[str, str]] = {}


def register_names(kind: str, model: str, field: str = "name") -> None:
    """Let sentences write `{key:<kind>}` for a data value holding the id of a `model`
    ("app_label.ModelName") row, shown by its `field`."""
    NAME_SOURCES[kind] = (model, field)


# Who did it, or what it is about, when no name can be given.
ERASED_PERSON = gettext_lazy("(erased person)")
FORMER_MEMBER = gettext_lazy("a former member")
NOT_SIGNED_IN = gettext_lazy("Someone not signed in")
AUTOMATIC = gettext_lazy("Parim (automatic)")
ERASED = gettext_lazy("(erased)")
DELETED_SINCE = gettext_lazy("one since deleted")

# Values a call site writes instead of an id, and how they read.
_STAND_INS: dict[str, Promise] = {
    "all": gettext_lazy("all sites"),
    "anyone qualified": gettext_lazy("anyone qualified"),
}


@dataclass(slots=True)
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


@dataclass(slots=True)
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


def _people_rows(tenant_id: uuid.UUID) -> QuerySet[Membership, Any]:
    # Plain text, made by the database: a company's hundreds of people as model instances cost
    # more than the page, and so did their ids parsed into UUIDs only to be printed again.
    return (
        Membership.objects.filter(tenant_id=tenant_id)
        .order_by("user__full_name", "user__email")
        .values_list(
            UuidText("pk"),  # as str(uuid) writes it, on SQLite (the demo) too
            UuidText("user_id"),
            Coalesce(NullIf("user__full_name", Value("")), "user__email", output_field=CharField()),
        )
    )


# The audit log's pages read them on every request: compiled once (tenancy/prepared.py).
_PEOPLE = company_query(_people_rows)


def people_of(tenant: Tenant) -> list[Person]:
    """The tenant's people, current and former, by name (one query)."""
    rows = _PEOPLE.run(tenant_id=tenant.pk)
    return [Person(*row) for row in rows]


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


class _MissingValueError(Exception):
    """A sentence needs a value the entry does not hold."""


class _Said(str):
    """A value already in words (who, what about, the model's name): written as it is."""


Template = list[tuple[str, str | None, str]]  # (text before, field name, kind) parts


def _parsed(template: str) -> Template:
    return [
        (literal, name, spec or "")
        for literal, name, spec, _conversion in string.Formatter().parse(template)
    ]


def _fields(template: str) -> list[tuple[str, str]]:
    return [(name, kind) for _literal, name, kind in _parsed(template) if name]


def _uuid(value: Any) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _key(value: Any) -> Hashable | None:
    """`value` as a memo key, or None when it is not worth one (or cannot be one)."""
    if isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list) and all(isinstance(item, str | int) for item in value):
        return tuple(value)
    return None


@dataclass(frozen=True)
class _EventText:
    info: EventInfo
    label: str
    category: str
    template: Template | None  # a named event's sentence; None for a model change


class Describer:
    """Describes batches of entries. The names a batch refers to are looked up once for the
    batch: people from `people` when the page has them already (the person filter's list),
    otherwise in one query; each other kind of name (sites) in one query. Everything worded
    the same way twice (a label, a template, a date) is worded once per describer, so one
    describer serves a whole export cheaply."""

    def __init__(self, tenant: Tenant, people: Iterable[Person] | None = None) -> None:
        self.tenant = tenant
        self.all_people = people is not None
        self.names = Names.of_people(people or [])
        self._memo: dict[Hashable, Any] = {}

    def describe(self, entries: Sequence[EntryFacts]) -> list[Words]:
        self._look_up(entries)
        return [self._words(facts) for facts in entries]

    def _once(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def _say(self, text: Promise) -> str:
        """`text` translated, once."""
        return cast(str, self._once(("say", id(text)), lambda: str(text)))

    def _event(self, code: str) -> _EventText:
        def compute() -> _EventText:
            info = describe(code)
            category = str(info.category.label) if info.category is not None else ""
            template = _parsed(str(info.event.sentence)) if info.event is not None else None
            return _EventText(info, info.label, category, template)

        return cast(_EventText, self._once(("event", code), compute))

    # Names -------------------------------------------------------------------------------------

    def _look_up(self, entries: Sequence[EntryFacts]) -> None:
        users: set[str] = set()
        memberships: set[str] = set()
        wanted: dict[str, set[str]] = defaultdict(set)
        references = {"member", *NAME_SOURCES}
        for facts in entries:
            if facts.actor_id is not None:
                users.add(str(facts.actor_id))
            if facts.target_type == "accounts.user":
                users.add(facts.object_pk)
            elif facts.target_type == "tenancy.membership":
                memberships.add(facts.object_pk)
            for _literal, name, kind in self._event(facts.event).template or []:
                pk = _uuid(facts.data.get(name)) if name and kind in references else None
                if pk is not None and kind == "member":
                    memberships.add(pk)
                elif pk is not None and pk not in self.names.by_kind.get(kind, {}):
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
        users = {pk for pk in users if _uuid(pk)} - set(self.names.people_by_user)
        memberships = {pk for pk in memberships if _uuid(pk)} - set(self.names.people_by_membership)
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
            return self._say(_STAND_INS[str(value)])
        pk = _uuid(value)
        if pk is None:
            return _text(value)
        if kind == "member":
            return self.names.people_by_membership.get(pk) or self._say(FORMER_MEMBER)
        return self.names.by_kind.get(kind, {}).get(pk) or self._say(DELETED_SINCE)

    def _render(self, value: Any, kind: str) -> str:
        if kind == "member" or kind in NAME_SOURCES:
            return self._reference(value, kind)
        if kind not in KINDS:
            raise _MissingValueError(kind)
        key = _key(value)
        if key is not None and (kind, key) in self._memo:
            return cast(str, self._memo[kind, key])
        try:
            text = KINDS[kind](value)
        except (TypeError, ValueError) as error:
            raise _MissingValueError(kind) from error
        if key is not None:
            self._memo[kind, key] = text
        return text

    # Words -------------------------------------------------------------------------------------

    def who(self, facts: EntryFacts) -> str:
        if facts.actor_id is not None:
            name = self.names.people_by_user.get(str(facts.actor_id))
            if name:
                return name
        if facts.redacted_at is not None:
            return self._say(ERASED_PERSON)
        if facts.actor_email:
            return facts.actor_email
        if facts.actor_id is not None:
            return self._say(FORMER_MEMBER)
        if facts.remote_addr:
            return self._say(NOT_SIGNED_IN)
        return self._say(AUTOMATIC)

    def about(self, facts: EntryFacts) -> tuple[str, str]:
        """What the entry is about, and that thing's type, in words."""
        kind = cast(str, self._once(("type", facts.target_type),
                                    lambda: target_type_label(facts.target_type)))  # fmt: skip
        if facts.redacted_at is not None:
            return self._say(ERASED), kind
        if facts.target_type == "accounts.user":
            name = self.names.people_by_user.get(facts.object_pk)
            return (name or facts.object_repr), kind
        if facts.target_type == "tenancy.membership":
            return (self.names.people_by_membership.get(facts.object_pk) or kind), kind
        if not facts.object_repr or facts.object_pk in facts.object_repr:
            return kind, kind  # the object's label is only its id: its type says more
        return _text(facts.object_repr), kind

    def _words(self, facts: EntryFacts) -> Words:
        event = self._event(facts.event)
        who = self.who(facts)
        about, about_type = self.about(facts)
        sentence = self._sentence(event, facts, who=who, about=about, about_type=about_type)
        return Words(facts.event, event.label, event.category, sentence, who, about, about_type)

    def _sentence(
        self, event: _EventText, facts: EntryFacts, *, who: str, about: str, about_type: str
    ) -> str:
        info = event.info
        values: dict[str, Any] = {**facts.data, "actor": _Said(who), "target": _Said(about)}
        template = event.template
        if template is None and info.model is not None and info.change is not None:
            fields = self._changed_fields(info.model, facts.changes)
            named = about != about_type
            template = cast(Template, self._once(
                ("model", info.change, named, bool(fields)),
                lambda: _parsed(_model_sentence(info.change, named=named, fields=bool(fields))),
            ))  # fmt: skip
            values.update(model=_Said(about_type), fields=_Said(fields))
        if template is None:
            return event.label
        parts = []
        try:
            for literal, name, kind in template:
                parts.append(literal)
                if name is None:
                    continue
                value = values.get(name)
                if value is None or value == "" or value == []:
                    raise _MissingValueError(name)
                parts.append(str(value) if isinstance(value, _Said) else self._render(value, kind))
        except _MissingValueError:
            return event.label
        text = "".join(parts)
        return text[:1].upper() + text[1:] if text else event.label

    def _changed_fields(self, model: type[Model], changes: Any) -> str:
        """The names of the fields an update changed (never their values)."""
        if not isinstance(changes, dict) or not changes:
            return ""
        names = tuple(sorted(changes))
        return cast(str, self._once(("fields", model, names),
                                    lambda: _field_labels(model, names)))  # fmt: skip


def _model_sentence(change: ModelChange | None, *, named: bool, fields: bool) -> str:
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


def _field_labels(model: type[Model], names: Sequence[str]) -> str:
    labels = []
    for name in names:
        try:
            verbose = getattr(model._meta.get_field(name), "verbose_name", name)
        except FieldDoesNotExist:  # a field since removed reads as its name
            verbose = name
        labels.append(str(verbose).replace("_", " "))
    return str(get_text_list(labels, _("and")))
