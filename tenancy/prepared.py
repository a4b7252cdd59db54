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
- arguments of the types PostgreSQL's driver takes as they are (str, int, uuid.UUID), which
  the ORM passes on unchanged: a run binds its values without the field's get_db_prep_value;
- SQL that does not depend on the values: the queryset is compiled with the samples and again
  with other values of the same types, and both must give the same SQL with each argument in
  the same places (so no `__in` list, no None that turns into IS NULL, no lookup that rewrites
  its value, and no fixed parameter that merely equals a sample);
- a queryset of model instances, without prefetch_related.

On any other database (SQLite, for the embedded demo) a run simply evaluates the queryset.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models.query import ModelIterable, get_related_populators

M = TypeVar("M", bound=models.Model)

ARGUMENT_TYPES = (str, int, uuid.UUID)


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
    model: type[models.Model]
    names: list[str]  # the model's attnames, in the row's columns start:end
    start: int
    end: int
    populators: list[Any]  # select_related's objects (django's RelatedPopulator: stateless)
    annotations: dict[str, int]


def _other(value: Any) -> Any:
    """A value of the same type that differs from `value`."""
    if isinstance(value, uuid.UUID):
        return uuid.UUID(int=value.int ^ 1)
    if isinstance(value, bool) or not isinstance(value, ARGUMENT_TYPES):
        raise PreparedQueryError(f"arguments must be str, int or uuid.UUID, not {type(value)}")
    return value + 1 if isinstance(value, int) else f"{value}\x01"


class PreparedQuery(Generic[M]):
    """`build(**samples)` compiled once; `run(**values)` executes it with other values."""

    def __init__(self, build: Callable[..., models.QuerySet[M]], **samples: Any) -> None:
        self._build = build
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

    def _compile_now(self) -> _Compiled:
        queryset = self._build(**self._samples)
        if queryset._iterable_class is not ModelIterable:  # values(), values_list()...
            raise PreparedQueryError("only querysets of model instances can be prepared")
        private = vars(queryset)  # what ModelIterable would add that the SQL does not say
        if private.get("_prefetch_related_lookups") or private.get("_known_related_objects"):
            raise PreparedQueryError("prefetch_related and related managers are not prepared")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = tuple(_slot(value, self._samples) for value in params)
        missing = set(self._samples) - {name for name, _ in slots if name is not None}
        if missing:
            raise PreparedQueryError(
                f"the samples {sorted(missing)} are not among the SQL's parameters as given"
            )
        # The same SQL, and each argument in the same places, with other values.
        other_sql, other_params = (
            self._build(**self._others).query.get_compiler(using=queryset.db).as_sql()
        )
        other_slots = tuple(_slot(value, self._others) for value in other_params)
        if other_sql != sql or [n for n, _ in other_slots] != [n for n, _ in slots]:
            raise PreparedQueryError("the SQL or its parameters depend on the arguments' values")
        select, klass_info = compiler.select, compiler.klass_info
        if klass_info is None:  # a queryset of model instances always has it
            raise PreparedQueryError("only querysets of model instances can be prepared")
        fields = [column[0] for column in select[0 : compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        columns = klass_info["select_fields"]
        start, end = columns[0], columns[-1] + 1
        return _Compiled(
            sql, slots, converters, queryset.db, klass_info["model"],
            [column[0].target.attname for column in select[start:end]], start, end,
            # django-stubs describes Django 6, whose version takes a fetch mode too; 5.2's not.
            get_related_populators(klass_info, select, queryset.db),  # type: ignore[call-arg]
            dict(compiler.annotation_col_map or {}),
        )  # fmt: skip

    def run(self, **values: Any) -> list[M]:
        if values.keys() != self._samples.keys():
            raise PreparedQueryError(f"expected the arguments {sorted(self._samples)}")
        for name, value in values.items():
            if type(value) is not type(self._samples[name]):
                raise PreparedQueryError(
                    f"{name} must be a {type(self._samples[name]).__name__}, "
                    f"not a {type(value).__name__}"
                )
        if connection.vendor != "postgresql":
            return list(self._build(**values))
        compiled = self._compile()
        params = [values[name] if name is not None else fixed for name, fixed in compiled.slots]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _instances(compiled, rows)


def _slot(value: Any, samples: dict[str, Any]) -> tuple[str | None, Any]:
    for name, sample in samples.items():
        if type(value) is type(sample) and value == sample:
            return name, None
    return None, value


def _instances(compiled: _Compiled, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Model instances from `rows`, as django.db.models.query.ModelIterable makes them."""
    made = []
    for fetched in rows:
        row = list(fetched)
        for position, functions, expression in compiled.converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        instance = compiled.model.from_db(
            compiled.db, compiled.names, row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, instance)
        for name, position in compiled.annotations.items():
            setattr(instance, name, row[position])
        made.append(instance)
    return made
