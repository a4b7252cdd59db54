"""The facts the working-time rules read: the company's rule settings, work profiles as plain
values, and time off (approved leave, unavailability) as UTC intervals."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, Final, Generic, NamedTuple, TypeVar, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from scheduling import rules
from scheduling.columns import any_id, id_columns
from scheduling.limits import successions
from scheduling.models import (
    Availability,
    AvailabilityException,
    AvailabilityKind,
    LeaveRequest,
    SchedulingSettings,
    Shift,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from tenancy.models import Tenant
from tenancy.prepared import (
    SAMPLE_FIRST_DAY,
    SAMPLE_LAST_DAY,
    IdArray,
    company_queries,
    company_query,
)


def _settings_of(tenant_id: uuid.UUID) -> QuerySet[SchedulingSettings]:
    return SchedulingSettings.objects.filter(tenant_id=tenant_id).order_by("pk")[:1]


# The reads below are compiled once per process (tenancy/prepared.py): every rule check, the
# rota and the home pages make them, and building one with the ORM costs about as much Python
# as reading its rows.
_SETTINGS = company_query(_settings_of)


def scheduling_settings(tenant: Tenant) -> SchedulingSettings:
    """The company's rules; the defaults (unsaved) until an admin first saves them."""
    found = _SETTINGS.run(tenant_id=tenant.pk)
    return found[0] if found else SchedulingSettings(tenant=tenant)


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
        max_consecutive_days=settings.max_consecutive_days,
        min_days_off=settings.min_days_off,
        max_weekends=settings.max_weekends,
        weekends_period_weeks=settings.weekends_period_weeks,
        min_minutes_period=_minutes(settings.period_min_hours),
        max_minutes_period=_minutes(settings.period_max_hours),
        hours_period_weeks=settings.hours_period_weeks,
        early_from=_minute_of_day(settings.early_from),
        late_from=_minute_of_day(settings.late_from),
        night_from=_minute_of_day(settings.night_from),
        forbidden_successions=cast(
            frozenset[tuple[rules.Kind, rules.Kind]], successions(settings.forbidden_successions)
        ),
        max_days_is_hard=settings.max_days_is_hard,
        days_off_is_hard=settings.days_off_is_hard,
        weekends_is_hard=settings.weekends_is_hard,
        period_hours_is_hard=settings.period_hours_is_hard,
        succession_is_hard=settings.succession_is_hard,
    )


def _minute_of_day(moment: dt.time) -> int:
    return moment.hour * 60 + moment.minute


class ProfileValues(NamedTuple):
    """What the scheduling pages read of a work profile (plain values, not a model instance)."""

    contracted_hours: Decimal | None
    hourly_rate: Decimal | None
    max_hours_7_days: Decimal | None
    min_rest_hours: Decimal | None
    max_consecutive_days: int | None = None
    min_days_off: int | None = None
    max_weekends: int | None = None
    period_min_hours: Decimal | None = None
    period_max_hours: Decimal | None = None


# How the scheduling reads key rows by id: uuid.UUID, or its text for the rota (see UuidText).
Key = TypeVar("Key", uuid.UUID, str)


# Approved leave and unavailability per person, keyed like the shifts' person ids.
TimeOff = tuple[dict[Any, tuple[rules.TimeOff, ...]], dict[Any, tuple[rules.TimeOff, ...]]]


# Past this many people, time off is read for the whole company rather than sending the ids.
_FEW_PEOPLE: Final = 100


def time_off(tenant: Tenant, rows: Sequence[FactsRow]) -> TimeOff:
    """The approved leave and unavailability of the people in `rows`, around their times.
    Three queries, none when no row has a person. Call it inside the tenant's context."""
    people = {row[FACT_PERSON] for row in rows if row[FACT_PERSON] is not None}
    if not people:
        return {}, {}
    first = min(row[FACT_START] for row in rows)
    last = max(row[FACT_END] for row in rows)
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

    if not people:
        return {}, {}
    text_ids = isinstance(next(iter(people)), str)
    members: IdArray | None = None
    if len(people) <= _FEW_PEOPLE and not read_everyone:
        members = IdArray.of(people)
    found: list[dict[Any, tuple[rules.TimeOff, ...]]] = []
    for read in (approved_leave, unavailable):
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
                max_consecutive_days=profile.max_consecutive_days,
                min_days_off=profile.min_days_off,
                max_weekends=profile.max_weekends,
                min_minutes_period=_minutes(profile.period_min_hours),
                max_minutes_period=_minutes(profile.period_max_hours),
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


def profiles_by_text_id(
    tenant: Tenant, member_ids: Iterable[str] | None = None, *, places: bool = True
) -> Profiles[str]:
    """The profiles of `member_ids` (None: everyone's), with every id as text (see UuidText).
    Without `places`, not their positions and sites (left empty): one query rather than 3."""
    return cast(Profiles[str], _profiles(tenant, member_ids, text_ids=True, places=places))


def _profile_rows(
    tenant_id: uuid.UUID, *, text_ids: bool, members: IdArray | None = None
) -> QuerySet[WorkProfile, Any]:
    profiles = WorkProfile.objects.filter(tenant_id=tenant_id)
    if members is not None:
        profiles = profiles.filter(any_id("membership_id", members))
    return profiles.values_list(
        *id_columns(text_ids, "id", "membership_id"), *ProfileValues._fields
    )


def _place_rows(
    tenant_id: uuid.UUID,
    *,
    model: type[WorkProfilePosition] | type[WorkProfileSite],
    column: str,
    text_ids: bool,
    profiles: IdArray | None = None,
) -> QuerySet[Any, Any]:
    # Every profile of the tenant when no ids are given (rows of others are skipped).
    rows = model.objects.filter(tenant_id=tenant_id)
    if profiles is not None:
        rows = rows.filter(any_id("profile_id", profiles))
    return rows.values_list(*id_columns(text_ids, "profile_id", column))


# By whether ids are text, then whether some people's (profiles') only.
_PROFILES: Final = {
    text_ids: company_queries(partial(_profile_rows, text_ids=text_ids), "members")
    for text_ids in (True, False)
}
# By (positions rather than sites, ids as text), then whether some profiles' only.
_PLACES: Final = {
    (model is WorkProfilePosition, text_ids): company_queries(
        partial(_place_rows, model=model, column=column, text_ids=text_ids), "profiles"
    )
    for model, column in ((WorkProfilePosition, "position_id"), (WorkProfileSite, "site_id"))
    for text_ids in (True, False)
}


def _profiles(
    tenant: Tenant,
    member_ids: Iterable[uuid.UUID] | Iterable[str] | None,
    *,
    text_ids: bool,
    places: bool = True,
) -> Profiles[Any]:
    by_member: dict[Any, ProfileValues] = {}
    member_of: dict[Any, Any] = {}
    some = {} if member_ids is None else {"members": IdArray.of(member_ids)}
    if not some or some["members"]:  # nobody's: no query, as the ORM's `__in` of none
        for profile_id, member_id, *values in _PROFILES[text_ids][bool(some)].run(
            tenant_id=tenant.pk, **some
        ):
            by_member[member_id] = ProfileValues(*values)
            member_of[profile_id] = member_id
    positions: dict[Any, set[Any]] = defaultdict(set)
    sites: dict[Any, set[Any]] = defaultdict(set)
    if member_of and places:
        of_profiles = {} if member_ids is None else {"profiles": IdArray.of(member_of)}
        for of_position, found in ((True, positions), (False, sites)):
            query = _PLACES[of_position, text_ids][bool(of_profiles)]
            for profile_id, place_id in query.run(tenant_id=tenant.pk, **of_profiles):
                if profile_id in member_of:
                    found[member_of[profile_id]].add(place_id)
    return Profiles(
        by_member=by_member,
        positions={member: frozenset(ids) for member, ids in positions.items()},
        sites={member: frozenset(ids) for member, ids in sites.items()},
    )


# A shift as the rules read it (rules.check_rows): ShiftFacts' fields, in order, as a plain
# tuple. A busy week has thousands: tuples of plain values cost little to make and nothing to
# the garbage collector to trace.
FactsRow = rules.FactsRow


FACT_ID: Final = 0


FACT_PERSON: Final = 1


FACT_START: Final = 2


FACT_END: Final = 3


def shift_facts(shift: Shift) -> FactsRow:
    return (shift.pk, shift.membership_id, shift.start_at, shift.end_at, shift.break_minutes,
            shift.site_id, shift.position_id)  # fmt: skip


Interval = tuple[dt.datetime, dt.datetime, str]


# Plain values, not model instances: every rule check and the rota read these.
def _weekly_rows(
    tenant_id: uuid.UUID, members: IdArray | None = None
) -> QuerySet[Availability, Any]:
    rows = Availability.objects.filter(tenant_id=tenant_id, kind=AvailabilityKind.UNAVAILABLE)
    if members is not None:
        rows = rows.filter(any_id("membership_id", members))
    return rows.order_by("weekday", "start_time").values_list(
        "membership_id", "weekday", "start_time", "end_time"
    )


def _change_rows(
    tenant_id: uuid.UUID, first: dt.date, last: dt.date, members: IdArray | None = None
) -> QuerySet[AvailabilityException, Any]:
    rows = AvailabilityException.objects.filter(
        tenant_id=tenant_id, date__gte=first, date__lte=last
    )
    if members is not None:
        rows = rows.filter(any_id("membership_id", members))
    return rows.order_by("date", "start_time").values_list(
        "membership_id", "date", "kind", "start_time", "end_time", "note"
    )


def _leave_rows(
    tenant_id: uuid.UUID, first: dt.date, last: dt.date, members: IdArray | None = None
) -> QuerySet[LeaveRequest, Any]:
    rows = LeaveRequest.objects.filter(
        tenant_id=tenant_id, status=LeaveRequest.Status.APPROVED, start_date__lte=last,
        end_date__gte=first,
    )  # fmt: skip
    if members is not None:
        rows = rows.filter(any_id("membership_id", members))
    return rows.order_by("start_date", "start_time").values_list(
        "membership_id", "start_date", "start_time", "end_date", "end_time", "leave_type__name"
    )


# By whether some people's only.
_WEEKLY: Final = company_queries(_weekly_rows, "members")
_DAYS: Final = {"first": SAMPLE_FIRST_DAY, "last": SAMPLE_LAST_DAY}
_CHANGES: Final = company_queries(_change_rows, "members", **_DAYS)
_LEAVE: Final = company_queries(_leave_rows, "members", **_DAYS)


def unavailable(
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    members: Iterable[object] | None = None,  # ids (as IdArray.of takes them)
) -> dict[uuid.UUID, list[Interval]]:
    """When each member (of `members`, None: everyone) is unavailable within [start, end), as
    UTC intervals: their weekly slots on each day, except dates marked "available after all",
    plus one-off unavailability. Two queries; call it inside the tenant's context."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    some = {} if members is None else {"members": IdArray.of(members)}
    if some and not some["members"]:  # nobody's: no query, as the ORM's `__in` of none
        return {}
    weekly = _WEEKLY[bool(some)].run(tenant_id=tenant.pk, **some)
    changes = _CHANGES[bool(some)].run(tenant_id=tenant.pk, first=first, last=last, **some)
    lifted = {(member, date) for member, date, kind, *_rest in changes
              if kind == AvailabilityKind.AVAILABLE}  # fmt: skip
    found: dict[uuid.UUID, list[Interval]] = {}

    def add(member: uuid.UUID, day: dt.date, begin: dt.time | None, until: dt.time | None,
            label: str) -> None:  # fmt: skip
        a = dt.datetime.combine(day, begin or dt.time.min, tzinfo=zone)
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        b = dt.datetime.combine(day, until, tzinfo=zone) if until else next_midnight
        found.setdefault(member, []).append((a.astimezone(dt.UTC), b.astimezone(dt.UTC), label))

    if weekly:
        plain = _("unavailable")
        day = first
        while day <= last:
            weekday = day.weekday()
            for member, slot_weekday, begin, until in weekly:
                if slot_weekday == weekday and (member, day) not in lifted:
                    add(member, day, begin, until, plain)
            day += dt.timedelta(days=1)
    for member, date, kind, from_time, to_time, note in changes:
        if kind == AvailabilityKind.UNAVAILABLE:
            add(member, date, from_time, to_time, note or _("unavailable"))
    return found


def approved_leave(
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    members: Iterable[object] | None = None,  # ids (as IdArray.of takes them)
) -> dict[uuid.UUID, list[Interval]]:
    """Approved leave overlapping [start, end), per membership (of `members`, None: everyone),
    as UTC intervals in the company's time zone (a whole day is midnight to midnight). One
    query; call it inside the tenant's context (the rules read it for every check)."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    some = {} if members is None else {"members": IdArray.of(members)}
    if some and not some["members"]:  # nobody's: no query, as the ORM's `__in` of none
        return {}
    rows = _LEAVE[bool(some)].run(tenant_id=tenant.pk, first=first, last=last, **some)
    found: dict[uuid.UUID, list[Interval]] = {}
    for member_id, start_date, start_time, end_date, end_time, label in rows:
        begin = dt.datetime.combine(start_date, start_time or dt.time.min, tzinfo=zone)
        found.setdefault(member_id, []).append(
            (begin.astimezone(dt.UTC), _end_of(end_date, end_time, zone), label)
        )
    return found


def _end_of(end_date: dt.date, end_time: dt.time | None, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    if end_time is not None:
        return dt.datetime.combine(end_date, end_time, tzinfo=zone).astimezone(dt.UTC)
    next_day = end_date + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)
