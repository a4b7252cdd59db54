"""Querysets compiled to SQL once per process, for the statements every tenant page runs.

Building and compiling a queryset is Python work that does not depend on its values: the
Membership look-up of every tenant page (a join, a subquery, the scope's filter) costs more to
compile than the trivial view costs to serve. A PreparedQuery builds its queryset once, with a
sample value for each argument, compiles it, and notes where each sample lands among the SQL's
parameters. Each run puts the real values there, executes the SQL on the default connection
(through Django's cursor, so the query log and the query-budget tests see it) and makes model
instances exactly as the ORM's ModelIterable does: the same converters, the related objects of
select_related, the annotations as attributes.

Only for querysets whose SQL does not depend on their values (no `__in` lists, no None that
turns into IS NULL): the sample must appear among the parameters as given, which is checked when
the query is compiled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connection, models
from django.db.models.query import ModelIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=models.Model)


class PreparedQueryError(RuntimeError):
    """A prepared query was defined or called in a way it cannot serve."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # For each SQL parameter: the argument's name that goes there, or None and the fixed value.
    slots: tuple[tuple[str | None, Any], ...]
    compiler: SQLCompiler
    db: str
    vendor: str


class PreparedQuery(Generic[M]):
    """`build(**samples)` compiled once; `run(**values)` executes it with other values."""

    def __init__(self, build: Callable[..., models.QuerySet[M]], **samples: Any) -> None:
        self._build = build
        self._samples = samples
        self._compiled: _Compiled | None = None
        self._lock = threading.Lock()

    def sql(self) -> str:
        return self._compile().sql

    def _compile(self) -> _Compiled:
        compiled = self._compiled
        if compiled is not None and compiled.vendor == connection.vendor:
            return compiled
        with self._lock:
            queryset = self._build(**self._samples)
            if queryset._iterable_class is not ModelIterable:  # values(), values_list()...
                raise PreparedQueryError("only querysets of model instances can be prepared")
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            slots = tuple(self._slot(value) for value in params)
            missing = set(self._samples) - {name for name, _ in slots if name is not None}
            if missing:
                raise PreparedQueryError(
                    f"the samples {sorted(missing)} are not among the SQL's parameters as given"
                )
            self._compiled = _Compiled(sql, slots, compiler, queryset.db, connection.vendor)
            return self._compiled

    def _slot(self, value: Any) -> tuple[str | None, Any]:
        for name, sample in self._samples.items():
            if type(value) is type(sample) and value == sample:
                return name, None
        return None, value

    def run(self, **values: Any) -> list[M]:
        if values.keys() != self._samples.keys():
            raise PreparedQueryError(f"expected the arguments {sorted(self._samples)}")
        for name, value in values.items():
            if type(value) is not type(self._samples[name]):
                raise PreparedQueryError(
                    f"{name} must be a {type(self._samples[name]).__name__}, "
                    f"not a {type(value).__name__}"
                )
        compiled = self._compile()
        params = [values[name] if name is not None else fixed for name, fixed in compiled.slots]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return _instances(compiled.compiler, compiled.db, rows)


def _instances(compiler: SQLCompiler, db: str, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Model instances from `rows`, as django.db.models.query.ModelIterable makes them."""
    if not rows:
        return []
    select, klass_info = compiler.select, compiler.klass_info
    if klass_info is None:  # a queryset of model instances always has it
        raise PreparedQueryError("only querysets of model instances can be prepared")
    model = klass_info["model"]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    names = [column[0].target.attname for column in select[start:end]]
    # django-stubs describes Django 6, whose version takes a fetch mode too; 5.2's does not.
    populators = get_related_populators(klass_info, select, db)  # type: ignore[call-arg]
    annotations = compiler.annotation_col_map or {}
    made = []
    for row in compiler.results_iter(results=[list(rows)]):
        instance = model.from_db(db, names, row[start:end])
        for populator in populators:
            populator.populate(row, instance)
        for name, position in annotations.items():
            setattr(instance, name, row[position])
        made.append(instance)
    return made
