"""Reads of the rota: the week grid in a fixed number of queries, whatever the number of people."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Hashable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Any

from django.db import connection
from django.db.models import DateField, DateTimeField, F, Func, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from scheduling import rules
from scheduling.access import site_list_for_member
from scheduling.columns import (
    Epoch,
    UuidText,
    any_id,
    from_epoch,
    id_columns,
    planned_each_time,
)
from scheduling.models import (
    Position,
    SchedulingSettings,
    Shift,
    ShiftWish,
    Site,
    WishKind,
    WishStrength,
)
from scheduling.rota.totals import WeekTotals, week_totals
from scheduling.rules.checks import settled_until
from scheduling.rules.facts import (
    FACT_ID,
    FACT_PERSON,
    FactsRow,
    TimeOff,
    profiles_by_text_id,
    scheduling_settings,
    time_off_between,
)
from scheduling.rules.stored import stored_violations
from scheduling.time import WEEK, local_midnight, today_in, week_start_of, week_window
from tenancy.models import Membership, Tenant
from tenancy.prepared import (
    SAMPLE_FIRST_DAY,
    SAMPLE_LAST_DAY,
    IdArray,
    company_queries,
    company_query,
)


@dataclass(slots=True)
class ShiftCard:
    """A shift as the rota shows it: local times at its site, and its rule breaks."""

    id: str
    site: Site
    position: Position
    start: dt.datetime
    end: dt.datetime
    draft: bool
    version: int
    violations: Sequence[rules.Violation]
    locked: bool = False

    @property
    def crosses_midnight(self) -> bool:
        return self.end.date() > self.start.date()

    @property
    def hard(self) -> bool:
        return any(v.hard for v in self.violations)


@dataclass(slots=True)
class Row:
    """A person's week (or the open shifts'): each day's shifts by start, and the totals."""

    member_id: str | None  # None: the open shifts row
    name: str
    days: list[list[ShiftCard]]
    minutes: int = 0
    cost: Decimal = Decimal(0)
    contracted_hours: Decimal | None = None
    # Each day's leave, unavailability and wishes as (kind, label): ("leave", "Annual leave"),
    # ("unavailable", "Unavailable 18:00-24:00"). None: none all week.
    away: list[list[tuple[str, str]]] | None = None

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60


@dataclass
class Day:
    date: dt.date
    minutes: int = 0
    cost: Decimal = Decimal(0)
    is_today: bool = False

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60


class WeekDates:
    """The dates around a week that starts on `week_start` (a Monday)."""

    week_start: dt.date

    @property
    def previous_week(self) -> dt.date:
        return self.week_start - WEEK

    @property
    def next_week(self) -> dt.date:
        return self.week_start + WEEK

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)


@dataclass(frozen=True)
class RotaSummary(WeekDates):
    """What the rota page shows around its rows (the filters, the counts): a RotaWeek without
    its rows, small enough to keep with the rendered rows (scheduling/rota/cache.py)."""

    week_start: dt.date
    sites: list[Site]
    positions: list[Position]
    site: Site | None
    position: Position | None
    people: int
    drafts: int
    published: int
    drafts_at_sites: int
    hard_violations: int
    soft_violations: int


@dataclass
class RotaWeek(WeekDates):
    """The week at the shown sites: every day's totals and counts, and the rows asked for
    (`rows`, the people from the `first`-th of `people` in all; the open shifts' row with the
    first). `violations` holds the rule breaks of those rows' shifts; the counts of hard and
    soft ones are of every shift shown (or only of those rows', when not judging everyone)."""

    week_start: dt.date
    days: list[Day]
    sites: list[Site]
    positions: list[Position]
    site: Site | None
    position: Position | None
    open_row: Row
    rows: list[Row]
    first: int
    people: int
    violations: dict[Hashable, list[rules.Violation]]  # by shift id (text)
    hard_violations: int
    soft_violations: int
    settings: SchedulingSettings
    drafts: int
    published: int
    drafts_at_sites: int

    @property
    def rest(self) -> int:
        """How many people come after the rows built."""
        return self.people - self.first - len(self.rows)

    def summary(self) -> RotaSummary:
        return RotaSummary(
            week_start=self.week_start, sites=self.sites, positions=self.positions,
            site=self.site, position=self.position, people=self.people, drafts=self.drafts,
            published=self.published, drafts_at_sites=self.drafts_at_sites,
            hard_violations=self.hard_violations, soft_violations=self.soft_violations,
        )  # fmt: skip

    @property
    def minutes(self) -> int:
        return sum(day.minutes for day in self.days)

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60

    @property
    def cost(self) -> Decimal:
        return sum((day.cost for day in self.days), Decimal(0))


def _mark_away(
    built: dict[str, Row], away: TimeOff, dates: list[dt.date], zone: zoneinfo.ZoneInfo
) -> None:
    """Put each built row's leave and unavailability on the days they touch, with the hours
    when they cover only part of a day (in the company's time, like the leave itself)."""
    bounds = [(local_midnight(d, zone), local_midnight(d + dt.timedelta(days=1), zone))
              for d in dates]  # fmt: skip
    unavailable_text = _("Unavailable")
    plain = _("unavailable")
    for kind, by_member in (("leave", away[0]), ("unavailable", away[1])):
        for member_id, stretches in by_member.items():
            row = built.get(member_id)
            if row is None:
                continue
            for start, end, what in sorted(stretches):
                for day, (midnight, next_midnight) in enumerate(bounds):
                    if not (start < next_midnight and midnight < end):
                        continue
                    label = what
                    if kind == "unavailable":
                        label = unavailable_text if what == plain else f"{unavailable_text}: {what}"
                    if start > midnight or end < next_midnight:
                        begin = max(start, midnight).astimezone(zone)
                        until = min(end, next_midnight).astimezone(zone)
                        last = "24:00" if until == next_midnight else f"{until:%H:%M}"
                        label += f" {begin:%H:%M}\u2013{last}"
                    if row.away is None:
                        row.away = [[] for _day in dates]
                    row.away[day].append((kind, label))


def _wish_rows(tenant_id: uuid.UUID, first: dt.date, after: dt.date) -> QuerySet[ShiftWish, Any]:
    return ShiftWish.objects.filter(
        tenant_id=tenant_id, date__gte=first, date__lt=after
    ).values_list(UuidText("membership_id"), "date", "kind", "strength", "start_time", "end_time")


def _member_rows(tenant_id: uuid.UUID) -> QuerySet[Membership, Any]:
    return (
        Membership.objects.filter(tenant_id=tenant_id, status=Membership.Status.ACTIVE)
        .order_by("user__full_name", "user__email")
        .values_list(UuidText("id"), "user__full_name", "user__email")
    )


def _positions(tenant_id: uuid.UUID) -> QuerySet[Position]:
    return Position.objects.filter(tenant_id=tenant_id).order_by("name")


# The rota's reads whose SQL is the same on every request, compiled once per process
# (tenancy/prepared.py): building them with the ORM cost about a fifth of a computed week.
_WISHES = company_query(_wish_rows, first=SAMPLE_FIRST_DAY, after=SAMPLE_LAST_DAY)
_MEMBERS = company_query(_member_rows)
_POSITIONS = company_query(_positions)


def _mark_wishes(tenant: Tenant, built: dict[str, Row], week_start: dt.date) -> None:
    """Put each built row's shift wishes on their days, after its leave and unavailability:
    "Wants to work", "Would rather be off", with the hours when for part of the day and how
    much it matters when a lot or only if possible. One query."""
    if not built:
        return
    wishes = _WISHES.run(tenant_id=tenant.pk, first=week_start, after=week_start + WEEK)
    words = {WishKind.WORK: _("Wants to work"), WishKind.OFF: _("Would rather be off")}
    how_much = {WishStrength.HIGH: _("matters a lot"), WishStrength.LOW: _("if possible")}
    for member_id, date, kind, strength, start, end in wishes:
        row = built.get(member_id)
        if row is None:
            continue
        label = str(words[WishKind(kind)])
        if start is not None and end is not None:
            label += f" {start:%H:%M}\u2013{end:%H:%M}"
        if strength in how_much:
            label += f" ({how_much[WishStrength(strength)]})"
        if row.away is None:
            row.away = [[] for _day in range(7)]
        row.away[(date - week_start).days].append((f"wish-{kind}", label))


def pay(hourly_rate: Decimal | None, paid_minutes: int) -> Decimal:
    """What `paid_minutes` cost at `hourly_rate` (none: nothing), to the penny."""
    if hourly_rate is None:
        return Decimal(0)
    return (hourly_rate * paid_minutes / 60).quantize(Decimal("0.01"))


def week_shifts(
    tenant: Tenant, week_start: dt.date, site_ids: Iterable[uuid.UUID | str]
) -> QuerySet[Shift]:
    """Shifts that may start within the week at any of the sites: two days' margin either side
    (site time zones differ from the company's); callers keep those whose local date is in."""
    start, end = week_window(tenant, week_start)
    return Shift.objects.filter(
        tenant=tenant, site_id__in=list(site_ids), start_at__gte=start, start_at__lt=end
    )


# What the grid reads of each shift (not notes, nor creation and publication times), as plain
# values: a busy week has thousands of shifts, and model instances of them cost more than
# everything else the page does. Ids as text (UuidText), times as Epoch.
GRID_COLUMNS = (
    *id_columns(True, "id", "membership_id", "site_id", "position_id"),
    Epoch("start_at"), Epoch("end_at"), "break_minutes", "status", "version",
    "locked",
)  # fmt: skip


_in_order = attrgetter("start", "id")  # as Shift's ordering: start_at, id


def _window_rows(
    tenant_id: uuid.UUID,
    sites: IdArray,
    start: dt.datetime,
    end: dt.datetime,
    members: IdArray | None = None,
    *,
    with_open: bool = False,
) -> QuerySet[Shift, Any]:
    """The GRID_COLUMNS of week_shifts' shifts (of `members` only when given, and the open
    shifts too `with_open`), unordered: the few shifts of one day and person are put in order
    by rota_week."""
    rows = Shift.objects.filter(
        any_id("site_id", sites), tenant_id=tenant_id, start_at__gte=start, start_at__lt=end
    )
    if members is not None:
        wanted = any_id("membership_id", members)
        if with_open:
            wanted |= Q(membership_id__isnull=True)
        rows = rows.filter(wanted)
    return rows.order_by().values_list(*GRID_COLUMNS)


_SAMPLE_START = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)
# By whether with the open shifts, then whether some people's only.
_WINDOW = {
    with_open: company_queries(
        partial(_window_rows, with_open=with_open), "members",
        sites=IdArray.of([uuid.UUID("00000000-0000-7000-8000-0000000005e1")]), start=_SAMPLE_START,
        end=_SAMPLE_START + dt.timedelta(days=11),
    )
    for with_open in (False, True)
}  # fmt: skip


def _local_day() -> Cast:
    """A shift's start as a date at its site (the grid's day of a shift), in SQL."""
    local = Func(
        F("site__time_zone"), F("start_at"), function="timezone", output_field=DateTimeField()
    )
    return Cast(local, DateField())


def _rostered(
    tenant: Tenant, week_start: dt.date, site_ids: set[str], position_key: str | None
) -> set[str]:
    """The people with a shift shown in the week (its local start date in the week, at a shown
    site, of the position shown): what rota_week finds reading every shift, in one query that
    returns one row per person."""
    query = (
        week_shifts(tenant, week_start, site_ids)
        .filter(membership__isnull=False)
        .alias(local_day=_local_day())
        .filter(local_day__gte=week_start, local_day__lt=week_start + WEEK)
    )
    if position_key is not None:
        query = query.filter(position_id=position_key)
    return set(query.order_by().values_list(UuidText("membership_id"), flat=True).distinct())


def _read_window(
    window: Iterable[tuple[Any, ...]],
    zones: dict[str, zoneinfo.ZoneInfo],
    week_start: dt.date,
    position_key: str | None,
) -> tuple[list[tuple[Any, ...]], int]:
    """The shifts of `window` (_window_rows) as the grid needs them: those shown in the week
    (of the position shown) as (facts, day, local start and end, paid minutes, draft, version,
    locked), and the count of drafts of the week."""
    published_status = Shift.Status.PUBLISHED
    # Plain tuples of plain values: thousands of them, which the garbage collector untracks.
    # (facts, day, local start and end, paid, draft, version, locked)
    shown: list[tuple[Any, ...]] = []
    drafts_at_sites = 0
    for row in window:
        pk, member_id, site_of, position_of, start_s, end_s, breaks, status, version, locked = row
        start_at, end_at = from_epoch(start_s), from_epoch(end_s)
        facts = (pk, member_id, start_at, end_at, breaks, site_of, position_of)
        is_published = status == published_status
        zone = zones[site_of]
        start = start_at.astimezone(zone)
        day = (start.date() - week_start).days
        if not 0 <= day < 7:
            continue
        if not is_published and not locked:
            # "Clear drafts" deletes every unlocked draft of the week at the shown sites,
            # whatever the position filter.
            drafts_at_sites += 1
        if position_key is not None and position_of != position_key:
            continue
        paid = int((end_at - start_at).total_seconds() // 60) - breaks
        shown.append(
            (facts, day, start, end_at.astimezone(zone), paid, not is_published, version, locked)
        )
    return shown, drafts_at_sites


def _stored_breaks(
    tenant: Tenant,
    window_query: QuerySet[Shift],
    judged: list[FactsRow],
    described: set[Hashable],
    tally: rules.Tally,
) -> dict[Hashable, list[rules.Violation]]:
    """The stored rule breaks (scheduling/rules/stored.py) of the `described` shifts, with
    those of every `judged` one counted in `tally`. One query, none when nobody is judged."""
    if not any(facts[FACT_PERSON] is not None for facts in judged):
        return {}
    ids = {facts[FACT_ID] for facts in judged if facts[FACT_PERSON] is not None}
    # A period's minimum hours count once the week shown (up to the last shift) is settled.
    settled = settled_until(tenant, judged)
    found = stored_violations(tenant, window_query, text_ids=True, settled=settled)
    wanted: dict[Hashable, list[rules.Violation]] = {}
    for pk, violations in found.items():
        if pk not in ids:
            continue
        for violation in violations:
            if violation.hard:
                tally.hard += 1
            else:
                tally.soft += 1
        if pk in described:
            wanted[pk] = violations
    return wanted


def _rows_breaks(
    tenant: Tenant,
    judged: list[FactsRow],
    described: set[Hashable],
    settled: dt.datetime | None,
) -> dict[Hashable, list[rules.Violation]]:
    """The stored rule breaks of the `described` shifts read (`judged`), settled up to
    `settled` (the whole week's, counted by the database). One query by their ids (a few
    hundred at most: the rows built), none when none has a person."""
    ids = [facts[FACT_ID] for facts in judged
           if facts[FACT_PERSON] is not None and facts[FACT_ID] in described]  # fmt: skip
    if not ids:
        return {}
    return stored_violations(tenant, ids, text_ids=True, settled=settled)


def rota_week(
    membership: Membership,
    week_start: dt.date,
    *,
    site_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
    rows: slice | None = None,
    judge_everyone: bool = True,
    rows_only: bool = False,
) -> RotaWeek:
    """Everything the rota page shows, in a fixed number of queries: sites, positions,
    settings, members, profiles (3), the week's shifts, and the rules' context.

    The totals and counts are the whole week's, unless `rows_only`. `rows` (a slice of the
    people listed) limits the rows built, and the shifts read to theirs; the open shifts' row
    comes with the first. The whole week's totals and counts are then summed by the database
    (scheduling/rota/totals.py), and who has a shift in the week (when not everyone is listed
    anyway) read in one more query. `judge_everyone` judges every shift shown (the page's
    count of rule breaks), else only the shifts of the rows built. `rows_only` (the rows that
    follow as the table scrolls, which show no totals) reads only the shifts and profiles of
    the rows built, and who has a shift likewise: so the whole week, in its parts, is read
    once rather than once per part; its totals and counts are then of the rows built only."""
    if rows_only and (rows is None or judge_everyone):
        raise ValueError("rows_only builds some rows, judging only theirs")
    tenant = membership.tenant
    week_start = week_start_of(week_start)
    sites = site_list_for_member(membership)
    site = next((s for s in sites if s.pk == site_id), None)
    shown_sites = [site] if site else sites
    shown_site_ids = {str(s.pk) for s in shown_sites}
    positions = _POSITIONS.run(tenant_id=tenant.pk)
    position = next((p for p in positions if p.pk == position_id), None)
    position_key = str(position.pk) if position else None
    settings = scheduling_settings(tenant)
    # Every id below is text (UuidText).
    zones = {str(s.pk): zoneinfo.ZoneInfo(s.time_zone) for s in sites}
    site_by_id = {str(s.pk): s for s in sites}
    position_by_id = {str(p.pk): p for p in positions}
    members = _MEMBERS.run(tenant_id=tenant.pk)
    everyone_shown = membership.all_sites and site is None and position is None
    # Only some rows built: only their shifts are read (SQLite, for development, reads the
    # whole week: the database's sums need PostgreSQL).
    in_parts = rows is not None and (rows_only or connection.vendor == "postgresql")
    # Everyone listed anyway: who has a shift does not decide who is listed, and only the rows
    # built need their profiles (read below, once they are known).
    everyone_in_parts = in_parts and everyone_shown
    profiles = None if everyone_in_parts else profiles_by_text_id(tenant)
    window_start, window_end = week_window(tenant, week_start)
    window = {"tenant_id": tenant.pk, "sites": IdArray.of(shown_site_ids),
              "start": window_start, "end": window_end}  # fmt: skip
    rostered: set[str] | None = set() if everyone_in_parts else None
    if in_parts and rostered is None:
        rostered = _rostered(tenant, week_start, shown_site_ids, position_key)
    if rostered is None:
        rows_read = _WINDOW[False][False].run(**window)
        shown, drafts_at_sites = _read_window(rows_read, zones, week_start, position_key)
        rostered = {facts[FACT_PERSON] for facts, *_rest in shown}

    def listed(member_id: str) -> bool:
        if member_id in rostered or everyone_shown:
            return True
        assert profiles is not None  # noqa: S101 - read whenever not everyone is shown
        works_here = not profiles.sites.get(member_id, frozenset()).isdisjoint(shown_site_ids)
        if position_key is not None:
            return works_here and position_key in profiles.positions.get(member_id, ())
        return works_here

    people = [(member_id, full_name or email) for member_id, full_name, email in members
              if listed(member_id)]  # fmt: skip
    listed_ids = {member_id for member_id, _name in people}
    chosen = people[rows] if rows is not None else people
    first = rows.indices(len(people))[0] if rows is not None else 0
    with_open = first == 0
    if profiles is None:  # everyone listed: their positions and sites are not needed
        with planned_each_time():  # a few hundred ids
            profiles = profiles_by_text_id(
                tenant, [member_id for member_id, _name in chosen], places=False
            )
    totals: WeekTotals | None = None
    if in_parts:  # only the chosen people's shifts (and the open ones, with the first)
        if not rows_only:  # the whole week's sums and counts, from the database
            totals = week_totals(tenant, week_start, shown_site_ids, position_key)
        chosen_ids = [member_id for member_id, _name in chosen]
        if rows_only:
            listed_ids = set(chosen_ids)
        with planned_each_time():  # by the ids of the people chosen
            rows_read = _WINDOW[with_open][True].run(**window, members=IdArray.of(chosen_ids))
            shown, drafts_at_sites = _read_window(rows_read, zones, week_start, position_key)
    built: dict[str, Row] = {}
    for member_id, name in chosen:
        profile = profiles.by_member.get(member_id)
        built[member_id] = Row(
            member_id=member_id, name=name, days=[[] for _ in range(7)],
            contracted_hours=profile.contracted_hours if profile else None,
        )  # fmt: skip
    open_row = Row(member_id=None, name="", days=[[] for _ in range(7)])

    # Every shift's rule breaks are counted, but only those of the rows built are written.
    judged = [facts for facts, *_rest in shown if judge_everyone or facts[FACT_PERSON] in built]
    described = {
        facts[FACT_ID] for facts, *_rest in shown
        if facts[FACT_PERSON] in built or (with_open and facts[FACT_PERSON] is None)
    }  # fmt: skip
    tally = rules.Tally()
    # Time off of everyone listed in the week, shown on their rows.
    away = time_off_between(
        tenant, window_start, window_end, listed_ids,
        read_everyone=not rows_only,
    )  # fmt: skip
    with planned_each_time() if in_parts else nullcontext():  # by ids of shifts or people
        if totals is not None and judge_everyone:  # counted by the database, settled as it says
            tally.hard, tally.soft = totals.hard_violations, totals.soft_violations
            violations = _rows_breaks(tenant, judged, described, totals.settled)
        else:
            # Unordered: only a subquery.
            window_query = week_shifts(tenant, week_start, shown_site_ids).order_by()
            violations = _stored_breaks(tenant, window_query, judged, described, tally)
    today = today_in(tenant)
    dates = [week_start + dt.timedelta(days=n) for n in range(7)]
    days = [Day(date=date, is_today=date == today) for date in dates]
    costs: dict[tuple[Decimal | None, int], Decimal] = {}  # (rate, minutes) -> cost
    drafts = published_count = 0
    no_violations: tuple[rules.Violation, ...] = ()
    for facts, day, start, end, paid, draft, version, locked in shown:
        pk, member_id, _start, _end, _breaks, site_of, position_of = facts
        row: Row | None = open_row if with_open else None
        if member_id is not None:
            if member_id not in listed_ids:  # rostered but no longer an active member
                continue
            row = built.get(member_id)
        if draft:
            drafts += 1
        else:
            published_count += 1
        if row is not None:
            row.days[day].append(ShiftCard(
                id=pk, site=site_by_id[site_of], position=position_by_id[position_of],
                start=start, end=end, draft=draft, version=version,
                violations=violations.get(pk, no_violations), locked=locked,
            ))  # fmt: skip
        if member_id is None:
            continue
        profile = profiles.by_member.get(member_id)
        rate = profile.hourly_rate if profile else None
        cost = costs.get((rate, paid))
        if cost is None:
            cost = costs[rate, paid] = pay(rate, paid)
        days[day].minutes += paid
        days[day].cost += cost
        if row is not None:
            row.minutes += paid
            row.cost += cost
    for row in (open_row, *built.values()):
        for cards in row.days:
            if len(cards) > 1:
                cards.sort(key=_in_order)
    _mark_away(built, away, dates, zoneinfo.ZoneInfo(tenant.time_zone))
    _mark_wishes(tenant, built, week_start)
    if totals is not None:  # the whole week's, rather than those of the rows read
        for day_of, minutes, cost in zip(days, totals.minutes, totals.cost, strict=True):
            day_of.minutes, day_of.cost = minutes, cost
        drafts, published_count = totals.drafts, totals.published
        drafts_at_sites = totals.drafts_at_sites
    return RotaWeek(
        week_start=week_start, days=days, sites=sites, positions=positions, site=site,
        position=position, open_row=open_row, rows=list(built.values()), first=first,
        people=len(people), violations=violations, hard_violations=tally.hard,
        soft_violations=tally.soft, settings=settings, drafts=drafts, published=published_count,
        drafts_at_sites=drafts_at_sites,
    )  # fmt: skip
