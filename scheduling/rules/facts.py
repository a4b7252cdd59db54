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
from typing import Any, Final, Generic, NamedTuple, TypeVar, cast

from django.db.models import Q
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
    members: list[uuid.UUID] | None = None
    if len(people) <= _FEW_PEOPLE and not read_everyone:
        members = [uuid.UUID(str(p)) if text_ids else cast(uuid.UUID, p) for p in people]
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


def _profiles(
    tenant: Tenant,
    member_ids: Iterable[uuid.UUID] | Iterable[str] | None,
    *,
    text_ids: bool,
    places: bool = True,
) -> Profiles[Any]:
    profiles = WorkProfile.objects.filter(tenant=tenant)
    if member_ids is not None:
        profiles = profiles.filter(any_id("membership_id", member_ids))
    by_member: dict[Any, ProfileValues] = {}
    member_of: dict[Any, Any] = {}
    for profile_id, member_id, *values in profiles.values_list(
        *id_columns(text_ids, "id", "membership_id"), *ProfileValues._fields
    ):
        by_member[member_id] = ProfileValues(*values)
        member_of[profile_id] = member_id
    positions: dict[Any, set[Any]] = defaultdict(set)
    sites: dict[Any, set[Any]] = defaultdict(set)
    if member_of and places:
        # Every profile of the tenant: no list of ids to send (rows of others are skipped).
        wanted = Q(tenant=tenant)
        if member_ids is not None:
            wanted &= any_id("profile_id", member_of)
        for profile_id, position_id in WorkProfilePosition.objects.filter(wanted).values_list(
            *id_columns(text_ids, "profile_id", "position_id")
        ):
            if profile_id in member_of:
                positions[member_of[profile_id]].add(position_id)
        for profile_id, site_id in WorkProfileSite.objects.filter(wanted).values_list(
            *id_columns(text_ids, "profile_id", "site_id")
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


FACT_ID: Final = 0


FACT_PERSON: Final = 1


FACT_START: Final = 2


FACT_END: Final = 3


def shift_facts(shift: Shift) -> FactsRow:
    return (shift.pk, shift.membership_id, shift.start_at, shift.end_at, shift.break_minutes,
            shift.site_id, shift.position_id)  # fmt: skip


Interval = tuple[dt.datetime, dt.datetime, str]


def unavailable(
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    members: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[Interval]]:
    """When each member (of `members`, None: everyone) is unavailable within [start, end), as
    UTC intervals: their weekly slots on each day, except dates marked "available after all",
    plus one-off unavailability. Two queries; call it inside the tenant's context."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    # Plain values, not model instances: every rule check and the rota read these.
    weekly_rows = Availability.objects.filter(
        tenant=tenant, kind=AvailabilityKind.UNAVAILABLE
    ).order_by("weekday", "start_time")
    change_rows = AvailabilityException.objects.filter(
        tenant=tenant, date__gte=first, date__lte=last
    ).order_by("date", "start_time")
    if members is not None:
        wanted = list(members)
        weekly_rows = weekly_rows.filter(any_id("membership_id", wanted))
        change_rows = change_rows.filter(any_id("membership_id", wanted))
    weekly = list(weekly_rows.values_list("membership_id", "weekday", "start_time", "end_time"))
    changes = list(
        change_rows.values_list("membership_id", "date", "kind", "start_time", "end_time", "note")
    )
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
    members: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[Interval]]:
    """Approved leave overlapping [start, end), per membership (of `members`, None: everyone),
    as UTC intervals in the company's time zone (a whole day is midnight to midnight). One
    query; call it inside the tenant's context (the rules read it for every check)."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    query = LeaveRequest.objects.filter(
        tenant=tenant, status=LeaveRequest.Status.APPROVED, start_date__lte=last,
        end_date__gte=first,
    )  # fmt: skip
    if members is not None:
        query = query.filter(any_id("membership_id", members))
    # Plain values, not model instances: every rule check and the rota read this.
    rows = query.order_by("start_date", "start_time").values_list(
        "membership_id", "start_date", "start_time", "end_date", "end_time", "leave_type__name"
    )
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
