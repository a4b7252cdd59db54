"""SQL expressions for reads that return plain values: ids as text and times as epoch seconds,
which the busy pages read by the thousand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, FloatField, Func, Q

from tenancy.columns import UuidText as UuidText  # the scheduling reads' ids as text
from tenancy.prepared import IdArray


class Epoch(Func):
    """A timestamp as seconds since 1970 UTC, a double precision number (exact to the
    microsecond for these dates). Django reads each timestamp with a parser written in Python,
    which was a tenth of the rota's time; the database driver reads floats in C, and
    `from_epoch` turns them back into the same datetimes."""

    output_field = FloatField()
    template = "date_part('epoch', %(expressions)s)"

    def get_db_converters(self, connection: Any) -> list[Any]:
        # Not Django's float() of every value: the driver's is a float already.
        return self.output_field.get_db_converters(connection)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as UTC text, "YYYY-MM-DD HH:MM:SS" then ".ffffff" when not whole seconds.
        return self.as_sql(
            compiler,
            connection,
            # "%%%%s" is strftime's "%s" once this template and then the SQLite backend
            # (which reads "%s" as a parameter) have each unescaped it.
            template="(CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
            " + COALESCE(CAST(substr(%(expressions)s, 20) AS REAL), 0.0))",
            **extra,
        )


def from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def id_columns(text_ids: bool, *names: str) -> list[Any]:
    """`names`, each as UuidText when `text_ids` (the caller knows which are UUID columns)."""
    return [UuidText(name) if text_ids else name for name in names]


class _AnyUuid(Func):
    """`column = ANY(%s::uuid[])`: the ids sent as one parameter, an array literal (IdArray).
    Django's `__in` makes a parameter of each id, and checks and converts each one in Python
    (four calls an id: at the rota's few hundred ids, a tenth of a page's Python). The
    statement's text is the same however many ids there are. The parameter is read as a uuid[]
    when the statement is bound, not cast again for every row (tenancy.prepared.IdArray)."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: IdArray) -> None:
        super().__init__(F(column))
        self.ids = ids

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"{sql} = ANY(%s::uuid[])", (*params, self.ids)


def any_id(column: str, ids: Iterable[object]) -> Q:
    """A filter: `column` (a UUID column) is one of `ids` (an IdArray, or UUIDs, their text,
    or saved rows; None is left out, as `__in` leaves it out). On PostgreSQL one array
    parameter (_AnyUuid); elsewhere (SQLite, the embedded demo database) Django's `__in`.
    For filtering in, not for `~` (a NULL column would be left out of the negation)."""
    array = IdArray.of(ids)
    if connection.vendor != "postgresql" or not array:  # none: Django runs no query at all
        return Q(**{f"{column}__in": array.ids()})
    return Q(_AnyUuid(column, array))


@contextmanager
def planned_each_time() -> Iterator[None]:
    """The queries run inside are not prepared (settings: DATABASE_PREPARED_STATEMENTS), but
    planned with their parameters' values each time: for the reads that send a long list of
    ids (the rota's rows: a few hundred people's). A prepared statement's generic plan knows
    no values, and PostgreSQL then builds the array of every id in `IN (...)` again for each
    row it filters and searches it from the start: at 300 people 25 ms for the shifts, where
    planning with the values (a hashed look-up) costs 1 ms and reading them 4 ms. No query is
    added; without prepared statements (SQLite, a pooler) nothing changes."""
    connection.ensure_connection()
    driver = connection.connection
    threshold = getattr(driver, "prepare_threshold", None)
    if threshold is None:
        yield
        return
    driver.prepare_threshold = None  # psycopg: neither prepare nor use a prepared statement
    try:
        yield
    finally:
        driver.prepare_threshold = threshold
