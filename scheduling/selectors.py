"""Reads of the scheduling app: the sites a member schedules, the rota week (a fixed number of
queries, whatever the number of people), rule checks, an employee's own shifts."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any, Final, Generic, NamedTuple, TypeVar, cast

from django.db.models import CharField, FloatField, Func, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling import rules
from scheduling.models import (
    SCHEDULE_SITE,
    Position,
    SchedulingSettings,
    Shift,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.object_permissions import objects_permitted

WEEK = dt.timedelta(days=7)
# Rules look this far either side of the shifts being checked (rest, 7-day windows, weeks).
RULE_CONTEXT = dt.timedelta(days=8)


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


def _columns(text_ids: bool, *names: str) -> list[Any]:
    """`names`, each as UuidText when `text_ids` (the caller knows which are UUID columns)."""
    return [UuidText(name) if text_ids else name for name in names]


def sites_for_member(membership: Membership) -> QuerySet[Site]:
    """The sites `membership` may schedule: all of the tenant's, or only those granted to a
    member limited to chosen sites (django-guardian object permissions)."""
    sites = Site.objects.filter(tenant_id=membership.tenant_id).order_by("name")
    if membership.all_sites:
        return sites
    return objects_permitted(membership=membership, permission=SCHEDULE_SITE, queryset=sites)


def scheduling_settings(tenant: Tenant) -> SchedulingSettings:
    """The company's rules; the defaults (unsaved) until an admin first saves them."""
    return SchedulingSettings.objects.filter(tenant=tenant).first() or SchedulingSettings(
        tenant=tenant
    )


def _minutes(hours: Decimal | None) -> int | None:
    return None if hours is None else int(hours * 60)


def rule_set(tenant: Tenant, settings: SchedulingSettings) -> rules.RuleSet:
    return rules.RuleSet(
        time_zone=tenant.time_zone,
        min_rest_minutes=int(settings.min_rest_hours * 60),
        max_minutes_7_days=int(settings.max_hours_7_days * 60),
        min_weekly_rest_minutes=int(settings.min_weekly_rest_hours * 60),
        rest_is_hard=settings.rest_is_hard,
        max_hours_is_hard=settings.max_hours_is_hard,
        weekly_rest_is_hard=settings.weekly_rest_is_hard,
        qualification_is_hard=settings.qualification_is_hard,
        unavailability_is_hard=settings.unavailability_is_hard,
    )


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def wall_time_utc(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """`day` at wall-clock `time` in `zone`, in UTC; None for a time that the clocks skip."""
    local = dt.datetime.combine(day, time, tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def today_in(tenant: Tenant) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


class ProfileValues(NamedTuple):
    """What the scheduling pages read of a work profile (plain values, not a model instance)."""

    contracted_hours: Decimal | None
    hourly_rate: Decimal | None
    max_hours_7_days: Decimal | None
    min_rest_hours: Decimal | None


# How the scheduling reads key rows by id: uuid.UUID, or its text for the rota (see UuidText).
Key = TypeVar("Key", uuid.UUID, str)


# Approved leave and unavailability per person, keyed like the shifts' person ids.
TimeOff = tuple[dict[Any, tuple[rules.TimeOff, ...]], dict[Any, tuple[rules.TimeOff, ...]]]

# Past this many people, time off is read for the whole company rather than sending the ids.
_FEW_PEOPLE: Final = 100


def time_off(tenant: Tenant, rows: Sequence[FactsRow]) -> TimeOff:
    """The approved leave and unavailability of the people in `rows`, around their times.
    Three queries, none when no row has a person. Call it inside the tenant's context."""
    people = {row[_PERSON] for row in rows if row[_PERSON] is not None}
    if not people:
        return {}, {}
    first = min(row[_START] for row in rows)
    last = max(row[_END] for row in rows)
    return time_off_between(tenant, first, last, people)


def time_off_between(
    tenant: Tenant,
    first: dt.datetime,
    last: dt.datetime,
    people: AbstractSet[Hashable],
    *,
    read_everyone: bool = False,
) -> TimeOff:
    """The approved leave and unavailability of `people` (ids as uuid.UUID or all as text)
    overlapping [first, last). Three queries, none for nobody. `read_everyone` reads the
    whole company's (and keeps `people`'s) rather than sending their ids: for callers whose
    `people` are most of the company, such as the rota."""
    from scheduling import availability, leave

    if not people:
        return {}, {}
    text_ids = isinstance(next(iter(people)), str)
    members: list[uuid.UUID] | None = None
    if len(people) <= _FEW_PEOPLE and not read_everyone:
        members = [uuid.UUID(str(p)) if text_ids else cast(uuid.UUID, p) for p in people]
    found: list[dict[Any, tuple[rules.TimeOff, ...]]] = []
    for read in (leave.approved_leave, availability.unavailable):
        by_member = read(tenant, first, last, members)
        keyed = {(str(pk) if text_ids else pk): tuple(spans) for pk, spans in by_member.items()}
        found.append({pk: spans for pk, spans in keyed.items() if pk in people})
    return found[0], found[1]


@dataclass
class Profiles(Generic[Key]):
    """Work profiles by membership id, with the positions and sites of each (3 queries)."""

    by_member: dict[Key, ProfileValues]
    positions: dict[Key, frozenset[Key]]
    sites: dict[Key, frozenset[Key]]

    def facts(self, away: TimeOff | None = None) -> dict[Key, rules.PersonFacts]:
        """The rules' facts of everyone with a profile or time off in `away`."""
        nothing: frozenset[Key] = frozenset()
        no_profile = ProfileValues(None, None, None, None)
        leave, unavailable = away if away is not None else ({}, {})
        return {
            member_id: rules.PersonFacts(
                id=member_id,
                positions=self.positions.get(member_id, nothing),
                sites=self.sites.get(member_id, nothing),
                min_rest_minutes=_minutes(profile.min_rest_hours),
                max_minutes_7_days=_minutes(profile.max_hours_7_days),
                leave=leave.get(member_id, ()),
                unavailable=unavailable.get(member_id, ()),
            )
            for member_id in self.by_member.keys() | leave.keys() | unavailable.keys()
            for profile in [self.by_member.get(member_id, no_profile)]
        }


def profiles_of(
    tenant: Tenant, member_ids: Iterable[uuid.UUID] | None = None
) -> Profiles[uuid.UUID]:
    """The profiles of `member_ids` (None: everyone's), read as plain values."""
    return cast(Profiles[uuid.UUID], _profiles(tenant, member_ids, text_ids=False))


def profiles_by_text_id(tenant: Tenant) -> Profiles[str]:
    """Everyone's profiles, with every id as text (see UuidText)."""
    return cast(Profiles[str], _profiles(tenant, None, text_ids=True))


def _profiles(
    tenant: Tenant, member_ids: Iterable[uuid.UUID] | None, *, text_ids: bool
) -> Profiles[Any]:
    profiles = WorkProfile.objects.filter(tenant=tenant)
    if member_ids is not None:
        profiles = profiles.filter(membership_id__in=list(member_ids))
    by_member: dict[Any, ProfileValues] = {}
    member_of: dict[Any, Any] = {}
    for profile_id, member_id, *values in profiles.values_list(
        *_columns(text_ids, "id", "membership_id"), *ProfileValues._fields
    ):
        by_member[member_id] = ProfileValues(*values)
        member_of[profile_id] = member_id
    positions: dict[Any, set[Any]] = defaultdict(set)
    sites: dict[Any, set[Any]] = defaultdict(set)
    if member_of:
        # Every profile of the tenant: no list of ids to send (rows of others are skipped).
        wanted = Q(tenant=tenant)
        if member_ids is not None:
            wanted &= Q(profile_id__in=list(member_of))
        for profile_id, position_id in WorkProfilePosition.objects.filter(wanted).values_list(
            *_columns(text_ids, "profile_id", "position_id")
        ):
            if profile_id in member_of:
                positions[member_of[profile_id]].add(position_id)
        for profile_id, site_id in WorkProfileSite.objects.filter(wanted).values_list(
            *_columns(text_ids, "profile_id", "site_id")
        ):
            if profile_id in member_of:
                sites[member_of[profile_id]].add(site_id)
    return Profiles(
        by_member=by_member,
        positions={member: frozenset(ids) for member, ids in positions.items()},
        sites={member: frozenset(ids) for member, ids in sites.items()},
    )


# A shift as the rules read it (rules.check_rows): ShiftFacts' fields, in order, as a plain
# tuple. A busy week has thousands: tuples of plain values cost little to make and nothing to
# the garbage collector to trace.
FactsRow = rules.FactsRow
_ID: Final = 0
_PERSON: Final = 1
_START: Final = 2
_END: Final = 3


def shift_facts(shift: Shift) -> FactsRow:
    return (shift.pk, shift.membership_id, shift.start_at, shift.end_at, shift.break_minutes,
            shift.site_id, shift.position_id)  # fmt: skip


@dataclass(frozen=True)
class Loaded:
    """Shifts the caller has read already (`query`), with ids as text: every shift at
    `site_ids` starting in [start, end), of which `published` are the published ones."""

    query: QuerySet[Shift]
    published: list[FactsRow]
    site_ids: set[str]
    start: dt.datetime
    end: dt.datetime


def _published_context(
    tenant: Tenant, judged: list[FactsRow], loaded: Loaded | None = None
) -> dict[Hashable, FactsRow]:
    """The published shifts of the people of `judged` within RULE_CONTEXT of them, at any site
    (rest and hours are the person's, whoever scheduled them), as the rules' facts (no model
    instances: a busy week has thousands). Drafts elsewhere are not commitments yet, so they
    neither count nor block. One query. Ids are text when `loaded` is given (the rota), else
    uuid.UUID."""
    people = {facts[_PERSON] for facts in judged if facts[_PERSON] is not None}
    if not people:
        return {}
    first = min(facts[_START] for facts in judged) - RULE_CONTEXT
    last = max(facts[_END] for facts in judged) + RULE_CONTEXT
    query = Shift.objects.filter(
        tenant=tenant, status=Shift.Status.PUBLISHED, start_at__lt=last, end_at__gt=first
    )
    known: dict[Hashable, FactsRow] = {}
    if loaded is None:
        query = query.filter(membership_id__in=list(people))
    else:  # read those rows once, not twice
        # The people as a subquery (of everyone in what was read: a few more, whom the rules
        # skip), not as hundreds of ids to send.
        query = query.filter(
            membership_id__in=loaded.query.values("membership_id")
        ).exclude(
            site_id__in=list(loaded.site_ids), start_at__gte=loaded.start, start_at__lt=loaded.end
        )  # fmt: skip
        known = {facts[_ID]: facts for facts in loaded.published if facts[_PERSON] in people}
    text_ids = loaded is not None
    rows = query.values_list(
        *_columns(text_ids, "id", "membership_id"), Epoch("start_at"), Epoch("end_at"),
        "break_minutes", *_columns(text_ids, "site_id", "position_id"),
    )  # fmt: skip
    return known | {
        pk: (pk, person, from_epoch(start), from_epoch(end), breaks, site, position)
        for pk, person, start, end, breaks, site, position in rows
    }


def _check(
    tenant: Tenant,
    facts: Iterable[FactsRow],
    settings: SchedulingSettings,
    profiles: Profiles[Any],
    only: set[Hashable] | None = None,
    tally: rules.Tally | None = None,
    count: AbstractSet[Hashable] = frozenset(),
    away: TimeOff | None = None,
) -> dict[Hashable, list[rules.Violation]]:
    """The rules over `facts`; `away` is read here (3 queries) unless the caller has it."""
    rows = facts if isinstance(facts, list) else list(facts)
    if away is None:
        away = time_off(tenant, rows)
    return rules.check_rows(
        rows, profiles.facts(away), rule_set(tenant, settings), only=only, count=count,
        tally=tally,
    )  # fmt: skip


def violations_for(
    tenant: Tenant,
    shifts: list[Shift],
    *,
    settings: SchedulingSettings | None = None,
    profiles: Profiles[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[rules.Violation]]:
    """The rule breaks of `shifts`, judged together with the same people's published shifts
    around them. Three to five queries, whatever the number of shifts."""
    judged = [shift_facts(shift) for shift in shifts]
    people = {shift.membership_id for shift in shifts if shift.membership_id is not None}
    if not people:
        return {}
    found = _violations(
        tenant, judged, settings or scheduling_settings(tenant),
        profiles or profiles_of(tenant, people),
    )  # fmt: skip
    return cast(dict[uuid.UUID, list[rules.Violation]], found)


def _violations(
    tenant: Tenant,
    judged: list[FactsRow],
    settings: SchedulingSettings,
    profiles: Profiles[Any],
    loaded: Loaded | None = None,
    *,
    described: set[Hashable] | None = None,
    tally: rules.Tally | None = None,
    away: TimeOff | None = None,
) -> dict[Hashable, list[rules.Violation]]:
    """The rule breaks of `judged`, with their context (see violations_for); with `tally`,
    only those of `described` are returned, and every one of `judged` is counted there."""
    if not any(facts[_PERSON] is not None for facts in judged):
        return {}
    # Unsaved or just-changed shifts under judgement replace their stored versions.
    facts = _published_context(tenant, judged, loaded)
    facts.update({row[_ID]: row for row in judged})
    ids = {row[_ID] for row in judged}
    if tally is None:
        return _check(tenant, facts.values(), settings, profiles, only=ids, away=away)
    return _check(tenant, facts.values(), settings, profiles, only=described or set(),
                  tally=tally, count=ids, away=away)  # fmt: skip


def _keys(found: dict[Hashable, list[rules.Violation]]) -> set[tuple[object, ...]]:
    return {(v.shift_id, v.code, v.other_shift_id) for vs in found.values() for v in vs if v.hard}


def hard_violations_added(
    tenant: Tenant, changed: list[Shift]
) -> dict[uuid.UUID, list[rules.Violation]]:
    """The hard rule breaks that `changed` (drafts about to be published, or a new version of
    a published shift) would add to what is published: on those shifts themselves, and on
    published shifts that only break a rule because of them (48 hours in 7 days is charged to
    the later shift; weekly rest to every shift of the week). Breaks that exist anyway do not
    count. Four to six queries."""
    return _after_and_added(tenant, changed)[1]


def publish_review(
    tenant: Tenant, drafts: list[Shift]
) -> tuple[dict[uuid.UUID, list[rules.Violation]], dict[uuid.UUID, list[rules.Violation]]]:
    """What the publish page shows of `drafts`: every rule break of each (as violations_for
    finds them) and the hard breaks publishing would add (as hard_violations_added finds
    them), from one read of their context."""
    after, added = _after_and_added(tenant, drafts)
    ids = {shift.pk for shift in drafts}
    return {cast(uuid.UUID, pk): vs for pk, vs in after.items() if pk in ids and vs}, added


def _after_and_added(
    tenant: Tenant, changed: list[Shift]
) -> tuple[dict[Hashable, list[rules.Violation]], dict[uuid.UUID, list[rules.Violation]]]:
    """The rule breaks of everything once `changed` is in (theirs and the published shifts'
    around them), and the hard ones of those that `changed` adds."""
    people = {shift.membership_id for shift in changed if shift.membership_id is not None}
    if not people:
        return {}, {}
    published = _published_context(tenant, [shift_facts(shift) for shift in changed])
    settings = scheduling_settings(tenant)
    profiles = profiles_of(tenant, people)
    after_facts = dict(published)
    after_facts.update({shift.pk: shift_facts(shift) for shift in changed})
    away = time_off(tenant, list(after_facts.values()))
    before = _check(tenant, published.values(), settings, profiles, away=away)
    after = _check(tenant, after_facts.values(), settings, profiles, away=away)
    new = _keys(after) - _keys(before)
    added: dict[uuid.UUID, list[rules.Violation]] = {}
    for pk, violations in after.items():
        kept = [v for v in violations if (v.shift_id, v.code, v.other_shift_id) in new]
        if kept:
            added[cast(uuid.UUID, pk)] = kept
    return after, added


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
    # Each day's leave and unavailability as (kind, label): ("leave", "Annual leave"),
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
    its rows, small enough to keep with the rendered rows (scheduling/rota_cache.py)."""

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


def local_date(shift: Shift, zones: dict[uuid.UUID, zoneinfo.ZoneInfo]) -> dt.date:
    return shift.start_at.astimezone(zones[shift.site_id]).date()


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


def week_window(tenant: Tenant, week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = local_midnight(week_start, zone) - dt.timedelta(days=2)
    end = local_midnight(week_start + WEEK, zone) + dt.timedelta(days=2)
    return start, end


# What the grid reads of each shift (not notes, nor creation and publication times), as plain
# values: a busy week has thousands of shifts, and model instances of them cost more than
# everything else the page does. Ids as text (UuidText), times as Epoch.
GRID_COLUMNS = (
    *_columns(True, "id", "membership_id", "site_id", "position_id"),
    Epoch("start_at"), Epoch("end_at"), "break_minutes", "status", "version",
)  # fmt: skip


_in_order = attrgetter("start", "id")  # as Shift's ordering: start_at, id


def rota_week(
    membership: Membership,
    week_start: dt.date,
    *,
    site_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
    rows: slice | None = None,
    judge_everyone: bool = True,
) -> RotaWeek:
    """Everything the rota page shows, in a fixed number of queries: sites, positions,
    settings, members, profiles (3), the week's shifts, and the rules' context.

    The totals and counts are always the whole week's. `rows` (a slice of the people listed)
    limits the rows built, with their shifts; the open shifts' row comes with the first.
    `judge_everyone` judges every shift shown (the page's count of rule breaks), else only
    the shifts of the rows built."""
    tenant = membership.tenant
    week_start = week_start_of(week_start)
    sites = list(sites_for_member(membership))
    site = next((s for s in sites if s.pk == site_id), None)
    shown_sites = [site] if site else sites
    shown_site_ids = {str(s.pk) for s in shown_sites}
    positions = list(Position.objects.filter(tenant=tenant).order_by("name"))
    position = next((p for p in positions if p.pk == position_id), None)
    position_key = str(position.pk) if position else None
    settings = scheduling_settings(tenant)
    # Every id below is text (UuidText).
    zones = {str(s.pk): zoneinfo.ZoneInfo(s.time_zone) for s in sites}
    site_by_id = {str(s.pk): s for s in sites}
    position_by_id = {str(p.pk): p for p in positions}
    members = list(
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE)
        .order_by("user__full_name", "user__email")
        .values_list(UuidText("id"), "user__full_name", "user__email")
    )
    profiles = profiles_by_text_id(tenant)
    window_start, window_end = week_window(tenant, week_start)
    # Unordered: the few shifts of one day and person are put in order below.
    window_query = week_shifts(tenant, week_start, shown_site_ids).order_by()
    published_status = Shift.Status.PUBLISHED
    # Plain tuples of plain values: thousands of them, which the garbage collector untracks.
    published: list[FactsRow] = []  # the window's published, assigned shifts
    shown: list[tuple[Any, ...]] = []  # (facts, day, local start and end, paid, draft, version)
    drafts_at_sites = 0
    window = window_query.values_list(*GRID_COLUMNS)
    for pk, member_id, site_of, position_of, start_s, end_s, breaks, status, version in window:
        start_at, end_at = from_epoch(start_s), from_epoch(end_s)
        facts = (pk, member_id, start_at, end_at, breaks, site_of, position_of)
        is_published = status == published_status
        if is_published and member_id is not None:
            published.append(facts)
        zone = zones[site_of]
        start = start_at.astimezone(zone)
        day = (start.date() - week_start).days
        if not 0 <= day < 7:
            continue
        if not is_published:
            # "Clear drafts" deletes every draft of the week at the shown sites, whatever
            # the position filter.
            drafts_at_sites += 1
        if position_key is not None and position_of != position_key:
            continue
        paid = int((end_at - start_at).total_seconds() // 60) - breaks
        shown.append((facts, day, start, end_at.astimezone(zone), paid, not is_published, version))
    rostered = {facts[_PERSON] for facts, *_rest in shown}
    everyone_shown = membership.all_sites and site is None and position is None

    def listed(member_id: str) -> bool:
        if member_id in rostered or everyone_shown:
            return True
        works_here = not profiles.sites.get(member_id, frozenset()).isdisjoint(shown_site_ids)
        if position_key is not None:
            return works_here and position_key in profiles.positions.get(member_id, ())
        return works_here

    people = [(member_id, full_name or email) for member_id, full_name, email in members
              if listed(member_id)]  # fmt: skip
    listed_ids = {member_id for member_id, _name in people}
    chosen = people[rows] if rows is not None else people
    first = rows.indices(len(people))[0] if rows is not None else 0
    built: dict[str, Row] = {}
    for member_id, name in chosen:
        profile = profiles.by_member.get(member_id)
        built[member_id] = Row(
            member_id=member_id, name=name, days=[[] for _ in range(7)],
            contracted_hours=profile.contracted_hours if profile else None,
        )  # fmt: skip
    with_open = first == 0
    open_row = Row(member_id=None, name="", days=[[] for _ in range(7)])

    # Every shift's rule breaks are counted, but only those of the rows built are written.
    judged = [facts for facts, *_rest in shown if judge_everyone or facts[_PERSON] in built]
    described = {facts[_ID] for facts, *_rest in shown
                 if facts[_PERSON] in built or (with_open and facts[_PERSON] is None)}  # fmt: skip
    tally = rules.Tally()
    # Time off of everyone listed, far enough around the week for the rules' context too.
    away = time_off_between(
        tenant, window_start - RULE_CONTEXT, window_end + RULE_CONTEXT, listed_ids,
        read_everyone=True,
    )  # fmt: skip
    violations = _violations(
        tenant, judged, settings, profiles,
        Loaded(query=window_query, published=published, site_ids=shown_site_ids,
               start=window_start, end=window_end),
        described=described, tally=tally, away=away,
    )  # fmt: skip
    today = today_in(tenant)
    dates = [week_start + dt.timedelta(days=n) for n in range(7)]
    days = [Day(date=date, is_today=date == today) for date in dates]
    costs: dict[tuple[Decimal | None, int], Decimal] = {}  # (rate, minutes) -> cost
    drafts = published_count = 0
    no_violations: tuple[rules.Violation, ...] = ()
    for facts, day, start, end, paid, draft, version in shown:
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
                violations=violations.get(pk, no_violations),
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
    return RotaWeek(
        week_start=week_start, days=days, sites=sites, positions=positions, site=site,
        position=position, open_row=open_row, rows=list(built.values()), first=first,
        people=len(people), violations=violations, hard_violations=tally.hard,
        soft_violations=tally.soft, settings=settings, drafts=drafts, published=published_count,
        drafts_at_sites=drafts_at_sites,
    )  # fmt: skip


def my_schedule(membership: Membership, *, days: int = 42) -> dict[str, Any]:
    """The member's own published shifts from today for `days`, each with the colleagues
    working at the same site at the same time, and their paid hours this week and this month.
    Four queries, whatever the number of shifts."""
    tenant = membership.tenant
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    today = today_in(tenant)
    week_start = week_start_of(today)
    month_start = today.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    window_start = local_midnight(min(week_start, month_start), zone)
    last_day = max(today + dt.timedelta(days=days), month_end, week_start + WEEK)
    window_end = local_midnight(last_day, zone)
    mine = list(
        Shift.objects.filter(
            tenant=tenant, membership=membership, status=Shift.Status.PUBLISHED,
            end_at__gt=window_start, start_at__lt=window_end,
        ).select_related("site", "position").order_by("start_at")
    )  # fmt: skip

    def paid_hours(first: dt.date, last: dt.date) -> Decimal:
        start, end = local_midnight(first, zone), local_midnight(last, zone)
        minutes = sum(s.paid_minutes for s in mine if start <= s.start_at < end)
        return Decimal(minutes) / 60

    now = timezone.now()
    horizon = local_midnight(today + dt.timedelta(days=days), zone)
    upcoming = [s for s in mine if s.end_at > now and s.start_at < horizon]
    colleagues: dict[uuid.UUID, list[Shift]] = defaultdict(list)
    if upcoming:
        others = (
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                site_id__in={s.site_id for s in upcoming},
                start_at__lt=max(s.end_at for s in upcoming),
                end_at__gt=min(s.start_at for s in upcoming),
            ).exclude(membership=membership)
            .select_related("membership__user", "position").order_by("start_at")
        )  # fmt: skip
        for other in others:
            for shift in upcoming:
                if (other.site_id == shift.site_id and other.start_at < shift.end_at
                        and shift.start_at < other.end_at):  # fmt: skip
                    colleagues[shift.pk].append(other)
    return {
        "upcoming": [(shift, colleagues.get(shift.pk, [])) for shift in upcoming],
        "hours_week": paid_hours(week_start, week_start + WEEK),
        "hours_month": paid_hours(month_start, month_end),
        "week_start": week_start,
        "month_start": month_start,
        "days": days,
    }


def feed_shifts(membership: Membership) -> list[Shift]:
    """The member's published shifts for their calendar feed: from 90 days ago, a year ahead."""
    now = timezone.now()
    return list(
        Shift.objects.filter(
            tenant=membership.tenant, membership=membership, status=Shift.Status.PUBLISHED,
            start_at__gte=now - dt.timedelta(days=90), start_at__lt=now + dt.timedelta(days=366),
        ).select_related("site", "position").order_by("start_at")
    )  # fmt: skip


def payroll_rows(
    actor: Membership, start: dt.date, end: dt.date, *, with_pay: bool
) -> Iterator[list[str]]:
    """One row per employee and day (in the site's time zone) of published shifts from `start`
    to `end` inclusive, at the sites `actor` schedules: scheduled hours, breaks, paid hours and,
    `with_pay`, rate and cost. Read after the view has returned (the response streams), so in a
    tenant context of its own, a chunk at a time."""
    from audit.exports import safe_cell

    tenant = actor.tenant
    with tenant_context(tenant):
        settings = scheduling_settings(tenant)
        rates: dict[uuid.UUID, Decimal | None] = {}
        if with_pay:
            rates = {
                p.membership_id: p.hourly_rate
                for p in WorkProfile.objects.filter(tenant=tenant).only(
                    "membership_id", "hourly_rate"
                )
            }
        site_ids = list(sites_for_member(actor).values_list("pk", flat=True))
        zone = zoneinfo.ZoneInfo(tenant.time_zone)
        margin = dt.timedelta(days=2)  # site time zones may differ from the company's
        shifts = (
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                site_id__in=site_ids, start_at__gte=local_midnight(start, zone) - margin,
                start_at__lt=local_midnight(end + dt.timedelta(days=1), zone) + margin,
            )
            .select_related("site", "position", "membership__user")
            .order_by("membership_id", "start_at")
        )  # fmt: skip
        group: list[Shift] = []
        key: tuple[uuid.UUID | None, dt.date] | None = None
        for shift in shifts.iterator(chunk_size=2000):
            day = shift.start_at.astimezone(zoneinfo.ZoneInfo(shift.site.time_zone)).date()
            if not start <= day <= end:
                continue
            if key is not None and key != (shift.membership_id, day):
                yield _payroll_row(group, key[1], rates, settings.currency, safe_cell)
                group = []
            key = (shift.membership_id, day)
            group.append(shift)
        if group and key is not None:
            yield _payroll_row(group, key[1], rates, settings.currency, safe_cell)


def _payroll_row(
    shifts: list[Shift],
    day: dt.date,
    rates: dict[uuid.UUID, Decimal | None],
    currency: str,
    safe: Callable[[str], str],
) -> list[str]:
    first = shifts[0]
    assert first.membership is not None  # noqa: S101 (membership__isnull=False above)
    scheduled = sum(int((s.end_at - s.start_at).total_seconds() // 60) for s in shifts)
    breaks = sum(s.break_minutes for s in shifts)
    rate = rates.get(first.membership.pk)
    paid = Decimal(scheduled - breaks) / 60
    cost = "" if rate is None else str((rate * paid).quantize(Decimal("0.01")))
    return [
        str(first.membership.pk),
        safe(first.membership.user.display_name),
        day.isoformat(),
        safe("; ".join(dict.fromkeys(s.site.name for s in shifts))),
        safe("; ".join(dict.fromkeys(s.position.name for s in shifts))),
        str(len(shifts)),
        str((Decimal(scheduled) / 60).quantize(Decimal("0.01"))),
        str(breaks),
        str(paid.quantize(Decimal("0.01"))),
        "" if rate is None else str(rate),
        cost,
        currency,
    ]
