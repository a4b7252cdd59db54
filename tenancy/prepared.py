"""Querysets compiled to SQL once per process, for the statements every tenant page runs.

Building and compiling a queryset is Python work that does not depend on its values: the
Membership look-up of every tenant page (a join, a subquery, the scope's filter) costs more to
compile than the trivial view costs to serve. A PreparedQuery builds its queryset once, with a
sample value for each argument, compiles it, and notes where each sample lands among the SQL's
parameters. Each run puts the real values there, executes the SQL on the default connection
(through Django's cursor, so the query log and the query-budget tests see it) and makes model
instances exactly as the ORM's ModelIterable does: the same converters, the related objects of
select_related, the annotations as attributes.

What it accepts, checked when the query is compiled (PreparedQueryError otherwise):
- arguments of the types PostgreSQL's driver takes as they are (str, int, uuid.UUID, a date,
  a datetime with its time zone, and an IdArray: ids as one array parameter, as
  scheduling.columns.any_id sends them), which the ORM passes on unchanged: a run binds its
  values without the field's get_db_prep_value;
- SQL that does not depend on the values: the queryset is compiled with the samples and again
  with other values of the same types, and both must give the same SQL with each argument in
  the same places (so no `__in` list, no None that turns into IS NULL, no lookup that rewrites
  its value, and no fixed parameter that merely equals a sample);
- a company's filter that is an argument: a query of tenant rows names the argument that is the
  company (`tenant="tenant_id"`), and is built in that company's scope (django-scopes), so
  that the scope's filter carries the argument. Built without one, it is built in the scope of
  a company that does not exist, and refused if that company's id is among its parameters
  (it would otherwise keep the id of whichever company's page first compiled it);
- a queryset of model instances, without prefetch_related, or of values_list() rows (tuples,
  or single values with flat=True), made as Django's ValuesListIterable and
  FlatValuesListIterable make them (the columns' converters applied).

On any other database (SQLite, for the embedded demo) a run simply evaluates the queryset.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django_scopes import scope

R = TypeVar("R")  # what a row makes: a model instance, a tuple or a value

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class IdArray(str):
    """Ids (UUIDs) as one PostgreSQL array literal, "{id,id,...}": the one parameter that
    scheduling.columns.any_id sends, cast to uuid[] in its SQL. The driver sends text without
    a type, so PostgreSQL takes the parameter to be a uuid[] and reads the literal once, when
    the statement is bound (no cast again for every row of a prepared statement's generic
    plan). Made from the ids' text as the rota reads it (UuidText, checked against the
    canonical form rather than parsed) it costs far less than a list of uuid.UUID, which the
    driver turns into an array one id at a time: at 300 ids, 1.5 ms to parse them and over a
    millisecond more to send them, for each query. True when it holds an id."""

    __slots__ = ()

    @classmethod
    def of(cls, ids: Iterable[object]) -> IdArray:
        """`ids`: UUIDs, their text (any form uuid.UUID reads), or saved rows; None is left
        out. A value that is not a UUID raises ValueError, as uuid.UUID does."""
        if isinstance(ids, IdArray):
            return ids
        texts = []
        for each in ids:
            value = getattr(each, "pk", each)
            if value is None:
                continue
            if type(value) is str and _CANONICAL_UUID.fullmatch(value):
                texts.append(value)
            else:
                texts.append(str(value if type(value) is uuid.UUID else uuid.UUID(str(value))))
        return cls("{" + ",".join(texts) + "}")

    def __bool__(self) -> bool:
        return len(self) > 2  # "{}" holds none

    def ids(self) -> list[str]:
        return self[1:-1].split(",") if self else []


ARGUMENT_TYPES = (str, int, uuid.UUID, dt.date)  # dt.datetime is a dt.date; IdArray is a str
# Samples for company_query: the company, ids (an IdArray, as any_id sends them) and two days.
SAMPLE_COMPANY = uuid.UUID("00000000-0000-7000-8000-00000000c0de")
SAMPLE_IDS = IdArray.of([uuid.UUID("00000000-0000-7000-8000-0000000001d5")])
SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY = dt.date(2000, 1, 3), dt.date(2000, 2, 7)
# The company a query is built in when it names none: no company has this id.
_NO_COMPANY = uuid.UUID("00000000-0000-7000-8000-00000000f00d")
_ARGUMENTS = "str, int, uuid.UUID, a date, an aware datetime or an IdArray"


class PreparedQueryError(RuntimeError):
    """A prepared query was defined or called in a way it cannot serve."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each SQL parameter: the argument's name that goes there, or None and the fixed value.
    slots: tuple[tuple[str | None, Any], ...]
    # Read-only after compiling, worked out once: the converters of the columns (applied with
    # the running thread's connection) and how a row makes an instance, as ModelIterable does.
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    db: str
    # What a row makes: "model" (an instance), "tuple" or "flat" (values_list()).
    kind: str
    # Rows carry columns past these (an ordering's, for DISTINCT): cut them off.
    col_count: int | None
    model: type[models.Model] | None
    names: list[str]  # the model's attnames, in the row's columns start:end
    start: int
    end: int
    populators: list[Any]  # select_related's objects (django's RelatedPopulator: stateless)
    annotations: dict[str, int]


def _check(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, ARGUMENT_TYPES):
        raise PreparedQueryError(f"arguments must be {_ARGUMENTS}, not {type(value)}")
    if isinstance(value, dt.datetime) and value.utcoffset() is None:
        raise PreparedQueryError("a datetime argument must have its time zone")


def _other(value: Any) -> Any:
    """A value of the same type that differs from `value` (ids: one id longer, so that an
    `__in` of one parameter per id, whose SQL depends on their number, is found out)."""
    _check(value)
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int ^ 1)
    if isinstance(value, IdArray):
        ids = value.ids()
        return IdArray.of([*ids, uuid.UUID(int=len(ids) + 1)])
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=1)
    return value + 1 if isinstance(value, int) else f"{value}\x01"


class PreparedQuery(Generic[R]):
    """`build(**samples)` compiled once; `run(**values)` executes it with other values."""

    def __init__(
        self,
        build: Callable[..., models.QuerySet[Any, R]],
        *,
        tenant: str | None = None,
        **samples: Any,
    ) -> None:
        if tenant is not None and type(samples.get(tenant)) is not uuid.UUID:
            raise PreparedQueryError(f"the company's argument {tenant} must be a uuid.UUID")
        self._build = build
        self._tenant = tenant
        self._samples = samples
        self._others = {name: _other(value) for name, value in samples.items()}
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def sql(self) -> str:
        return self._compile().sql

    def _compile(self) -> _Compiled:
        compiled = self._compiled
        if compiled is not None:
            return compiled
        with self._lock:
            if self._compiled is None:
                self._compiled = self._compile_now()
            return self._compiled

    def _built(self, values: dict[str, Any]) -> models.QuerySet[Any, R]:
        """The queryset of `values`, built in the scope of their company (see above)."""
        from tenancy.models import Tenant  # tenancy.models imports this module

        company = values[self._tenant] if self._tenant is not None else _NO_COMPANY
        with scope(tenant=Tenant(pk=company)):
            return self._build(**values)

    def _compile_now(self) -> _Compiled:
        queryset = self._built(self._samples)
        kind = _KINDS.get(queryset._iterable_class)
        if kind is None:  # values(), named values_list()...
            raise PreparedQueryError(
                "only querysets of model instances or of values_list() rows can be prepared"
            )
        private = vars(queryset)  # what ModelIterable would add that the SQL does not say
        if private.get("_prefetch_related_lookups") or private.get("_known_related_objects"):
            raise PreparedQueryError("prefetch_related and related managers are not prepared")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = tuple(_slot(value, self._samples) for value in params)
        if any(name is None and fixed == _NO_COMPANY for name, fixed in slots):
            raise PreparedQueryError(
                "a query of a company's rows must name the argument that is the company "
                "(tenant=...): its scope's filter would be fixed"
            )
        missing = set(self._samples) - {name for name, _ in slots if name is not None}
        if missing:
            raise PreparedQueryError(
                f"the samples {sorted(missing)} are not among the SQL's parameters as given"
            )
        # The same SQL, and each argument in the same places, with other values.
        other_sql, other_params = (
            self._built(self._others).query.get_compiler(using=queryset.db).as_sql()
        )
        other_slots = tuple(_slot(value, self._others) for value in other_params)
        if other_sql != sql or [n for n, _ in other_slots] != [n for n, _ in slots]:
            raise PreparedQueryError("the SQL or its parameters depend on the arguments' values")
        select, klass_info = compiler.select, compiler.klass_info
        fields = [column[0] for column in select[0 : compiler.col_count]]
        if compiler.has_composite_fields(fields):
            raise PreparedQueryError("composite primary keys are not prepared")
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        col_count = compiler.col_count if compiler.has_extra_select else None
        if kind != "model":
            return _Compiled(sql, slots, converters, queryset.db, kind, col_count, None, [], 0, 0,
                             [], {})  # fmt: skip
        if klass_info is None:  # a queryset of model instances always has it
            raise PreparedQueryError("only querysets of model instances can be prepared")
        columns = klass_info["select_fields"]
        start, end = columns[0], columns[-1] + 1
        return _Compiled(
            sql, slots, converters, queryset.db, kind, col_count, klass_info["model"],
            [column[0].target.attname for column in select[start:end]], start, end,
            # django-stubs describes Django 6, whose version takes a fetch mode too; 5.2's not.
            get_related_populators(klass_info, select, queryset.db),  # type: ignore[call-arg]
            dict(compiler.annotation_col_map or {}),
        )  # fmt: skip

    def run(self, **values: Any) -> list[R]:
        if values.keys() != self._samples.keys():
            raise PreparedQueryError(f"expected the arguments {sorted(self._samples)}")
        for name, value in values.items():
            if type(value) is not type(self._samples[name]):
                raise PreparedQueryError(
                    f"{name} must be a {type(self._samples[name]).__name__}, "
                    f"not a {type(value).__name__}"
                )
            _check(value)
        if connection.vendor != "postgresql":
            return list(self._build(**values))
        compiled = self._compile()
        params = [values[name] if name is not None else fixed for name, fixed in compiled.slots]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.kind == "model":
            return _instances(compiled, rows)
        return _values(compiled, rows)


def company_query(
    build: Callable[..., models.QuerySet[Any, R]], **samples: Any
) -> PreparedQuery[R]:
    """A PreparedQuery of a company's rows, whose company is the argument `tenant_id`."""
    return PreparedQuery(build, tenant="tenant_id", tenant_id=SAMPLE_COMPANY, **samples)


def company_queries(
    build: Callable[..., models.QuerySet[Any, R]], ids: str, **samples: Any
) -> dict[bool, PreparedQuery[R]]:
    """company_query of `build` without the argument `ids` (False) and with it (True): the ids
    (an IdArray) to filter by, for the reads of everyone's rows or of some people's only."""
    return {
        False: company_query(build, **samples),
        True: company_query(build, **samples, **{ids: SAMPLE_IDS}),
    }


_KINDS: dict[type[Any], str] = {
    ModelIterable: "model",
    ValuesListIterable: "tuple",
    FlatValuesListIterable: "flat",
}


def _slot(value: Any, samples: dict[str, Any]) -> tuple[str | None, Any]:
    for name, sample in samples.items():
        if type(value) is type(sample) and value == sample:
            return name, None
    return None, value


def _converted(compiled: _Compiled, fetched: Sequence[Any]) -> list[Any]:
    """A fetched row's values as the ORM gives them (SQLCompiler.apply_converters)."""
    row = list(fetched if compiled.col_count is None else fetched[: compiled.col_count])
    for position, functions, expression in compiled.converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row


def _values(compiled: _Compiled, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """values_list() rows, as ValuesListIterable (tuples) and FlatValuesListIterable make
    them: the columns' converters applied, those without any left as fetched."""
    made: Sequence[Sequence[Any]] = rows
    if compiled.converters or compiled.col_count is not None:
        made = [_converted(compiled, fetched) for fetched in rows]
    if compiled.kind == "flat":
        return [row[0] for row in made]
    return [row if type(row) is tuple else tuple(row) for row in made]


def _instances(compiled: _Compiled, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Model instances from `rows`, as django.db.models.query.ModelIterable makes them."""
    assert compiled.model is not None  # noqa: S101 - compiled for model instances
    made = []
    for fetched in rows:
        row = _converted(compiled, fetched)
        instance = compiled.model.from_db(
            compiled.db, compiled.names, row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotations.items():
            setattr(instance, name, row[position])
        made.append(instance)
    return made
