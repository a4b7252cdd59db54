"""Working-time rules: which shifts of a rota break which rule, and why.

A pure engine: it reads plain facts (:class:`ShiftFacts`, :class:`PersonFacts`, :class:`RuleSet`)
and returns :class:`Violation` objects. It knows nothing of models or the database, so callers
load what they need once and the rules can be tested exhaustively without either.

Open shifts (``person is None``) are ignored entirely: never checked, never counted. The other
shifts are grouped by person; a person missing from ``people`` has no positions, no sites and no
personal overrides. Every duration below is real elapsed time between UTC instants, so a night
on which the clocks change is an hour shorter or longer, as it is for the person working it.

The rules, exactly:

``overlap`` (always hard)
    Two different shifts ``a`` and ``b`` of one person overlap when
    ``a.start < b.end and b.start < a.end``. A shift ending as the next one starts does not
    overlap it. Each shift gets a violation naming the other.

``rest`` (hard when ``RuleSet.rest_is_hard``)
    Two different shifts of one person that do not overlap, with ``a.end <= b.start`` and
    ``b.start - a.end`` less than the person's minimum rest (``PersonFacts.min_rest_minutes``,
    else ``RuleSet.min_rest_minutes``). Every such pair counts, not only neighbours; exactly the
    minimum is fine. Each shift gets a violation naming the other.

``max_hours`` (hard when ``RuleSet.max_hours_is_hard``)
    "At most 48 hours in any 7 days", with work counted at the start of its shift. A shift ``s``
    is flagged when the :attr:`~ShiftFacts.paid_minutes` of the person's shifts starting in
    ``(s.start - 7 days, s.start]`` add up to more than the person's maximum
    (``PersonFacts.max_minutes_7_days``, else ``RuleSet.max_minutes_7_days``). Shifts sharing a
    start are all in each other's window; exactly the maximum is fine.

``weekly_rest`` (hard when ``RuleSet.weekly_rest_is_hard``)
    "At least 24 hours' uninterrupted rest in each 7 days" over fixed weeks, as the UK Working
    Time Regulations 1998 (reg. 11) allow. A week runs from Monday 00:00 to the next Monday
    00:00 in ``RuleSet.time_zone``, so the weeks in which the clocks change are 167 or 169 hours
    long. For each week in which the person starts at least one shift, the person is busy during
    the union of all their shifts ``[start, end)`` (unpaid breaks are not rest), clipped to the
    week, including shifts begun the week before. When the longest free stretch inside the week,
    counting from the week's start and up to its end, is shorter than
    ``RuleSet.min_weekly_rest_minutes``, every shift the person starts in that week is flagged.

``position`` and ``site`` (hard when ``RuleSet.qualification_is_hard``)
    The shift's position is not among the person's positions, or its site not among their sites.

Costs: sorting each person's shifts, then one sweep per rule, so O(n log n + k) for n shifts
and k reported pairs.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

__all__ = [
    "Code",
    "PersonFacts",
    "RuleSet",
    "ShiftFacts",
    "Violation",
    "check",
    "format_minutes",
]

MINUTE = timedelta(minutes=1)
SEVEN_DAYS = timedelta(days=7)

# Django's own message ids (django.utils.dates), so its catalogues already translate them.
_WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)
_MONTHS = (
    gettext_lazy("jan"),
    gettext_lazy("feb"),
    gettext_lazy("mar"),
    gettext_lazy("apr"),
    gettext_lazy("may"),
    gettext_lazy("jun"),
    gettext_lazy("jul"),
    gettext_lazy("aug"),
    gettext_lazy("sep"),
    gettext_lazy("oct"),
    gettext_lazy("nov"),
    gettext_lazy("dec"),
)


class Code(StrEnum):
    """What a :class:`Violation` is about."""

    OVERLAP = "overlap"
    REST = "rest"
    MAX_HOURS = "max_hours"
    WEEKLY_REST = "weekly_rest"
    POSITION = "position"
    SITE = "site"


@dataclass(frozen=True)
class ShiftFacts:
    """What the rules need to know about one shift."""

    id: Hashable
    #: The membership working the shift; ``None`` for an open shift.
    person: Hashable | None
    #: Timezone-aware; any zone (compared and subtracted as UTC instants).
    start: datetime
    #: Timezone-aware, after ``start``; the shift may cross midnight.
    end: datetime
    #: Unpaid break, at least 0 and shorter than the shift.
    break_minutes: int
    site: Hashable
    position: Hashable

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError(f"Shift {self.id!r}: start and end must be timezone-aware.")
        if self._length <= timedelta(0):
            raise ValueError(f"Shift {self.id!r}: end must be after start.")
        if not 0 <= self.break_minutes < self._length // MINUTE:
            raise ValueError(f"Shift {self.id!r}: break must be >= 0 and shorter than the shift.")

    @property
    def _length(self) -> timedelta:
        # In UTC: Python subtracts two datetimes sharing a tzinfo as wall-clock times, which
        # would lose or gain an hour across a change of the clocks.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)

    @property
    def paid_minutes(self) -> int:
        """Whole minutes from start to end, less the unpaid break."""
        return self._length // MINUTE - self.break_minutes


@dataclass(frozen=True)
class PersonFacts:
    """What the rules need to know about one person (a membership)."""

    id: Hashable
    #: Positions the person can work.
    positions: frozenset[Hashable]
    #: Sites the person can work at.
    sites: frozenset[Hashable]
    #: Personal override of :attr:`RuleSet.min_rest_minutes`.
    min_rest_minutes: int | None = None
    #: Personal override of :attr:`RuleSet.max_minutes_7_days`.
    max_minutes_7_days: int | None = None

    def __post_init__(self) -> None:
        _check_not_negative(self, "min_rest_minutes", "max_minutes_7_days")


@dataclass(frozen=True)
class RuleSet:
    """A tenant's thresholds, and whether breaking each rule blocks publishing (hard) or warns."""

    #: The tenant's zone: where weeks start (weekly rest) and how times read in messages.
    time_zone: str = "Europe/London"
    min_rest_minutes: int = 11 * 60
    max_minutes_7_days: int = 48 * 60
    min_weekly_rest_minutes: int = 24 * 60
    rest_is_hard: bool = True
    max_hours_is_hard: bool = True
    weekly_rest_is_hard: bool = True
    qualification_is_hard: bool = True

    def __post_init__(self) -> None:
        _check_not_negative(
            self, "min_rest_minutes", "max_minutes_7_days", "min_weekly_rest_minutes"
        )

    def is_hard(self, code: Code) -> bool:
        """Whether breaking the rule ``code`` is an error rather than a warning."""
        return {
            Code.OVERLAP: True,
            Code.REST: self.rest_is_hard,
            Code.MAX_HOURS: self.max_hours_is_hard,
            Code.WEEKLY_REST: self.weekly_rest_is_hard,
            Code.POSITION: self.qualification_is_hard,
            Code.SITE: self.qualification_is_hard,
        }[code]


def _check_not_negative(facts: object, *names: str) -> None:
    for name in names:
        value = getattr(facts, name)
        if value is not None and value < 0:
            raise ValueError(f"{type(facts).__name__}.{name} must not be negative.")


@dataclass(frozen=True)
class Violation:
    """One rule one shift breaks; ``other_shift_id`` names the shift it clashes with, if any."""

    shift_id: Hashable
    code: Code
    hard: bool
    #: One sentence for people, in the active language.
    message: str
    other_shift_id: Hashable | None = None


def check(
    shifts: Iterable[ShiftFacts],
    people: Mapping[Any, PersonFacts],
    rules: RuleSet,
    *,
    only: AbstractSet[Hashable] | None = None,
) -> dict[Hashable, list[Violation]]:
    """Violations per shift id; shifts without violations are absent.

    ``shifts`` is every shift the caller loaded, context included (a week on screen needs the
    7 days either side for rest and the 7-day maximum). ``only``, when given, limits which
    shifts' violations are returned; every shift still counts as context.

    ``people`` maps person ids to their facts. (Its keys are typed ``Any`` because a mapping's
    key type is invariant: ``dict[UUID, PersonFacts]`` is no ``Mapping[Hashable, PersonFacts]``.)

    Each list is sorted hard first, then by code, then by the other shift's id as text, and
    holds a (code, other shift) pair at most once.
    """
    engine = _Engine(rules)
    for person, worked in _by_person(shifts).items():
        facts = people.get(person)
        if facts is None:  # not (or no longer) a member: qualified for nothing
            facts = PersonFacts(person, positions=frozenset(), sites=frozenset())
        engine.check_person(facts, worked)
    return {
        shift_id: sorted(found, key=_sort_key)
        for shift_id, found in engine.found.items()
        if only is None or shift_id in only
    }


def format_minutes(minutes: int) -> str:
    """A duration for people: "9 h 30 min", "11 h", "45 min"."""
    if minutes < 0:
        return "-" + format_minutes(-minutes)
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": minutes}
    if not minutes:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}


@dataclass(frozen=True, slots=True)
class _Shift:
    """A shift of a known person, with instants in UTC (see :attr:`ShiftFacts._length`)."""

    facts: ShiftFacts
    start: datetime
    end: datetime

    @property
    def id(self) -> Hashable:
        return self.facts.id


def _by_person(shifts: Iterable[ShiftFacts]) -> dict[Hashable, list[_Shift]]:
    """Assigned shifts per person, each list sorted by start; repeats of a shift are dropped."""
    seen: dict[Hashable, ShiftFacts] = {}
    grouped: dict[Hashable, list[_Shift]] = {}
    for facts in shifts:
        if facts.id in seen:
            if seen[facts.id] != facts:
                raise ValueError(f"Two different shifts share the id {facts.id!r}.")
            continue
        seen[facts.id] = facts
        if facts.person is not None:
            shift = _Shift(facts, facts.start.astimezone(UTC), facts.end.astimezone(UTC))
            grouped.setdefault(facts.person, []).append(shift)
    for worked in grouped.values():
        worked.sort(key=lambda shift: shift.start)
    return grouped


class _Engine:
    """Applies the rules person by person, collecting violations per shift id."""

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self.zone = ZoneInfo(rules.time_zone)
        self.found: dict[Hashable, list[Violation]] = {}
        self._weeks: dict[date, tuple[datetime, datetime]] = {}

    def check_person(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        """Check one person's shifts, sorted by start."""
        self._overlap_and_rest(person, shifts)
        self._max_hours(person, shifts)
        self._weekly_rest(shifts)
        self._qualification(person, shifts)

    def _add(self, shift: _Shift, code: Code, message: str, other: _Shift | None = None) -> None:
        violation = Violation(
            shift_id=shift.id,
            code=code,
            hard=self.rules.is_hard(code),
            message=message,
            other_shift_id=None if other is None else other.id,
        )
        self.found.setdefault(shift.id, []).append(violation)

    def _overlap_and_rest(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        minimum = _or(person.min_rest_minutes, self.rules.min_rest_minutes)
        for earlier, later in _close_pairs(shifts, minimum * MINUTE):
            if earlier.end > later.start:
                self._add(earlier, Code.OVERLAP, self._overlap_message(later), later)
                self._add(later, Code.OVERLAP, self._overlap_message(earlier), earlier)
                continue
            rest = format_minutes((later.start - earlier.end) // MINUTE)
            at_least = format_minutes(minimum)
            message = _("Only %(rest)s rest before the shift starting %(time)s (at least %(min)s).")
            values = {"rest": rest, "time": self._time(later.start), "min": at_least}
            self._add(earlier, Code.REST, message % values, later)
            message = _("Only %(rest)s rest after the shift ending %(time)s (at least %(min)s).")
            values = {"rest": rest, "time": self._time(earlier.end), "min": at_least}
            self._add(later, Code.REST, message % values, earlier)

    def _overlap_message(self, other: _Shift) -> str:
        return _("Overlaps the shift from %(start)s to %(end)s.") % {
            "start": self._time(other.start),
            "end": self._time(other.end),
        }

    def _max_hours(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        maximum = _or(person.max_minutes_7_days, self.rules.max_minutes_7_days)
        starts = [shift.start for shift in shifts]
        # paid[i:j] sums as totals[j] - totals[i].
        totals = list(accumulate((shift.facts.paid_minutes for shift in shifts), initial=0))
        first = after = 0  # the window of `shift` is shifts[first:after]
        for shift in shifts:
            while starts[first] <= shift.start - SEVEN_DAYS:
                first += 1
            while after < len(shifts) and starts[after] <= shift.start:
                after += 1
            worked = totals[after] - totals[first]
            if worked > maximum:
                message = _(
                    "%(worked)s of paid work in the 7 days up to %(time)s (at most %(maximum)s)."
                ) % {
                    "worked": format_minutes(worked),
                    "time": self._time(shift.start),
                    "maximum": format_minutes(maximum),
                }
                self._add(shift, Code.MAX_HOURS, message)

    def _weekly_rest(self, shifts: list[_Shift]) -> None:
        minimum = self.rules.min_weekly_rest_minutes * MINUTE
        busy = _union(shifts)
        busy_ends = [end for _start, end in busy]
        starting: dict[tuple[datetime, datetime], list[_Shift]] = {}
        for shift in shifts:
            starting.setdefault(self._week(shift.start), []).append(shift)
        for (week_start, week_end), flagged in starting.items():
            longest = timedelta(0)
            free_since = week_start
            # Busy stretches are disjoint and sorted, so their ends ascend too: skip to the
            # first one ending inside the week.
            index = bisect_right(busy_ends, week_start)
            while index < len(busy) and busy[index][0] < week_end:
                start, end = busy[index]
                longest = max(longest, start - free_since)
                free_since = min(end, week_end)
                index += 1
            longest = max(longest, week_end - free_since)
            if longest < minimum:
                message = _(
                    "The longest rest in the week from %(week)s is %(rest)s (at least %(minimum)s)."
                ) % {
                    "week": self._day(week_start),
                    "rest": format_minutes(longest // MINUTE),
                    "minimum": format_minutes(self.rules.min_weekly_rest_minutes),
                }
                for shift in flagged:
                    self._add(shift, Code.WEEKLY_REST, message)

    def _week(self, instant: datetime) -> tuple[datetime, datetime]:
        """The UTC bounds of the local week, Monday 00:00 to Monday 00:00, holding ``instant``."""
        day = instant.astimezone(self.zone).date()
        monday = day - timedelta(days=day.weekday())
        if monday not in self._weeks:
            self._weeks[monday] = (
                datetime.combine(monday, time(), tzinfo=self.zone).astimezone(UTC),
                datetime.combine(monday + SEVEN_DAYS, time(), tzinfo=self.zone).astimezone(UTC),
            )
        return self._weeks[monday]

    def _qualification(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        for shift in shifts:
            if shift.facts.position not in person.positions:
                message = _("The person is not qualified for this shift's position.")
                self._add(shift, Code.POSITION, message)
            if shift.facts.site not in person.sites:
                self._add(shift, Code.SITE, _("The person does not work at this shift's site."))

    def _time(self, instant: datetime) -> str:
        """``instant`` in the tenant's zone, like "Tue 17 Nov 22:00"."""
        local = instant.astimezone(self.zone)
        return _("%(day)s %(time)s") % {"day": self._day(local), "time": f"{local:%H:%M}"}

    def _day(self, instant: datetime) -> str:
        """The local day of ``instant``, like "Tue 17 Nov"."""
        local = instant.astimezone(self.zone)
        return _("%(weekday)s %(day)d %(month)s") % {
            "weekday": _WEEKDAYS[local.weekday()],
            "day": local.day,
            "month": str(_MONTHS[local.month - 1]).title(),
        }


def _sort_key(violation: Violation) -> tuple[bool, str, str]:
    other = "" if violation.other_shift_id is None else str(violation.other_shift_id)
    return (not violation.hard, violation.code, other)


def _or(override: int | None, default: int) -> int:
    return default if override is None else override


def _close_pairs(shifts: list[_Shift], rest: timedelta) -> Iterator[tuple[_Shift, _Shift]]:
    """Every pair (earlier, later) of ``shifts`` (sorted by start) that overlap or leave less
    than ``rest`` between them, each pair once.

    A sweep by start keeps the earlier shifts in a heap by end. Once a shift ends at or before
    ``later.start - rest`` it is too far from this and every later start, so it leaves the heap;
    whatever stays is close to ``later``. Each shift enters and leaves once: O(n log n + pairs).
    """
    ending: list[tuple[datetime, int]] = []
    for index, later in enumerate(shifts):
        horizon = later.start - rest
        while ending and ending[0][0] <= horizon:
            heapq.heappop(ending)
        for _end, earlier in ending:
            yield shifts[earlier], later
        heapq.heappush(ending, (later.end, index))


def _union(shifts: list[_Shift]) -> list[tuple[datetime, datetime]]:
    """The busy time of ``shifts`` (sorted by start) as disjoint ``[start, end)`` stretches."""
    merged: list[tuple[datetime, datetime]] = []
    for shift in shifts:
        if merged and shift.start <= merged[-1][1]:
            if shift.end > merged[-1][1]:
                merged[-1] = (merged[-1][0], shift.end)
        else:
            merged.append((shift.start, shift.end))
    return merged
