"""SQL expressions for reads that return plain values, shared by the apps above tenancy (the
audit log's people, the scheduling pages: scheduling/columns.py)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Func


class UuidText(Func):
    """A UUID column as text, as `str(uuid)` writes it. The rota keys its thousands of rows by
    id: a string hashes and compares in C (and is no object for the garbage collector to
    trace), where every dictionary lookup by `uuid.UUID` runs Python code."""

    output_field = CharField()
    template = "%(expressions)s::text"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # Stored as 32 hexadecimal digits: put the dashes in.
        parts = " || '-' || ".join(
            f"substr(%(expressions)s, {start}, {length})"
            for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        )
        return self.as_sql(compiler, connection, template=parts, **extra)
