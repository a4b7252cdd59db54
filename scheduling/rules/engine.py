"""The working-time rules engine: pure functions over plain facts (the rules, exactly, are
specified in the package docstring, scheduling/rules/__init__.py)."""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import accumulate
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from scheduling.rules.days import DayRules, day_context
from scheduling.rules.layout import BREAK as _BREAK
from scheduling.rules.layout import COUNTED as _COUNTED
from scheduling.rules.layout import END as _END
from scheduling.rules.layout import ID as _ID
from scheduling.rules.layout import POSITION as _POSITION
from scheduling.rules.layout import SITE as _SITE
from scheduling.rules.layout import START as _START
from scheduling.rules.layout import WANTED as _WANTED
from scheduling.rules.layout import Code, Kind
from scheduling.rules.layout import Shift as _Shift
from scheduling.rules.wording import MINUTE, NOT_AT_SITE, NOT_QUALIFIED, Wording, format_minutes

__all__ = [
    "Code",
    "Kind",
    "PersonFacts",
    "RuleSet",
    "ShiftFacts",
    "Tally",
    "TimeOff",
    "Violation",
    "check",
    "check_rows",
    "format_minutes",
]


SEVEN_DAYS = timedelta(days=7)


_KINDS = frozenset(kind.value for kind in Kind)


# A stretch of time off: start and end (timezone-aware), and what it is, for people ("Annual
# leave", "unavailable").
TimeOff = tuple[datetime, datetime, str]


@dataclass(frozen=True, slots=True)
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
        _check_times(self.id, self.start, self.end, self.break_minutes)

    @property
    def _length(self) -> timedelta:
        # In UTC: Python subtracts two datetimes sharing a tzinfo as wall-clock times, which
        # would lose or gain an hour across a change of the clocks.
        return _utc(self.end) - _utc(self.start)

    @property
    def paid_minutes(self) -> int:
        """Whole minutes from start to end, less the unpaid break."""
        return self._length // MINUTE - self.break_minutes


@dataclass(frozen=True, slots=True)
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
    #: Approved leave, in any order.
    leave: tuple[TimeOff, ...] = ()
    #: When the person said they cannot work, in any order.
    unavailable: tuple[TimeOff, ...] = ()
    #: Personal overrides of the RuleSet fields of the same names (None: the company's).
    max_consecutive_days: int | None = None
    min_days_off: int | None = None
    max_weekends: int | None = None
    min_minutes_period: int | None = None
    max_minutes_period: int | None = None

    def __post_init__(self) -> None:
        _check_not_negative(
            self, "min_rest_minutes", "max_minutes_7_days", "max_consecutive_days",
            "min_days_off", "max_weekends", "min_minutes_period", "max_minutes_period",
        )  # fmt: skip
        for start, end, _what in (*self.leave, *self.unavailable):
            if start.utcoffset() is None or end.utcoffset() is None or not end > start:
                raise ValueError(f"Person {self.id!r}: time off must be aware, end after start.")


@dataclass(frozen=True, slots=True)
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
    unavailability_is_hard: bool = False
    # The rules over local days (scheduling/rules/__init__.py says exactly); None: no such rule.
    #: At most this many working days in a row.
    max_consecutive_days: int | None = None
    #: Days off between two working days come at least this many in a row.
    min_days_off: int | None = None
    #: At most this many weekends worked in any `weekends_period_weeks` weeks in a row.
    max_weekends: int | None = None
    weekends_period_weeks: int = 4
    #: At least (a warning, never hard) and at most this much paid work in each period of
    #: `hours_period_weeks` weeks, counted from Monday 1 January 2024.
    min_minutes_period: int | None = None
    max_minutes_period: int | None = None
    hours_period_weeks: int = 4
    #: A shift's kind by the local time it starts, in minutes after midnight: early from
    #: `early_from`, late from `late_from`, night from `night_from` to the next `early_from`.
    early_from: int = 6 * 60
    late_from: int = 12 * 60
    night_from: int = 20 * 60
    #: (kind, kind) pairs: a shift of the first kind may not be followed, on the next local
    #: day, by a shift of the second.
    forbidden_successions: frozenset[tuple[Kind, Kind]] = frozenset()
    max_days_is_hard: bool = True
    days_off_is_hard: bool = True
    weekends_is_hard: bool = True
    period_hours_is_hard: bool = True
    succession_is_hard: bool = True

    def __post_init__(self) -> None:
        _check_not_negative(
            self, "min_rest_minutes", "max_minutes_7_days", "min_weekly_rest_minutes",
            "max_consecutive_days", "min_days_off", "max_weekends", "min_minutes_period",
            "max_minutes_period",
        )  # fmt: skip
        if self.weekends_period_weeks < 1 or self.hours_period_weeks < 1:
            raise ValueError("RuleSet: a period is at least one week.")
        if not 0 <= self.early_from < self.late_from < self.night_from < 24 * 60:
            raise ValueError("RuleSet: early, late and night must start in that order in a day.")
        for pair in self.forbidden_successions:
            if len(pair) != 2 or not all(kind in _KINDS for kind in pair):
                raise ValueError(f"RuleSet: {pair!r} is not a pair of kinds of shift.")

    def context(self, people: Iterable[PersonFacts] = ()) -> timedelta:
        """How far either side of the shifts under judgement the rules look (rest, the 7-day
        maximum, weeks, and the rules over days and periods, with `people`'s overrides): the
        shifts a caller loads around them so that each rule sees all it needs."""
        return max(timedelta(days=8), day_context(self, people))

    def is_hard(self, code: Code) -> bool:
        """Whether breaking the rule ``code`` is an error rather than a warning."""
        return {
            Code.OVERLAP: True,
            Code.REST: self.rest_is_hard,
            Code.MAX_HOURS: self.max_hours_is_hard,
            Code.WEEKLY_REST: self.weekly_rest_is_hard,
            Code.POSITION: self.qualification_is_hard,
            Code.SITE: self.qualification_is_hard,
            Code.LEAVE: True,
            Code.UNAVAILABLE: self.unavailability_is_hard,
            Code.MAX_DAYS: self.max_days_is_hard,
            Code.DAYS_OFF: self.days_off_is_hard,
            Code.WEEKENDS: self.weekends_is_hard,
            Code.PERIOD_MAX_HOURS: self.period_hours_is_hard,
            Code.PERIOD_MIN_HOURS: False,  # a floor to aim for, never a block
            Code.SUCCESSION: self.succession_is_hard,
        }[code]


def _check_times(shift_id: Hashable, start: datetime, end: datetime, break_minutes: int) -> None:
    """What ShiftFacts requires of a shift's times (see its fields)."""
    if start.utcoffset() is None or end.utcoffset() is None:
        raise ValueError(f"Shift {shift_id!r}: start and end must be timezone-aware.")
    length = _utc(end) - _utc(start)
    if length <= timedelta(0):
        raise ValueError(f"Shift {shift_id!r}: end must be after start.")
    if not 0 <= break_minutes < length // MINUTE:
        raise ValueError(f"Shift {shift_id!r}: break must be >= 0 and shorter than the shift.")


def _check_not_negative(facts: object, *names: str) -> None:
    for name in names:
        value = getattr(facts, name)
        if value is not None and value < 0:
            raise ValueError(f"{type(facts).__name__}.{name} must not be negative.")


@dataclass(frozen=True, slots=True)
class Violation:
    """One rule one shift breaks; ``other_shift_id`` names the shift it clashes with, if any."""

    shift_id: Hashable
    code: Code
    hard: bool
    #: One sentence for people, in the active language.
    message: str
    other_shift_id: Hashable | None = None


@dataclass(slots=True)
class Tally:
    """How many violations, hard and soft, some shifts have (see :func:`check`)."""

    hard: int = 0
    soft: int = 0


def check(
    shifts: Iterable[ShiftFacts],
    people: Mapping[Any, PersonFacts],
    rules: RuleSet,
    *,
    only: AbstractSet[Hashable] | None = None,
    count: AbstractSet[Hashable] = frozenset(),
    tally: Tally | None = None,
    complete_until: datetime | None = None,
) -> dict[Hashable, list[Violation]]:
    """Violations per shift id; shifts without violations are absent.

    ``shifts`` is every shift the caller loaded, context included (a week on screen needs the
    7 days either side for rest and the 7-day maximum). ``only``, when given, limits which
    shifts' violations are returned; every shift still counts as context.

    The violations of the shifts in ``count`` are added up in ``tally``, whether they are
    returned or not, and without writing their messages: a rota says how many rule breaks
    its whole week has while it shows those of a few dozen people.

    ``people`` maps person ids to their facts. (Its keys are typed ``Any`` because a mapping's
    key type is invariant: ``dict[UUID, PersonFacts]`` is no ``Mapping[Hashable, PersonFacts]``.)

    ``complete_until``, when given, says the rota is settled only up to then: the minimum
    hours of a period are judged only for periods ending by then (a draft in progress does not
    shout that its period is short). None: every period is complete.

    Each list is sorted hard first, then by code, then by the other shift's id as text, and
    holds a (code, other shift) pair at most once.
    """
    rows = ((f.id, f.person, f.start, f.end, f.break_minutes, f.site, f.position) for f in shifts)
    return _check(rows, people, rules, only, count, tally, complete_until, checked=True)


# A shift's facts as a plain tuple: ShiftFacts' fields, in order.
FactsRow = tuple[Hashable, Hashable | None, datetime, datetime, int, Hashable, Hashable]


def check_rows(
    rows: Iterable[FactsRow],
    people: Mapping[Any, PersonFacts],
    rules: RuleSet,
    *,
    only: AbstractSet[Hashable] | None = None,
    count: AbstractSet[Hashable] = frozenset(),
    tally: Tally | None = None,
    complete_until: datetime | None = None,
) -> dict[Hashable, list[Violation]]:
    """:func:`check`, with each shift's facts as a plain tuple of ShiftFacts' fields in order
    (``ShiftFacts(*row)`` would hold the same, and is refused alike): for callers with
    thousands of shifts, which need make no object for each."""
    return _check(rows, people, rules, only, count, tally, complete_until, checked=False)


def _check(
    rows: Iterable[FactsRow],
    people: Mapping[Any, PersonFacts],
    rules: RuleSet,
    only: AbstractSet[Hashable] | None,
    count: AbstractSet[Hashable],
    tally: Tally | None,
    complete_until: datetime | None,
    *,
    checked: bool,
) -> dict[Hashable, list[Violation]]:
    engine = _Engine(rules, tally if tally is not None else Tally(), complete_until)
    for person, worked in _by_person(rows, only, count, checked=checked).items():
        if not any(shift[_WANTED] or shift[_COUNTED] for shift in worked):
            continue  # context only: nothing of this person's is reported
        facts = people.get(person)
        if facts is None:  # not (or no longer) a member: qualified for nothing
            facts = PersonFacts(person, positions=frozenset(), sites=frozenset())
        engine.check_person(facts, worked)
    return {shift_id: sorted(found, key=_sort_key) for shift_id, found in engine.found.items()}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _by_person(
    rows: Iterable[FactsRow],
    only: AbstractSet[Hashable] | None,
    count: AbstractSet[Hashable],
    *,
    checked: bool,
) -> dict[Hashable, list[_Shift]]:
    """Assigned shifts per person, each list sorted by start; repeats of a shift are dropped.
    Unless `checked` (made from ShiftFacts), each row's times are checked as ShiftFacts' are."""
    seen: dict[Hashable, FactsRow] = {}
    grouped: dict[Hashable, list[_Shift]] = {}
    for row in rows:
        shift_id, person, start, end, break_minutes, site, position = row
        if not checked:
            _check_times(shift_id, start, end, break_minutes)
        if shift_id in seen:
            if seen[shift_id] != row:
                raise ValueError(f"Two different shifts share the id {shift_id!r}.")
            continue
        seen[shift_id] = row
        if person is not None:
            shift = (
                shift_id, _utc(start), _utc(end), break_minutes, site, position,
                only is None or shift_id in only, shift_id in count,
            )  # fmt: skip
            grouped.setdefault(person, []).append(shift)
    for worked in grouped.values():
        worked.sort(key=_by_start)
    return grouped


_by_start = itemgetter(_START)


class _Engine(DayRules):
    """Applies the rules person by person, collecting the violations of the wanted shifts."""

    def __init__(self, rules: RuleSet, tally: Tally, complete_until: datetime | None) -> None:
        self.rules = rules
        self.complete_until = None if complete_until is None else _utc(complete_until)
        self.tally = tally
        self.hard = {code: rules.is_hard(code) for code in Code}
        self.zone = ZoneInfo(rules.time_zone)
        self.wording = Wording(self.zone)
        self.found: dict[Hashable, list[Violation]] = {}
        self._weeks: dict[date, tuple[datetime, datetime]] = {}

    def check_person(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        """Check one person's shifts, sorted by start."""
        self._overlap_and_rest(person, shifts)
        self._max_hours(person, shifts)
        self._weekly_rest(shifts)
        self._qualification(person, shifts)
        self._day_rules(person, shifts)
        if person.leave:
            self._time_off(person.leave, shifts, Code.LEAVE, self.wording.leave)
        if person.unavailable:
            self._time_off(person.unavailable, shifts, Code.UNAVAILABLE, self.wording.unavailable)

    def _add(
        self, shift: _Shift, code: Code, message: Callable[[], str], other: _Shift | None = None
    ) -> None:
        """Record that ``shift`` breaks ``code``; ``message`` is written only if it is wanted."""
        hard = self.hard[code]
        if shift[_COUNTED]:
            if hard:
                self.tally.hard += 1
            else:
                self.tally.soft += 1
        if not shift[_WANTED]:
            return
        violation = Violation(
            shift_id=shift[_ID],
            code=code,
            hard=hard,
            message=message(),
            other_shift_id=None if other is None else other[_ID],
        )
        self.found.setdefault(shift[_ID], []).append(violation)

    def _overlap_and_rest(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        minimum = _or(person.min_rest_minutes, self.rules.min_rest_minutes)
        for earlier, later in _close_pairs(shifts, minimum * MINUTE):
            if not (earlier[_WANTED] or later[_WANTED] or earlier[_COUNTED] or later[_COUNTED]):
                continue
            if earlier[_END] > later[_START]:
                code, message = Code.OVERLAP, self.wording.overlap
            else:
                code, message = Code.REST, partial(self.wording.rest, minimum=minimum)
            span, other_span = (earlier[_START], earlier[_END]), (later[_START], later[_END])
            self._add(earlier, code, partial(message, span, other_span), later)
            self._add(later, code, partial(message, other_span, span), earlier)

    def _max_hours(self, person: PersonFacts, shifts: list[_Shift]) -> None:
        maximum = _or(person.max_minutes_7_days, self.rules.max_minutes_7_days)
        starts = [shift[_START] for shift in shifts]
        # The paid time of shifts[i:j] is totals[j] - totals[i].
        totals = list(
            accumulate(
                ((shift[_END] - shift[_START]) // MINUTE - shift[_BREAK] for shift in shifts),
                initial=0,
            )
        )
        first = after = 0  # the window of `shift` is shifts[first:after]
        for shift in shifts:
            start = shift[_START]
            while starts[first] <= start - SEVEN_DAYS:
                first += 1
            while after < len(shifts) and starts[after] <= start:
                after += 1
            worked = totals[after] - totals[first]
            if worked > maximum and (shift[_WANTED] or shift[_COUNTED]):
                message = partial(self.wording.max_hours, shift[_START], worked, maximum)
                self._add(shift, Code.MAX_HOURS, message)

    def _weekly_rest(self, shifts: list[_Shift]) -> None:
        minimum = self.rules.min_weekly_rest_minutes * MINUTE
        busy: list[tuple[datetime, datetime]] = []
        busy_ends: list[datetime] = []
        for (week_start, week_end), flagged in self._by_week(shifts):
            if not any(shift[_WANTED] or shift[_COUNTED] for shift in flagged):
                continue  # context only
            if not busy:
                busy = _union(shifts)
                busy_ends = [end for _start, end in busy]
            longest = timedelta(0)
            free_since = week_start
            # The busy stretches are disjoint and sorted, so their ends ascend too: start from
            # the first one ending inside the week.
            index = bisect_right(busy_ends, week_start)
            while index < len(busy) and busy[index][0] < week_end:
                start, end = busy[index]
                longest = max(longest, start - free_since)
                free_since = min(end, week_end)
                index += 1
            longest = max(longest, week_end - free_since)
            if longest < minimum:
                message = partial(
                    self.wording.weekly_rest, week_start, longest // MINUTE, minimum // MINUTE
                )
                for shift in flagged:
                    self._add(shift, Code.WEEKLY_REST, message)

    def _by_week(
        self, shifts: list[_Shift]
    ) -> Iterator[tuple[tuple[datetime, datetime], list[_Shift]]]:
        """The weeks in which `shifts` (sorted by start) start, each with those shifts."""
        week: tuple[datetime, datetime] | None = None
        flagged: list[_Shift] = []
        for shift in shifts:
            start = shift[_START]
            if week is None or not week[0] <= start < week[1]:
                if week is not None:
                    yield week, flagged
                week, flagged = self._week(start), []
            flagged.append(shift)
        if week is not None:
            yield week, flagged

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
            if not (shift[_WANTED] or shift[_COUNTED]):
                continue
            if shift[_POSITION] not in person.positions:
                self._add(shift, Code.POSITION, partial(self.wording.text, NOT_QUALIFIED))
            if shift[_SITE] not in person.sites:
                self._add(shift, Code.SITE, partial(self.wording.text, NOT_AT_SITE))

    def _time_off(
        self,
        stretches: tuple[TimeOff, ...],
        shifts: list[_Shift],
        code: Code,
        wording: Callable[[TimeOff], str],
    ) -> None:
        """Flag each shift overlapping a stretch, once, naming the earliest of them."""
        ordered = sorted((_utc(start), _utc(end), what) for start, end, what in stretches)
        for shift in shifts:
            if not (shift[_WANTED] or shift[_COUNTED]):
                continue
            for stretch in ordered:
                if stretch[0] >= shift[_END]:
                    break  # this and every later stretch starts after the shift
                if stretch[1] > shift[_START]:
                    self._add(shift, code, partial(wording, stretch))
                    break


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
        horizon = later[_START] - rest
        while ending and ending[0][0] <= horizon:
            heapq.heappop(ending)
        for _end, earlier in ending:
            yield shifts[earlier], later
        heapq.heappush(ending, (later[_END], index))


def _union(shifts: list[_Shift]) -> list[tuple[datetime, datetime]]:
    """The busy time of ``shifts`` (sorted by start) as disjoint ``[start, end)`` stretches."""
    merged: list[tuple[datetime, datetime]] = []
    for shift in shifts:
        start, end = shift[_START], shift[_END]
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
