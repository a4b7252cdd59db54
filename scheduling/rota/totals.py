"""The rota page's totals and counts as SQL aggregates, so that the page reads only the shifts
of the rows it builds (scheduling/rota/selectors.py) rather than every shift of the week.

One statement: the shifts shown in the week (their local start date at their site in the
week, at the shown sites) summed per day, and their stored rule breaks counted by kind, exactly
as rota_week counts them reading every shift:

- a day's paid minutes and cost are of the shown position's shifts of active members (open
  shifts and former members' shifts cost nothing here), each shift's cost rounded to the penny
  as `pay()` rounds it (half to even, which PostgreSQL's ROUND does not do: see _CENTS);
- drafts and published count the shown position's open shifts and active members' shifts;
- drafts at the sites count every unlocked draft, whatever the position or person ("Clear
  drafts" deletes them all);
- the rule breaks are those stored for the shown position's shifts with a person (former
  members' too, as the engine judged them), a period's minimum hours only once the week up
  to the last such shift is settled (checks.settled_until)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from scheduling.models import RuleBreak, Shift, Site, WorkProfile
from scheduling.time import WEEK, week_window
from tenancy.models import Membership, Tenant


@dataclass(frozen=True, slots=True)
class WeekTotals:
    """What rota_week shows of the whole week besides its rows."""

    minutes: list[int]  # each day's, Monday first
    cost: list[Decimal]  # each day's: Decimal(0) when none of its shifts has an hourly rate
    drafts: int
    published: int
    drafts_at_sites: int
    hard_violations: int
    soft_violations: int
    # Up to when the week is settled (checks.settled_until of the shifts judged): None when
    # no shown shift has a person.
    settled: dt.datetime | None


# A shift's cost in pennies, from `n` = hourly rate in pennies x paid minutes, a bigint:
# n / 60 rounded half to even, as Decimal.quantize rounds in pay() (PostgreSQL's ROUND rounds
# half away from zero: 10.01 an hour for 30 minutes is 5.005, which pay() makes 5.00).
# Integer arithmetic only, so nothing is lost in a division; NULL when there is no rate.
_CENTS = """
    CASE WHEN n < 0 THEN -1 ELSE 1 END * (
        abs(n) / 60
        + CASE WHEN mod(abs(n), 60) > 30 OR (mod(abs(n), 60) = 30 AND mod(abs(n) / 60, 2) = 1)
               THEN 1 ELSE 0 END
    )"""


def _statement(position_filtered: bool) -> str:
    shift, site, member = Shift._meta.db_table, Site._meta.db_table, Membership._meta.db_table
    profile, stored = WorkProfile._meta.db_table, RuleBreak._meta.db_table
    of_position = "s.position_id = %(position)s::uuid" if position_filtered else "TRUE"
    # `staff`: the active members' hourly rates in pennies (null: none), by id, as one value
    # (JSON, worked out once) that each shift looks its person up in: joins would be planned
    # for the few shifts a tenant is estimated to have (the statistics are the whole table's),
    # as nested loops of two index look-ups per shift. `shown`: the shifts at the shown sites
    # that may start in the week (by UTC start; its local day is checked after), each with its
    # person's rate (None: open or no longer active), materialized so that the look-up is made
    # once per shift (inlined, each sum below would repeat it). Then a row of sums for each
    # day, and one for each kind of stored break of the judged shifts, told apart by `what`.
    # Only table names and this module's constants are put in the text: the values are
    # parameters.
    return f"""
    WITH staff AS MATERIALIZED (
        SELECT coalesce(jsonb_object_agg(m.id::text, (p.hourly_rate * 100)::bigint), '{{}}')
               AS rate_of
        FROM {member} m
        LEFT JOIN {profile} p ON p.tenant_id = m.tenant_id AND p.membership_id = m.id
        WHERE m.tenant_id = %(tenant)s AND m.status = %(active)s
    ), shown AS MATERIALIZED (
        SELECT s.id, s.start_at, timezone(site.time_zone, s.start_at)::date AS day,
               s.status = %(published)s AS published, s.locked,
               s.membership_id IS NOT NULL AS staffed, {of_position} AS of_position,
               floor(date_part('epoch', s.end_at - s.start_at) / 60)::int - s.break_minutes
                   AS paid,
               (SELECT rate_of FROM staff) -> s.membership_id::text AS person
        FROM {shift} s JOIN {site} site ON site.id = s.site_id
        WHERE s.tenant_id = %(tenant)s AND s.site_id = ANY(%(sites)s::uuid[])
          AND s.start_at >= %(window_start)s AND s.start_at < %(window_end)s
    )
    SELECT 'day' AS what, day,
           coalesce(sum(paid) FILTER (WHERE of_position AND active), 0),
           sum({_CENTS}) FILTER (WHERE of_position AND active),
           count(*) FILTER (WHERE of_position AND (NOT staffed OR active) AND NOT published),
           count(*) FILTER (WHERE of_position AND (NOT staffed OR active) AND published),
           count(*) FILTER (WHERE NOT published AND NOT locked),
           max(start_at) FILTER (WHERE of_position AND staffed),
           NULL::boolean, NULL::date
    FROM (
        SELECT *, person IS NOT NULL AS active, (person #>> '{{}}')::bigint * paid AS n
        FROM shown WHERE day >= %(first)s AND day < %(after)s
    ) week
    GROUP BY day
    UNION ALL
    SELECT 'breaks', NULL, NULL, NULL, count(*), NULL, NULL, NULL, b.hard, b.period_end
    FROM {stored} b
    WHERE b.tenant_id = %(tenant)s
      AND b.shift_id IN (
          SELECT id FROM shown
          WHERE day >= %(first)s AND day < %(after)s AND of_position AND staffed
      )
    GROUP BY b.hard, b.period_end
    """  # noqa: S608


def week_totals(
    tenant: Tenant,
    week_start: dt.date,
    site_ids: Iterable[str],
    position_id: str | None,
) -> WeekTotals:
    """The totals and counts of the week starting on `week_start` (a Monday) at `site_ids`
    (of `position_id` only, when given; see the module's docstring). One query."""
    window_start, window_end = week_window(tenant, week_start)
    params: dict[str, Any] = {
        "tenant": tenant.pk, "sites": sorted(site_ids), "position": position_id,
        "published": Shift.Status.PUBLISHED.value, "active": Membership.Status.ACTIVE.value,
        "window_start": window_start, "window_end": window_end,
        "first": week_start, "after": week_start + WEEK,
    }  # fmt: skip
    minutes, cents = [0] * 7, [None] * 7
    drafts = published = drafts_at_sites = 0
    latest: dt.datetime | None = None
    breaks: list[tuple[bool, dt.date | None, int]] = []
    with connection.cursor() as cursor:
        cursor.execute(_statement(position_id is not None), params)
        rows = cursor.fetchall()
    for what, day, paid, cost, n_drafts, n_published, n_unlocked, last, hard, period_end in rows:
        if what == "breaks":
            breaks.append((hard, period_end, n_drafts))
            continue
        index = (day - week_start).days
        minutes[index], cents[index] = int(paid), cost
        drafts += n_drafts
        published += n_published
        drafts_at_sites += n_unlocked
        if last is not None and (latest is None or last > latest):
            latest = last
    settled = _settled_until(tenant, latest)
    settled_day = settled.date() if settled is not None else None
    hard_count = soft_count = 0
    for hard, period_end, count in breaks:
        if period_end is not None and (settled_day is None or period_end > settled_day):
            continue  # a period's minimum hours, not settled yet (stored_violations)
        if hard:
            hard_count += count
        else:
            soft_count += count
    return WeekTotals(
        minutes=minutes,
        cost=[Decimal(0) if c is None else Decimal(int(c)).scaleb(-2) for c in cents],
        drafts=drafts, published=published, drafts_at_sites=drafts_at_sites,
        hard_violations=hard_count, soft_violations=soft_count, settled=settled,
    )  # fmt: skip


def _settled_until(tenant: Tenant, latest: dt.datetime | None) -> dt.datetime | None:
    """checks.settled_until of shifts whose last start is `latest`: the next Monday 00:00 in
    the company's time after it."""
    if latest is None:
        return None
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    day = latest.astimezone(zone).date()
    monday = day + dt.timedelta(days=7 - day.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=zone)
