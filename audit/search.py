"""The audit log's text search. Each word typed must begin a word of the entry's object or of the
actor's email, or be part of the code or the label of the entry's event ("published" finds the
entries labelled "Rota published"); an object's id (a UUID) finds the entries about that object.

On PostgreSQL the entries' words are kept in `SearchWord` by triggers (migration 0003) and each
word typed is a range of that table's B-tree, walked under row-level security (its operators are
leakproof: docs/design.md). Elsewhere (the embedded demo database) the same rule is approximated
with `icontains` on the columns."""

from __future__ import annotations

import re
import uuid

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from audit.catalogue import all_events
from audit.models import AuditEntry, SearchWord

WORD = re.compile(r"\w+")
LONGEST = 64  # characters kept of a word (the column's length)
MOST_WORDS = 8  # words a search may have
# Above every character: the words starting with `p` are those in [p, p + TOP).
TOP = "\U0010ffff"


def words(text: str | None) -> list[str]:
    """The words of `text` as the search sees them, each once, in order: lower-cased runs of
    letters, digits and `_`, cut to 64 characters (the SQL function audit_entry_words() in
    migration 0003 splits an entry's text the same way)."""
    found: dict[str, None] = {}
    for word in WORD.findall((text or "").lower()):
        found.setdefault(word[:LONGEST], None)
    return list(found)


def entry_words(entry: AuditEntry) -> set[str]:
    """What the triggers store for one entry (the tests compare it with the table)."""
    found = set(words(f"{entry.object_repr or ''} {entry.actor_email or ''}"))
    if entry.event:
        found.add(entry.event.lower()[:LONGEST])
    return found


def event_codes(word: str) -> list[str]:
    """The catalogue's codes whose code or label (in the active language) contains `word`."""
    return [
        info.code for info in all_events()
        if word in info.code.lower() or word in info.label.casefold()
    ]  # fmt: skip


def object_id(text: str) -> str | None:
    """The id of an object, when `text` is a UUID (as entries record it), else None."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return None


def matching(
    entries: QuerySet[AuditEntry], tenant_id: uuid.UUID, text: str
) -> QuerySet[AuditEntry]:
    """`entries` narrowed to those matching `text`."""
    about = object_id(text)
    if about is not None:
        return entries.filter(object_pk=about)
    for word in words(text)[:MOST_WORDS]:
        codes = event_codes(word)
        if connection.vendor == "postgresql":
            begins = Q(word__gte=word, word__lt=word + TOP)
            found = SearchWord.objects.filter(tenant_id=tenant_id, sequence=OuterRef("sequence"))
            entries = entries.filter(Exists(found.filter(begins | Q(word__in=codes))))
        else:
            contains = Q(object_repr__icontains=word) | Q(actor_email__icontains=word)
            entries = entries.filter(contains | Q(event__in=codes))
    return entries
