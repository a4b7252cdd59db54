"""Streaming exports of the audit log: CSV and JSON Lines, with flat memory whatever the size.
Each entry keeps its code and every recorded value, and carries its label, category and sentence
from the catalogue (audit.sentences), described a chunk at a time.

The rows are read through a server-side cursor a chunk at a time as plain tuples (no model
field converters: the two JSON columns are parsed once, here), each column is formatted by a
function chosen once for it, and a chunk is sent as one piece of the response, not a row at a
time (each piece is a write to the socket)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from django.db import connection

from audit.selectors import audit_entries
from audit.sentences import Describer, EntryFacts, Words
from tenancy.context import tenant_context
from tenancy.models import Tenant

# What an entry stores (the archive ships these), and what an export adds after the code.
COLUMNS = [
    "sequence", "timestamp", "event", "actor_id", "actor_email", "membership_id", "target_type",
    "object_pk", "object_repr", "changes", "additional_data", "remote_addr", "user_agent", "cid",
    "prev_hash", "entry_hash",
]  # fmt: skip
WORDS = ["label", "category", "sentence"]
EXPORT_COLUMNS = [*COLUMNS[:3], *WORDS, *COLUMNS[3:]]
CHUNK = 2000  # rows fetched, described and sent at a time
JSON_COLUMNS = frozenset({"changes", "additional_data"})
READ = COLUMNS + [f for f in EntryFacts.FIELDS if f not in COLUMNS]
_AT = {name: n for n, name in enumerate(READ)}
_FACTS = [_AT[name] for name in EntryFacts.FIELDS]
_JSON_AT = [_AT[name] for name in READ if name in JSON_COLUMNS]
_WORDS_AT = {name: n for n, name in enumerate(WORDS)}


def _chunks(tenant: Tenant, filters: dict[str, Any]) -> Iterator[list[tuple[list[Any], Words]]]:
    # The response is streamed after the view returns, so the rows are read in a tenant context
    # of their own, and each chunk is described at once (its people's and sites' names in one
    # query each).
    with tenant_context(tenant):
        query = audit_entries(tenant, filters).values_list(*READ)
        sql, params = query.query.sql_with_params()
        describer = Describer(tenant)  # one for the export: what it has worded, it keeps
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                values = [_decoded(row) for row in rows]
                facts = [EntryFacts(*(row[n] for n in _FACTS)) for row in values]
                yield list(zip(values, describer.describe(facts), strict=True))


def _decoded(row: tuple[Any, ...]) -> list[Any]:
    values = list(row)
    for n in _JSON_AT:
        if isinstance(values[n], str):
            values[n] = json.loads(values[n])
    return values


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


def _instant(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.datetime) else _text(value)


def _cells() -> list[tuple[bool, int, Callable[[Any], str]]]:
    """For each exported column: whether it is a word, where its value is, how it is written."""
    cells: list[tuple[bool, int, Callable[[Any], str]]] = []
    for name in EXPORT_COLUMNS:
        if name in _WORDS_AT:
            cells.append((True, _WORDS_AT[name], _plain))
        elif name == "timestamp":
            cells.append((False, _AT[name], _instant))
        elif name in JSON_COLUMNS:
            cells.append((False, _AT[name], _text))
        else:
            cells.append((False, _AT[name], _plain))
    return cells


def csv_lines(tenant: Tenant, filters: dict[str, Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    cells = _cells()
    writer.writerow(EXPORT_COLUMNS)
    yield flush()
    for chunk in _chunks(tenant, filters):
        rows = []
        for values, said in chunk:
            words = (said.label, said.category, said.sentence)
            rows.append([safe_cell(write(words[at] if word else values[at]))
                         for word, at, write in cells])  # fmt: skip
        writer.writerows(rows)
        yield flush()


def safe_cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def jsonl_lines(tenant: Tenant, filters: dict[str, Any]) -> Iterator[str]:
    cells = [(name in _WORDS_AT, _WORDS_AT.get(name, _AT.get(name, 0)), name)
             for name in EXPORT_COLUMNS]  # fmt: skip
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    for chunk in _chunks(tenant, filters):
        lines = []
        for values, said in chunk:
            words = (said.label, said.category, said.sentence)
            lines.append(dumps({name: words[at] if word else _json(values[at])
                                for word, at, name in cells}))  # fmt: skip
        yield "\n".join(lines) + "\n"


def _json(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
