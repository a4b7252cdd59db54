"""The audit log at scale: date filters as bounds on the sequence number."""

from __future__ import annotations

import datetime as dt
import os
import random
import uuid
import zoneinfo
from typing import Any

import dj_database_url
import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from audit.models import AuditEntry
from audit.selectors import audit_entries, audit_page
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"  # away from UTC, with a daylight-saving change inside the log
# The seeded instants lie years ahead, so they follow the entries the fixtures write now.


def _seed(tenant: Tenant, stamps: list[dt.datetime]) -> None:
    """Entries in chain order with the given (non-decreasing) instants; chain fields are
    placeholders, as in the paging tests."""
    ctype = ContentType.objects.get_for_model(Role)
    with tenant_context(tenant):
        start = (AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True)
                 .first() or 0)  # fmt: skip
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    tenant=tenant, sequence=start + n + 1, event="role.updated", action=1,
                    target_type="tenancy.role", content_type=ctype, object_pk=str(uuid.uuid4()),
                    object_repr=f"Role {n}", timestamp=stamp, changes_digest="0" * 64,
                    entry_hash="0" * 64, actor_email="bulk@alpha.test",
                )
                for n, stamp in enumerate(stamps)
            ],
            batch_size=1000,
        )  # fmt: skip


def _months_of_entries(tenant: Tenant) -> list[dt.datetime]:
    """About four months of entries at random instants, with entries exactly at local
    midnight, a microsecond either side of it, and several sharing one instant."""
    zone = zoneinfo.ZoneInfo(ZONE)
    rng = random.Random(21)
    first = dt.datetime(2030, 1, 10, tzinfo=zone)
    stamps = [first + dt.timedelta(seconds=rng.randrange(120 * 86400)) for _ in range(600)]
    for day in (
        dt.date(2030, 2, 1),
        dt.date(2030, 3, 10),
        dt.date(2030, 3, 11),
        dt.date(2030, 4, 1),
    ):
        midnight = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        tick = dt.timedelta(microseconds=1)
        stamps += [midnight - tick, midnight, midnight, midnight, midnight + tick]
    stamps.sort()
    _seed(tenant, stamps)
    return stamps


def _old_filter(tenant: Tenant, filters: dict[str, Any]) -> list[int]:
    """The filtering before sequence bounds: on the entries' instants only."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    entries = AuditEntry.objects.filter(tenant=tenant)
    if filters.get("date_from"):
        start = dt.datetime.combine(filters["date_from"], dt.time.min, tzinfo=zone)
        entries = entries.filter(timestamp__gte=start)
    if filters.get("date_to"):
        end = dt.datetime.combine(filters["date_to"] + dt.timedelta(days=1), dt.time.min,
                                  tzinfo=zone)  # fmt: skip
        entries = entries.filter(timestamp__lt=end)
    return list(entries.order_by("-sequence").values_list("sequence", flat=True))


def test_date_bounds_as_sequence_bounds_give_the_same_entries(tenant_a: Tenant) -> None:
    tenant_a.time_zone = ZONE
    tenant_a.save()
    _months_of_entries(tenant_a)
    day = dt.date
    ranges: list[dict[str, Any]] = [
        {"date_from": day(2030, 2, 1), "date_to": day(2030, 2, 1)},  # edges at both midnights
        {"date_from": day(2030, 1, 31), "date_to": day(2030, 1, 31)},  # ends a tick before one
        {"date_from": day(2030, 3, 10), "date_to": day(2030, 3, 10)},  # the day clocks go forward
        {"date_from": day(2030, 3, 11)},
        {"date_to": day(2030, 3, 10)},
        {"date_from": day(2030, 2, 15), "date_to": day(2030, 4, 1)},
        {"date_from": day(2029, 11, 1), "date_to": day(2029, 11, 30)},  # before the log: empty
        {"date_from": day(2030, 9, 1)},  # after the log: empty
        {"date_to": day(2029, 12, 31)},  # only what the fixtures wrote today
        {"date_from": day(2029, 1, 1), "date_to": day(2031, 1, 1)},  # all the seeded months
    ]
    rng = random.Random(3)
    for _ in range(40):
        start = day(2030, 1, 1) + dt.timedelta(days=rng.randrange(140))
        ranges.append({"date_from": start, "date_to": start + dt.timedelta(days=rng.randrange(9))})
    with tenant_context(tenant_a):
        assert AuditEntry.objects.filter(event="role.updated").count() == 620
        nonempty = 0
        for filters in ranges:
            expected = _old_filter(tenant_a, filters)
            got = list(audit_entries(tenant_a, filters).values_list("sequence", flat=True))
            assert got == expected, filters
            nonempty += bool(expected)
        assert nonempty > 30  # the comparison is not between empty lists
        # Midnight belongs to the day it starts: the three entries at 1 February 00:00 local
        # and the one a tick after are in 1 February, the one a tick before is not.
        one_day = {"date_from": day(2030, 2, 1), "date_to": day(2030, 2, 1)}
        rows, _ = audit_page(tenant_a, one_day)
        stamps = [row.timestamp for row in rows]
        midnight = dt.datetime(2030, 2, 1, tzinfo=zoneinfo.ZoneInfo(ZONE))
        assert stamps.count(midnight) == 3
        assert min(stamps) == midnight


def test_a_date_range_with_no_entries_inside_a_busy_log_is_empty(tenant_a: Tenant) -> None:
    zone = zoneinfo.ZoneInfo(tenant_a.time_zone)
    before = dt.datetime(2030, 1, 5, 12, tzinfo=zone)
    after = dt.datetime(2030, 1, 9, 12, tzinfo=zone)
    _seed(tenant_a, [before, before, after])
    with tenant_context(tenant_a):
        filters = {"date_from": dt.date(2030, 1, 6), "date_to": dt.date(2030, 1, 8)}
        assert list(audit_entries(tenant_a, filters)) == []
        assert _old_filter(tenant_a, filters) == []


def test_an_entry_is_never_stamped_before_the_one_it_follows(tenant_a: Tenant) -> None:
    """A writer that read the clock before another took the chain lock gets its
    predecessor's instant, so instants never decrease along the chain."""
    ctype = ContentType.objects.get_for_model(Role)
    later = dt.datetime(2030, 5, 2, 9, tzinfo=dt.UTC)
    with tenant_context(tenant_a):
        fields = {"action": 1, "content_type": ctype, "object_pk": "1", "event": "role.updated"}
        AuditEntry(timestamp=later, **fields).save()
        late = AuditEntry(timestamp=later - dt.timedelta(seconds=2), **fields)
        late.save()
        ordered = list(AuditEntry.objects.order_by("sequence").values_list("timestamp", flat=True))
    assert late.timestamp == later
    assert ordered == sorted(ordered)
    assert ordered[-1] == later


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _analyze() -> None:
    """Fresh planner statistics for the audit table. ANALYZE is the table owner's, and the tests
    run as the application role: the owner runs it on a connection of its own, which sees the
    rows because the calling test commits them."""
    owner_url = os.environ.get("DATABASE_OWNER_URL")
    if not owner_url:  # one role for everything: it owns the table
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditentry")
        return
    owner = dj_database_url.parse(owner_url)
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None, port=settings["PORT"] or None, dbname=settings["NAME"],
        user=owner["USER"], password=owner.get("PASSWORD") or None, autocommit=True,
    ) as owner_connection:  # fmt: skip
        owner_connection.execute("ANALYZE audit_auditentry")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_date_range_walks_the_sequence_index_however_far_back(tenant_a: Tenant) -> None:
    """With the statistics of a large log, the page's query starts at the range's last sequence
    in the (tenant_id, sequence) index (bounds found by one step down the time index each),
    instead of walking back from the newest entry or sorting the whole range."""
    zone = zoneinfo.ZoneInfo(tenant_a.time_zone)
    first = dt.datetime(2030, 1, 1, tzinfo=zone)
    _seed(tenant_a, [first + dt.timedelta(minutes=10 * n) for n in range(20_000)])  # 139 days
    _analyze()
    day = dt.date
    ranges: list[dict[str, Any]] = [
        {"date_from": day(2030, 1, 20), "date_to": day(2030, 1, 20)},  # a day, months back
        {"date_from": day(2030, 5, 10), "date_to": day(2030, 5, 10)},  # a day, near the end
        {"date_from": day(2030, 1, 20), "date_to": day(2030, 4, 20)},  # months
        {"date_from": day(2030, 1, 20)},
        {"date_to": day(2030, 1, 20)},
    ]
    with tenant_context(tenant_a):
        for filters in ranges:
            sql, params = audit_entries(tenant_a, filters)[:51].query.sql_with_params()
            plan = _plan(sql, params)
            walk = "Index Scan Backward using audit_entry_sequence"
            assert walk in plan, plan
            page_scan = plan[plan.index(walk) :]
            assert "Index Cond: ((tenant_id = " in page_scan, plan
            assert "(sequence >= $" in page_scan or "(sequence <= $" in page_scan, plan
            assert "Sort Key: sequence DESC" not in plan, plan
            assert "Seq Scan" not in plan, plan
        assert len(audit_page(tenant_a, ranges[0])[0]) == 50
