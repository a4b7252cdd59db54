"""The audit log exported at the database's speed: every stored column and the entry's label and
category, without the sentence, written by PostgreSQL itself (`COPY (query) TO STDOUT`) and
streamed to the response a block at a time, so a million entries take seconds and the memory
stays flat. The sentence needs Python for each entry (names, dates, the catalogue's templates),
which is what makes the described export slower; tools that read the log (a SIEM, a
spreadsheet's pivot) rarely need it.

The query is the auditor's filtered query (audit.selectors.audit_entries, the same rows in the
same order), run in the tenant's context, so row-level security applies to the COPY as to any
SELECT. The labels and categories come from the catalogue in the reader's language, passed as
one JSON parameter and looked up per row. Values are as the database writes them: the time in
UTC as ISO 8601 with microseconds, the JSON columns in PostgreSQL's JSON text. In the CSV, a cell
that a spreadsheet would take for a formula is prefixed with an apostrophe, as in the described
export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
from django.db import connection

from audit.catalogue import all_events
from audit.exports import EXPORT_COLUMNS
from audit.selectors import audit_entries
from tenancy.context import tenant_context
from tenancy.models import Tenant

RAW_COLUMNS = [name for name in EXPORT_COLUMNS if name != "sentence"]
JSON_COLUMNS = ("changes", "additional_data")
# COPY's CSV quoting needs a quote and a delimiter that never occur in a value: JSON text escapes
# every control character, so \x01 and \x02 never appear raw and each line is the JSON as is.
_JSON_LINES = "FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02'"
_FORMULA_START = "('=', '+', '-', '@', E'\\t', E'\\r')"
_ISO = 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'


def _column(name: str) -> str:
    """One exported column of the filtered rows `e`, named as in the export."""
    if name == "timestamp":
        value = f"to_char(e.\"timestamp\" AT TIME ZONE 'UTC', '{_ISO}')"
    elif name in ("label", "category"):
        # A code the catalogue does not know reads as itself, with no category (as described).
        fallback = "e.event" if name == "label" else "''"
        value = f"coalesce(w.entry -> e.event ->> {0 if name == 'label' else 1}, {fallback})"
    elif name == "remote_addr":
        value = "host(e.remote_addr)"  # an address without its /32 (inet's text)
    elif name in JSON_COLUMNS or name == "sequence":
        value = f'e."{name}"'  # numbers and JSON as they are, for JSON Lines
    else:
        value = f'e."{name}"::text'
    return f'{value} AS "{name}"'


def _csv_cell(name: str) -> str:
    value = f'r."{name}"::text'
    return f"CASE WHEN left({value}, 1) IN {_FORMULA_START} THEN '''' || {value} ELSE {value} END"


def _catalogue() -> str:
    """Each code's label and category in the current language, as one JSON object."""
    return json.dumps(
        {
            info.code: [info.label, str(info.category.label) if info.category else ""]
            for info in all_events()
        }
    )


def _statement(tenant: Tenant, filters: dict[str, Any], fmt: str) -> str:
    stored = [name for name in RAW_COLUMNS if name not in ("label", "category")]
    inner, params = audit_entries(tenant, filters).values_list(*stored).query.sql_with_params()
    # COPY takes no bind parameters: the filter's values are written into the statement as
    # literals by psycopg's own quoting (its % signs kept for the second pass), then the
    # catalogue's JSON likewise.
    client = psycopg.ClientCursor(connection.connection)
    inner_sql = client.mogrify(inner, params).replace("%", "%%")
    columns = ", ".join(_column(name) for name in RAW_COLUMNS)
    rows = (
        f"SELECT {columns} FROM ({inner_sql}) AS e, (SELECT %(words)s::jsonb AS entry) AS w "  # noqa: S608 - built from this module's column names and psycopg's literals
        "ORDER BY e.sequence DESC"
    )
    if fmt == "csv":
        cells = ", ".join(f'{_csv_cell(name)} AS "{name}"' for name in RAW_COLUMNS)
        query, options = f"SELECT {cells} FROM ({rows}) AS r", "FORMAT csv, HEADER"  # noqa: S608
    else:
        query, options = f"SELECT row_to_json(r)::text FROM ({rows}) AS r", _JSON_LINES  # noqa: S608
    return client.mogrify(f"COPY ({query}) TO STDOUT ({options})", {"words": _catalogue()})


def raw_lines(tenant: Tenant, filters: dict[str, Any], fmt: str) -> Iterator[bytes]:
    """The export as PostgreSQL writes it, a block at a time (fmt: csv or jsonl)."""
    with tenant_context(tenant):
        connection.ensure_connection()
        statement = _statement(tenant, filters, fmt)
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for block in copy:
                yield bytes(block)
