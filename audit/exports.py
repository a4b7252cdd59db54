"""Streaming exports of the audit log: CSV and JSON Lines, with flat memory whatever the size.
Each entry keeps its code and every recorded value, and carries its label, category and sentence
from the catalogue (audit.sentences), described a chunk at a time."""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterator
from typing import Any

from audit.selectors import audit_entries
from audit.sentences import Describer, EntryFacts
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
CHUNK = 1000


def _rows(tenant: Tenant, filters: dict[str, Any]) -> Iterator[dict[str, Any]]:
    # The response is streamed after the view returns, so the rows are read in a tenant context
    # of their own, through a server-side cursor, a chunk at a time; each chunk is described
    # at once (its people's and sites' names in one query each).
    read = COLUMNS + [f for f in EntryFacts.FIELDS if f not in COLUMNS]
    with tenant_context(tenant):
        rows = audit_entries(tenant, filters).values(*read).iterator(chunk_size=CHUNK)
        describer = Describer(tenant)  # one for the export: what it has worded, it keeps
        while chunk := list(itertools.islice(rows, CHUNK)):
            words = describer.describe([EntryFacts.from_row(row) for row in chunk])
            for row, said in zip(chunk, words, strict=True):
                row.update(label=said.label, category=said.category, sentence=said.sentence)
                yield row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def csv_lines(tenant: Tenant, filters: dict[str, Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(EXPORT_COLUMNS)
    yield flush()
    for row in _rows(tenant, filters):
        writer.writerow([safe_cell(_text(row[column])) for column in EXPORT_COLUMNS])
        yield flush()


def safe_cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to spreadsheet programs (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def jsonl_lines(tenant: Tenant, filters: dict[str, Any]) -> Iterator[str]:
    for row in _rows(tenant, filters):
        yield (
            json.dumps(
                {column: _json(row[column]) for column in EXPORT_COLUMNS}, ensure_ascii=False
            )
            + "\n"
        )


def _json(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool, dict, list)):
        return str(value)
    return value
