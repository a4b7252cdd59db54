"""Reads for the auditor's pages and exports, with keyset pagination by sequence."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import zoneinfo
from typing import Any

from django.db.models import QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.catalogue import Category
from audit.catalogue import all_events, codes_in, target_types
from audit.models import AuditEntry
from audit.search import matching
from audit.sentences import Person
from tenancy.models import Tenant
from tenancy.prepared import company_query
from tenancy.widgets import Choices

PAGE_SIZE = 50


def filter_choices(people: list[Person]) -> dict[str, Choices]:
    """Choices for the filter, in words, each list with its "any" first: the tenant's people
    (read by the caller, who also names them in the sentences), and the catalogue's categories,
    events and object types, so no scan of a large log is needed."""
    anyone = [("", str(_("Anyone")))]
    return {"people": Choices(anyone + [(p.user_id, p.name) for p in people]),
            **_catalogue_choices(get_language() or "")}  # fmt: skip


@functools.lru_cache(maxsize=16)
def _catalogue_choices(language: str) -> dict[str, Choices]:
    """The catalogue's choices in one language: they depend on nothing else (the catalogue is
    fixed once the apps are ready), so each process words them, and writes their options, once
    per language rather than translating and escaping over 200 labels for every request."""
    events: dict[str, list[tuple[str, str]]] = {}
    for info in all_events():
        if info.category is not None:
            events.setdefault(str(info.category.label), []).append((info.code, info.label))
    types = sorted(target_types().items(), key=lambda item: item[1])
    categories = [(str(c), str(c.label)) for c in Category]
    return {
        "categories": Choices([("", str(_("Any category"))), *categories]),
        "events": Choices([("", str(_("Any event"))), *events.items()]),
        "target_types": Choices([("", str(_("Any type"))), *types]),
    }


def audit_entries(tenant: Tenant, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    """The tenant's entries matching `filters`, newest first. Every filter narrows an index that
    leads with tenant_id; pages are cut by sequence (keyset), never by OFFSET."""
    entries = AuditEntry.objects.filter(tenant=tenant)
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    if filters.get("date_from"):
        start = dt.datetime.combine(filters["date_from"], dt.time.min, tzinfo=zone)
        entries = entries.filter(sequence__gte=_first_from(tenant, start), timestamp__gte=start)
    if filters.get("date_to"):
        end = dt.datetime.combine(
            filters["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=zone
        )
        entries = entries.filter(sequence__lte=_last_before(tenant, end), timestamp__lt=end)
    if filters.get("actor"):
        entries = entries.filter(actor_id=filters["actor"])
    if filters.get("category"):
        entries = entries.filter(event__in=codes_in(filters["category"]))
    if filters.get("event"):
        entries = entries.filter(event=filters["event"])
    if filters.get("target_type"):
        entries = entries.filter(target_type=filters["target_type"])
    if filters.get("q"):
        entries = matching(entries, tenant.pk, filters["q"])
    return entries.order_by("-sequence")


def _first_from(tenant: Tenant, instant: dt.datetime) -> Subquery:
    """The sequence of the tenant's first entry at or after `instant` (NULL if none): one step
    down the (tenant_id, timestamp) index. A tenant's entries are timestamped in chain order
    (AuditEntry._link_and_save), so every entry from `instant` on has at least this sequence."""
    first = AuditEntry.objects.filter(tenant=tenant, timestamp__gte=instant)
    return Subquery(first.order_by("timestamp", "sequence").values("sequence")[:1])


def _last_before(tenant: Tenant, instant: dt.datetime) -> Subquery:
    """The sequence of the tenant's last entry before `instant` (NULL if none)."""
    last = AuditEntry.objects.filter(tenant=tenant, timestamp__lt=instant)
    return Subquery(last.order_by("-timestamp", "-sequence").values("sequence")[:1])


def _newest(tenant_id: uuid.UUID) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(tenant_id=tenant_id).order_by("-sequence")[: PAGE_SIZE + 1]


# The log's first page without a filter, which every visit to it opens with: compiled once per
# process (tenancy/prepared.py), as audit_entries builds it with no filter.
_NEWEST = company_query(_newest)


def audit_page(tenant: Tenant, filters: dict[str, Any]) -> tuple[list[AuditEntry], int | None]:
    """One page of entries and the sequence to continue before (None on the last page)."""
    if not any(filters.values()):
        rows = _NEWEST.run(tenant_id=tenant.pk)
    else:
        entries = audit_entries(tenant, filters)
        if filters.get("before"):
            entries = entries.filter(sequence__lt=filters["before"])
        rows = list(entries[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].sequence if more and rows else None)
