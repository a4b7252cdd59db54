"""The working-time rules engine, checked against a slow, obviously correct reference.

No database: the engine is pure, so these tests build plain facts. The reference below shares no
code with the engine; Hypothesis compares the two on random rotas, and the examples after it pin
the boundaries (exactly the minimum, one grid step past it, the weeks around a change of the
clocks) and the messages.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.rules import (
    Code,
    PersonFacts,
    RuleSet,
    ShiftFacts,
    Tally,
    TimeOff,
    Violation,
    check,
    check_rows,
    format_minutes,
)

LONDON = ZoneInfo("Europe/London")
MINUTE = timedelta(minutes=1)
STEP = timedelta(minutes=15)
WEEK = timedelta(days=7)

# ---------------------------------------------------------------------------------------------
# The reference: every pair, every grid instant, every grid slot. Slow and plain on purpose.
# ---------------------------------------------------------------------------------------------

# Generated shifts start on a 15-minute grid counted from BASE (a Monday, UTC), over four weeks
# that include the night the clocks go back in London (01:00 UTC on Sunday 25 October 2026).
BASE = datetime(2026, 10, 12, tzinfo=UTC)
GRID_STEPS = 28 * 96

# Where each week starts, as UTC instants, written out by hand rather than computed, so the
# reference does not share the engine's arithmetic. London's Monday midnight is 23:00 UTC the
# day before while summer time lasts (to 25 October), then 00:00 UTC. Both lists start before
# the first possible shift and end after the last possible one.
WEEK_STARTS = {
    "Europe/London": [
        datetime(2026, 10, 4, 23, tzinfo=UTC),
        datetime(2026, 10, 11, 23, tzinfo=UTC),
        datetime(2026, 10, 18, 23, tzinfo=UTC),
        datetime(2026, 10, 26, tzinfo=UTC),  # the week before is 169 hours long
        datetime(2026, 11, 2, tzinfo=UTC),
        datetime(2026, 11, 9, tzinfo=UTC),
        datetime(2026, 11, 16, tzinfo=UTC),
    ],
    "UTC": [datetime(2026, 10, 5, tzinfo=UTC) + week * WEEK for week in range(7)],
}

Key = tuple[Hashable, str, Hashable | None, bool]


@dataclass(frozen=True)
class Shift:
    """A shift as the reference sees it: instants in UTC (a shared zone would subtract as
    wall-clock times) and paid time worked out afresh."""

    id: Hashable
    start: datetime
    end: datetime
    paid_minutes: int
    site: Hashable
    position: Hashable

    @classmethod
    def of(cls, facts: ShiftFacts) -> Shift:
        start, end = facts.start.astimezone(UTC), facts.end.astimezone(UTC)
        paid = int((end - start).total_seconds()) // 60 - facts.break_minutes
        return cls(facts.id, start, end, paid, facts.site, facts.position)


def by_person(shifts: Iterable[ShiftFacts]) -> dict[Hashable, list[Shift]]:
    """Assigned shifts per person; open shifts are left out."""
    grouped: dict[Hashable, list[Shift]] = {}
    for facts in shifts:
        if facts.person is not None:
            grouped.setdefault(facts.person, []).append(Shift.of(facts))
    return grouped


def longest_rests(own: list[Shift], time_zone: str) -> dict[tuple[datetime, datetime], int]:
    """The longest free stretch, in minutes, of each week in which the person starts a shift.

    Marks the busy 15-minute slots, then finds the longest run of free slots in the week.
    """

    def slot(instant: datetime) -> int:
        return (instant - BASE) // STEP

    busy = {n for shift in own for n in range(slot(shift.start), slot(shift.end))}
    longest: dict[tuple[datetime, datetime], int] = {}
    for week_start, week_end in itertools.pairwise(WEEK_STARTS[time_zone]):
        if any(week_start <= shift.start < week_end for shift in own):
            best = run = 0
            for n in range(slot(week_start), slot(week_end)):
                run = 0 if n in busy else run + 1
                best = max(best, run)
            longest[week_start, week_end] = best * 15
    return longest


def reference(
    shifts: Sequence[ShiftFacts],
    people: Mapping[Hashable, PersonFacts],
    rules: RuleSet,
    complete_until: datetime | None = None,
) -> set[Key]:
    """The violations as (shift id, code, other shift id, hard), from the rules' definitions."""
    hard = {
        "max_days": rules.max_days_is_hard,
        "days_off": rules.days_off_is_hard,
        "weekends": rules.weekends_is_hard,
        "period_max_hours": rules.period_hours_is_hard,
        "period_min_hours": False,
        "succession": rules.succession_is_hard,
        "overlap": True,
        "rest": rules.rest_is_hard,
        "max_hours": rules.max_hours_is_hard,
        "weekly_rest": rules.weekly_rest_is_hard,
        "position": rules.qualification_is_hard,
        "site": rules.qualification_is_hard,
        "leave": True,
        "unavailable": rules.unavailability_is_hard,
    }
    found: set[Key] = set()

    def flag(shift: Shift, code: str, other: Shift | None = None) -> None:
        found.add((shift.id, code, None if other is None else other.id, hard[code]))

    for person_id, own in by_person(shifts).items():
        person = people.get(person_id)
        min_rest = rules.min_rest_minutes
        maximum = rules.max_minutes_7_days
        if person and person.min_rest_minutes is not None:
            min_rest = person.min_rest_minutes
        if person and person.max_minutes_7_days is not None:
            maximum = person.max_minutes_7_days

        # Overlap and rest: every pair.
        for a, b in itertools.combinations(own, 2):
            if a.start < b.end and b.start < a.end:
                flag(a, "overlap", b)
                flag(b, "overlap", a)
            else:
                gap = b.start - a.end if a.end <= b.start else a.start - b.end
                if gap < timedelta(minutes=min_rest):
                    flag(a, "rest", b)
                    flag(b, "rest", a)

        # Maximum hours: every grid instant t, with the window (t - 7 days, t]. When a window is
        # over the maximum, flag the shift(s) starting latest in it. This flags exactly the
        # shifts the definition does ("s is flagged when its own window (s.start - 7 days,
        # s.start] is over"):
        # - if s's own window is over, then at t = s.start (a grid instant) that window is
        #   over and s starts latest in it, so s is flagged here;
        # - if s starts latest in some window (t - 7 days, t] that is over, every shift in that
        #   window starts in (s.start - 7 days, s.start] (after t - 7 days >= s.start - 7 days,
        #   and no later than s), so s's own window holds all of it and more, paid time is never
        #   negative, and s's own window is over too.
        starts = [shift.start for shift in own]
        t = min(starts)
        while t <= max(starts):
            window = [shift for shift in own if t - WEEK < shift.start <= t]
            if sum(shift.paid_minutes for shift in window) > maximum:
                latest = max(shift.start for shift in window)
                for shift in window:
                    if shift.start == latest:
                        flag(shift, "max_hours")
            t += STEP

        # Weekly rest.
        for (week_start, week_end), longest in longest_rests(own, rules.time_zone).items():
            if longest < rules.min_weekly_rest_minutes:
                for shift in own:
                    if week_start <= shift.start < week_end:
                        flag(shift, "weekly_rest")

        # Qualification.
        for shift in own:
            if person is None or shift.position not in person.positions:
                flag(shift, "position")
            if person is None or shift.site not in person.sites:
                flag(shift, "site")

        # Time off: any overlap at all.
        for code, stretches in (
            ("leave", person.leave if person else ()),
            ("unavailable", person.unavailable if person else ()),
        ):
            for shift in own:
                if any(start < shift.end and shift.start < end for start, end, _ in stretches):
                    flag(shift, code)

        for shift, code, other in day_rules(own, person, rules, complete_until):
            flag(shift, code, other)
    return found


def day_rules(
    own: list[Shift], person: PersonFacts | None, rules: RuleSet, complete_until: datetime | None
) -> Iterable[tuple[Shift, str, Shift | None]]:
    """The rules over local days, shift by shift, from their definitions."""
    zone = ZoneInfo(rules.time_zone)
    one = timedelta(days=1)

    def limit(name: str) -> int | None:
        value: int | None = getattr(person, name) if person is not None else None
        company: int | None = getattr(rules, name)
        return company if value is None else value

    def day(shift: Shift) -> date:
        return shift.start.astimezone(zone).date()

    worked = {day(shift) for shift in own}
    most_days = limit("max_consecutive_days")
    least_off = limit("min_days_off")
    most_weekends = limit("max_weekends")
    least_paid = limit("min_minutes_period")
    most_paid = limit("max_minutes_period")
    weekends = {d - d.weekday() * one for d in worked if d.weekday() >= 5}

    def period(d: date) -> date:
        first = date(2024, 1, 1)
        while first + timedelta(weeks=rules.hours_period_weeks) <= d:
            first += timedelta(weeks=rules.hours_period_weeks)
        return first

    for shift in own:
        d = day(shift)
        if most_days is not None and all(d - n * one in worked for n in range(most_days + 1)):
            yield shift, "max_days", None
        earlier = [w for w in worked if w < d]
        if least_off is not None and earlier and 1 <= (d - max(earlier)).days - 1 < least_off:
            yield shift, "days_off", None
        if most_weekends is not None and d.weekday() >= 5:
            monday = d - d.weekday() * one
            count = sum(
                monday - timedelta(weeks=n) in weekends for n in range(rules.weekends_period_weeks)
            )
            if count > most_weekends:
                yield shift, "weekends", None
        same = [other for other in own if period(day(other)) == period(d)]
        paid_by_now = sum(o.paid_minutes for o in same if o.start <= shift.start)
        if most_paid is not None and paid_by_now > most_paid:
            yield shift, "period_max_hours", None
        if least_paid is not None:
            ends = datetime.combine(
                period(d) + timedelta(weeks=rules.hours_period_weeks), time(), tzinfo=zone
            )
            complete = complete_until is None or ends <= complete_until
            if complete and sum(o.paid_minutes for o in same) < least_paid:
                yield shift, "period_min_hours", None
        for other in own:
            if day(other) != d + one:
                continue
            kinds = []
            for s in (shift, other):
                local = s.start.astimezone(zone)
                minutes = local.hour * 60 + local.minute
                if rules.early_from <= minutes < rules.late_from:
                    kinds.append("early")
                elif rules.late_from <= minutes < rules.night_from:
                    kinds.append("late")
                else:
                    kinds.append("night")
            if tuple(kinds) in rules.forbidden_successions:
                yield shift, "succession", other
                yield other, "succession", shift


def as_keys(result: Mapping[Hashable, list[Violation]]) -> set[Key]:
    return {
        (v.shift_id, v.code, v.other_shift_id, v.hard)
        for violations in result.values()
        for v in violations
    }


# ---------------------------------------------------------------------------------------------
# Random rotas
# ---------------------------------------------------------------------------------------------

PEOPLE = ("ana", "ben", "cy", "di")
POSITIONS = ("cook", "porter", "waiter")
SITES = ("north", "south")


@dataclass(frozen=True)
class Rota:
    shifts: list[ShiftFacts]
    people: dict[Hashable, PersonFacts]
    rules: RuleSet


@st.composite
def rotas(draw: st.DrawFn) -> Rota:
    persons = PEOPLE[: draw(st.integers(1, 4))]
    layout = draw(st.sampled_from(["scattered", "weekly", "chained"]))
    # Scattered shifts crowd into a day, a week, the days around the change of the clocks or
    # all four weeks, so clashes are common.
    first, days = draw(st.sampled_from([(0, 1), (0, 7), (10, 5), (0, 28)]))
    first += draw(st.integers(0, 28 - first - days))
    previous_end = {person: draw(st.integers(0, GRID_STEPS - 1)) for person in persons}
    shifts = []
    for number in range(draw(st.integers(0, 25))):
        worker = draw(st.sampled_from([None, *persons]))
        if layout == "chained" and worker is not None:
            # A busy rota: from 4 hours' overlap to 16 hours' rest after the previous shift.
            slot = previous_end[worker] + draw(st.integers(-16, 64))
            if not 0 <= slot < GRID_STEPS:
                slot = draw(st.integers(0, GRID_STEPS - 1))
        elif layout == "weekly":
            # A pattern of a few days and times (UTC), so shifts start exactly 7 days apart and
            # on week boundaries (23:00 UTC on a Sunday is London's Monday 00:00 in summer).
            day = draw(st.integers(0, 3)) * 7 + draw(st.sampled_from([0, 6]))
            slot = day * 96 + draw(st.sampled_from([0, 36, 92]))
        else:
            slot = draw(st.integers(first * 96, (first + days) * 96 - 1))
        steps = draw(st.integers(1, 64))  # 15 minutes to 16 hours
        if worker is not None:
            previous_end[worker] = slot + steps
        start = BASE + slot * STEP
        zone = draw(st.sampled_from([UTC, LONDON]))  # the engine must not care
        shifts.append(
            ShiftFacts(
                id=number,
                person=worker,
                start=start.astimezone(zone),
                end=(start + steps * STEP).astimezone(zone),
                break_minutes=draw(st.integers(0, min(4, steps - 1))) * 15,
                site=draw(st.sampled_from(SITES)),
                position=draw(st.sampled_from(POSITIONS)),
            )
        )

    # Thresholds are random, or on (or a quarter of an hour either side of) a value this rota
    # has, so that "exactly the minimum" and "just past it" come up often.
    time_zone = draw(st.sampled_from(["Europe/London", "UTC"]))
    rests: set[int] = set()
    totals: set[int] = set()
    weekly: set[int] = set()
    for own in by_person(shifts).values():
        for a, b in itertools.permutations(own, 2):
            if a.end <= b.start:
                rests.add((b.start - a.end) // MINUTE)
            if a.start - WEEK < b.start <= a.start:
                totals.add(b.paid_minutes)  # the paid time of one shift in a's window
        for a in own:
            window = [b.paid_minutes for b in own if a.start - WEEK < b.start <= a.start]
            totals.add(sum(window))
        weekly.update(longest_rests(own, time_zone).values())

    def threshold(seen: set[int], most_hours: int) -> int:
        on_the_edge = draw(st.booleans())
        if seen and on_the_edge:
            near = draw(st.sampled_from(sorted(seen))) + draw(st.sampled_from([-15, 0, 15]))
            return max(0, near)
        return draw(st.integers(0, most_hours * 4)) * 15

    def time_off(label: str) -> tuple[TimeOff, ...]:
        """Up to two stretches on the grid, often touching a shift's start or end exactly."""
        stretches: list[TimeOff] = []
        edges = sorted({s.start for s in shifts} | {s.end for s in shifts})
        for _ in range(draw(st.integers(0, 2))):
            near_an_edge: bool = draw(st.booleans())
            if edges and near_an_edge:
                start = draw(st.sampled_from(edges)) + draw(st.sampled_from([-1, 0, 1])) * STEP
            else:
                start = BASE + draw(st.integers(0, GRID_STEPS - 1)) * STEP
            stretches.append((start, start + draw(st.integers(1, 96)) * STEP, label))
        return tuple(stretches)

    people: dict[Hashable, PersonFacts] = {}
    for person in persons:
        if draw(st.integers(0, 4)) == 0:
            continue  # not in `people`: qualified for nothing
        people[person] = PersonFacts(
            id=person,
            positions=frozenset(draw(st.sets(st.sampled_from(POSITIONS)))),
            sites=frozenset(draw(st.sets(st.sampled_from(SITES)))),
            min_rest_minutes=threshold(rests, 16) if draw(st.booleans()) else None,
            max_minutes_7_days=threshold(totals, 100) if draw(st.booleans()) else None,
            leave=time_off("Annual leave"),
            unavailable=time_off("unavailable"),
        )

    def maybe(values: st.SearchStrategy[int]) -> int | None:
        return draw(values) if draw(st.booleans()) else None

    hours_weeks = draw(st.integers(1, 3))
    paid_in_periods = {
        sum(o.paid_minutes for o in own if abs((o.start - s.start).days) < 7 * hours_weeks)
        for own in by_person(shifts).values()
        for s in own
    }
    for person in persons:
        if person in people and draw(st.integers(0, 2)) == 0:
            people[person] = replace(
                people[person],
                max_consecutive_days=maybe(st.integers(0, 6)),
                min_days_off=maybe(st.integers(0, 4)),
                max_weekends=maybe(st.integers(0, 3)),
                min_minutes_period=maybe(st.just(threshold(paid_in_periods, 60))),
                max_minutes_period=maybe(st.just(threshold(paid_in_periods, 60))),
            )
    kinds = ["early", "late", "night"]
    bands = draw(st.sampled_from([(6 * 60, 12 * 60, 20 * 60), (0, 9 * 60, 21 * 60 + 45)]))
    rules = RuleSet(
        time_zone=time_zone,
        max_consecutive_days=maybe(st.integers(0, 6)),
        min_days_off=maybe(st.integers(0, 4)),
        max_weekends=maybe(st.integers(0, 3)),
        weekends_period_weeks=draw(st.integers(1, 4)),
        min_minutes_period=maybe(st.just(threshold(paid_in_periods, 60))),
        max_minutes_period=maybe(st.just(threshold(paid_in_periods, 60))),
        hours_period_weeks=hours_weeks,
        early_from=bands[0],
        late_from=bands[1],
        night_from=bands[2],
        forbidden_successions=frozenset(
            draw(st.sets(st.tuples(st.sampled_from(kinds), st.sampled_from(kinds)), max_size=4))
        ),
        max_days_is_hard=draw(st.booleans()),
        days_off_is_hard=draw(st.booleans()),
        weekends_is_hard=draw(st.booleans()),
        period_hours_is_hard=draw(st.booleans()),
        succession_is_hard=draw(st.booleans()),
        min_rest_minutes=threshold(rests, 16),
        max_minutes_7_days=threshold(totals, 100),
        min_weekly_rest_minutes=threshold(weekly, 7 * 24),
        rest_is_hard=draw(st.booleans()),
        max_hours_is_hard=draw(st.booleans()),
        weekly_rest_is_hard=draw(st.booleans()),
        qualification_is_hard=draw(st.booleans()),
        unavailability_is_hard=draw(st.booleans()),
    )
    return Rota(shifts, people, rules)


# When the rota is settled up to (the minimum hours of a period): None, or a local midnight
# from the week before the generated four weeks to the week after them.
# Mondays often, as periods end on them.
COMPLETE_UNTIL = st.one_of(
    st.none(),
    st.integers(-1, 5).map(lambda n: n * 7),
    st.integers(-7, 35),
).map(
    lambda n: (
        None
        if n is None
        else datetime.combine(date(2026, 10, 12) + timedelta(days=n), time(), tzinfo=LONDON)
    )
)


@settings(max_examples=300, deadline=None)
@given(rotas(), COMPLETE_UNTIL)
def test_the_engine_agrees_with_the_reference(rota: Rota, complete_until: datetime | None) -> None:
    result = check(rota.shifts, rota.people, rota.rules, complete_until=complete_until)

    assert as_keys(result) == reference(rota.shifts, rota.people, rota.rules, complete_until)
    for shift_id, violations in result.items():
        assert violations, "shifts without violations are absent"
        triples = [(v.code, v.other_shift_id) for v in violations]
        assert len(triples) == len(set(triples))
        assert all(v.shift_id == shift_id and v.message for v in violations)
        order = [
            (not v.hard, v.code, "" if v.other_shift_id is None else str(v.other_shift_id))
            for v in violations
        ]
        assert order == sorted(order)


@settings(max_examples=300, deadline=None)
@given(rotas(), st.data())
def test_only_filters_the_result(rota: Rota, data: st.DataObject) -> None:
    ids = [shift.id for shift in rota.shifts]
    only = data.draw(st.frozensets(st.sampled_from([*ids, "elsewhere"])))

    everything = check(rota.shifts, rota.people, rota.rules)
    some = check(rota.shifts, rota.people, rota.rules, only=only)

    assert some == {key: value for key, value in everything.items() if key in only}


@settings(max_examples=200, deadline=None)
@given(rotas(), st.data())
def test_the_tally_counts_the_violations_of_the_counted_shifts(
    rota: Rota, data: st.DataObject
) -> None:
    ids = [shift.id for shift in rota.shifts]
    only = data.draw(st.frozensets(st.sampled_from([*ids, "elsewhere"])))
    count = data.draw(st.frozensets(st.sampled_from([*ids, "elsewhere"])))
    everything = check(rota.shifts, rota.people, rota.rules)
    tally = Tally()

    some = check(rota.shifts, rota.people, rota.rules, only=only, count=count, tally=tally)

    assert some == {key: value for key, value in everything.items() if key in only}
    counted = [v for key, found in everything.items() if key in count for v in found]
    assert (tally.hard, tally.soft) == (
        sum(1 for v in counted if v.hard),
        sum(1 for v in counted if not v.hard),
    )


@settings(max_examples=100, deadline=None)
@given(rotas())
def test_shifts_as_plain_rows_are_judged_alike(rota: Rota) -> None:
    rows = [astuple(shift) for shift in rota.shifts]
    assert check_rows(rows, rota.people, rota.rules) == check(rota.shifts, rota.people, rota.rules)


# ---------------------------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------------------------

ANA = PersonFacts(id="ana", positions=frozenset({"cook"}), sites=frozenset({"north"}))
TEAM = {"ana": ANA}


def local(text: str) -> datetime:
    """A wall-clock time in London, e.g. "2026-11-17 22:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def shift(
    id: Hashable,
    start: str,
    end: str,
    *,
    person: Hashable | None = "ana",
    break_minutes: int = 0,
    position: Hashable = "cook",
    site: Hashable = "north",
) -> ShiftFacts:
    return ShiftFacts(
        id=id,
        person=person,
        start=local(start),
        end=local(end),
        break_minutes=break_minutes,
        site=site,
        position=position,
    )


def codes(
    result: Mapping[Hashable, list[Violation]],
) -> dict[Hashable, list[tuple[str, Hashable | None]]]:
    return {key: [(v.code, v.other_shift_id) for v in found] for key, found in result.items()}


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0 min"), (45, "45 min"), (60, "1 h"), (570, "9 h 30 min"), (660, "11 h"),
     (2895, "48 h 15 min"), (-90, "-1 h 30 min")],
)  # fmt: skip
def test_format_minutes(value: int, text: str) -> None:
    assert format_minutes(value) == text


def test_exactly_the_minimum_rest_is_fine() -> None:
    shifts = [
        shift("a", "2026-11-17 14:00", "2026-11-17 22:00"),
        shift("b", "2026-11-18 09:00", "2026-11-18 17:00"),
    ]
    assert check(shifts, TEAM, RuleSet()) == {}


def test_less_rest_flags_both_shifts_naming_each_other() -> None:
    shifts = [
        shift("a", "2026-11-17 14:00", "2026-11-17 22:00"),
        shift("b", "2026-11-18 08:45", "2026-11-18 17:00"),
    ]
    result = check(shifts, TEAM, RuleSet())

    assert result == {
        "a": [
            Violation(
                shift_id="a",
                code=Code.REST,
                hard=True,
                message="Only 10 h 45 min rest before the shift starting Wed 18 Nov 08:45 "
                "(at least 11 h).",
                other_shift_id="b",
            )
        ],
        "b": [
            Violation(
                shift_id="b",
                code=Code.REST,
                hard=True,
                message="Only 10 h 45 min rest after the shift ending Tue 17 Nov 22:00 "
                "(at least 11 h).",
                other_shift_id="a",
            )
        ],
    }


def test_messages_follow_the_active_language() -> None:
    shifts = [
        shift("a", "2026-11-17 14:00", "2026-11-17 22:00"),
        shift("b", "2026-11-18 08:45", "2026-11-18 17:00"),
    ]
    with translation.override("de"):  # Django's own catalogue names the days
        assert "Di 17 Nov 22:00" in check(shifts, TEAM, RuleSet())["b"][0].message
    assert "Tue 17 Nov 22:00" in check(shifts, TEAM, RuleSet())["b"][0].message


def test_rest_is_checked_between_every_pair_not_only_neighbours() -> None:
    shifts = [
        shift("a", "2026-11-17 08:00", "2026-11-17 09:00"),
        shift("b", "2026-11-17 10:00", "2026-11-17 11:00"),
        shift("c", "2026-11-17 12:00", "2026-11-17 13:00"),
    ]
    assert codes(check(shifts, TEAM, RuleSet())) == {
        "a": [("rest", "b"), ("rest", "c")],
        "b": [("rest", "a"), ("rest", "c")],
        "c": [("rest", "a"), ("rest", "b")],
    }


def test_a_personal_minimum_rest_overrides_the_rules() -> None:
    shifts = [
        shift("a", "2026-11-17 14:00", "2026-11-17 22:00"),
        shift("b", "2026-11-18 08:00", "2026-11-18 17:00"),
    ]
    relaxed = PersonFacts("ana", ANA.positions, ANA.sites, min_rest_minutes=10 * 60)
    assert check(shifts, {"ana": relaxed}, RuleSet()) == {}


def test_a_shift_crossing_midnight() -> None:
    night = shift("night", "2026-11-17 22:00", "2026-11-18 06:00", break_minutes=30)
    evening = shift("evening", "2026-11-18 16:00", "2026-11-18 20:00")

    assert night.paid_minutes == 7 * 60 + 30
    result = check([night, evening], TEAM, RuleSet())
    assert codes(result) == {"night": [("rest", "evening")], "evening": [("rest", "night")]}
    assert result["evening"][0].message == (
        "Only 10 h rest after the shift ending Wed 18 Nov 06:00 (at least 11 h)."
    )


def test_rest_across_the_change_of_the_clocks_is_real_time() -> None:
    # 00:30 BST to 10:30 GMT is ten hours on the clock but eleven real hours.
    shifts = [
        shift("late", "2026-10-24 16:30", "2026-10-25 00:30"),
        shift("next", "2026-10-25 10:30", "2026-10-25 18:30"),
    ]
    assert check(shifts, TEAM, RuleSet()) == {}
    assert check(shifts, TEAM, RuleSet(min_rest_minutes=11 * 60 + 15))["next"][0].message == (
        "Only 11 h rest after the shift ending Sun 25 Oct 00:30 (at least 11 h 15 min)."
    )


def test_touching_shifts_do_not_overlap_but_leave_no_rest() -> None:
    shifts = [
        shift("day", "2026-11-17 09:00", "2026-11-17 17:00"),
        shift("evening", "2026-11-17 17:00", "2026-11-17 21:00"),
    ]
    result = check(shifts, TEAM, RuleSet())

    assert codes(result) == {"day": [("rest", "evening")], "evening": [("rest", "day")]}
    assert result["day"][0].message.startswith("Only 0 min rest before")


def test_overlapping_shifts_are_always_hard_and_not_a_rest_problem() -> None:
    shifts = [
        shift("day", "2026-11-17 09:00", "2026-11-17 17:00"),
        shift("evening", "2026-11-17 16:00", "2026-11-17 21:00"),
    ]
    result = check(shifts, TEAM, RuleSet(rest_is_hard=False))

    assert codes(result) == {"day": [("overlap", "evening")], "evening": [("overlap", "day")]}
    assert all(v.hard for v in result["day"] + result["evening"])
    assert result["day"][0].message == (
        "Overlaps the shift from Tue 17 Nov 16:00 to Tue 17 Nov 21:00."
    )


def week_of_days(first_end: str = "17:00") -> list[ShiftFacts]:
    """Ana cooks 09:00 to 17:00 (to `first_end` on the first day), Monday 16 to Saturday 21
    November 2026: 48 hours."""
    return [
        shift(
            f"day{n}",
            f"2026-11-{16 + n} 09:00",
            f"2026-11-{16 + n} {first_end if n == 0 else '17:00'}",
        )
        for n in range(6)
    ]


def test_exactly_the_maximum_in_7_days_is_fine() -> None:
    # 6 x 8 h = 48 h; next Monday's window (Mon 09:00 - 7 days, Mon 09:00] leaves last Monday out.
    shifts = [*week_of_days(), shift("monday", "2026-11-23 09:00", "2026-11-23 17:00")]
    assert check(shifts, TEAM, RuleSet()) == {}


def test_a_quarter_hour_over_the_maximum_is_flagged() -> None:
    result = check(week_of_days(first_end="17:15"), TEAM, RuleSet(max_hours_is_hard=False))

    assert codes(result) == {"day5": [("max_hours", None)]}
    assert result["day5"][0].hard is False
    assert result["day5"][0].message == (
        "48 h 15 min of paid work in the 7 days up to Sat 21 Nov 09:00 (at most 48 h)."
    )


def test_unpaid_breaks_do_not_count_towards_the_maximum() -> None:
    shifts = week_of_days(first_end="17:15")
    shifts[0] = replace(shifts[0], break_minutes=15)
    assert check(shifts, TEAM, RuleSet()) == {}


def test_a_personal_maximum_overrides_the_rules() -> None:
    limited = PersonFacts("ana", ANA.positions, ANA.sites, max_minutes_7_days=40 * 60)
    assert codes(check(week_of_days(), {"ana": limited}, RuleSet())) == {
        "day5": [("max_hours", None)]
    }


def test_shifts_starting_together_are_in_each_others_window() -> None:
    shifts = [
        shift("a", "2026-11-17 09:00", "2026-11-17 14:00"),
        shift("b", "2026-11-17 09:00", "2026-11-17 14:00"),
    ]
    result = check(shifts, TEAM, RuleSet(max_minutes_7_days=8 * 60))
    assert codes(result) == {
        "a": [("max_hours", None), ("overlap", "b")],
        "b": [("max_hours", None), ("overlap", "a")],
    }


def long_days(monday: int, month: int = 10) -> list[ShiftFacts]:
    """Monday to Friday 08:00 to 23:00, then Saturday 08:00 to Sunday 00:00 (London)."""
    days = [datetime(2026, month, monday) + timedelta(days=n) for n in range(6)]
    return [
        shift(
            f"{day:%a}",
            f"{day:%Y-%m-%d} 08:00",
            f"{day + timedelta(days=1):%Y-%m-%d} 00:00" if n == 5 else f"{day:%Y-%m-%d} 23:00",
        )
        for n, day in enumerate(days)
    ]


# Long days need short nights and many hours; only weekly rest is under test here.
BUSY_RULES = RuleSet(min_rest_minutes=8 * 60, max_minutes_7_days=100 * 60)


def test_weekly_rest_in_an_ordinary_week() -> None:
    # Week of Monday 26 October: from Sunday 00:00 to Monday 00:00 is 24 hours.
    shifts = long_days(26)

    enough = replace(BUSY_RULES, min_weekly_rest_minutes=24 * 60)
    assert check(shifts, TEAM, enough) == {}

    more = replace(BUSY_RULES, min_weekly_rest_minutes=24 * 60 + 15)
    result = check(shifts, TEAM, more)
    assert codes(result) == {s.id: [("weekly_rest", None)] for s in shifts}
    assert result["Mon"][0].message == (
        "The longest rest in the week from Mon 26 Oct is 24 h (at least 24 h 15 min)."
    )


def test_weekly_rest_in_the_week_the_clocks_go_back() -> None:
    # Week of Monday 19 October is 169 hours long: Sunday 25 October has 25.
    shifts = long_days(19)

    enough = replace(BUSY_RULES, min_weekly_rest_minutes=25 * 60)
    assert check(shifts, TEAM, enough) == {}

    more = replace(BUSY_RULES, min_weekly_rest_minutes=25 * 60 + 15)
    result = check(shifts, TEAM, more)
    assert codes(result) == {s.id: [("weekly_rest", None)] for s in shifts}
    assert result["Sat"][0].message == (
        "The longest rest in the week from Mon 19 Oct is 25 h (at least 25 h 15 min)."
    )


def test_weekly_rest_uses_fixed_weeks() -> None:
    # 24 hours off from Sunday noon to Monday noon, but 12 in each week.
    first_week = [
        shift(f"d{n}", f"2026-11-0{2 + n} 10:00", f"2026-11-0{2 + n} 22:00") for n in range(6)
    ]
    sunday = shift("sun", "2026-11-08 08:00", "2026-11-08 12:00")
    monday = shift("mon", "2026-11-09 12:00", "2026-11-09 23:00")
    shifts = [*first_week, sunday, monday]

    result = check(shifts, TEAM, BUSY_RULES)
    assert codes(result) == {s.id: [("weekly_rest", None)] for s in [*first_week, sunday]}
    assert "is 12 h (at least 24 h)" in result["sun"][0].message


def test_a_shift_from_the_week_before_takes_rest_from_this_week() -> None:
    # Without the Sunday night shift, the week of 2 November would be free from Monday 00:00
    # to Tuesday 09:00 (33 h); running on to Monday 10:00, it leaves 23 h.
    shifts = [
        shift("sunday night", "2026-11-01 22:00", "2026-11-02 10:00"),
        *[shift(f"d{n}", f"2026-11-0{3 + n} 09:00", f"2026-11-0{3 + n} 23:00") for n in range(6)],
    ]
    result = check(shifts, TEAM, BUSY_RULES)

    # The Sunday night shift starts in the week before, so it is not flagged itself.
    assert codes(result) == {f"d{n}": [("weekly_rest", None)] for n in range(6)}
    assert "is 23 h (at least 24 h)" in result["d0"][0].message
    assert check(shifts[1:], TEAM, BUSY_RULES) == {}


def test_a_shift_across_the_change_of_the_clocks_is_paid_real_time() -> None:
    night = shift("night", "2026-10-24 22:00", "2026-10-25 06:00", break_minutes=30)
    assert night.paid_minutes == 8 * 60 + 30
    result = check([night], TEAM, RuleSet(max_minutes_7_days=8 * 60 + 15))
    assert result["night"][0].message == (
        "8 h 30 min of paid work in the 7 days up to Sat 24 Oct 22:00 (at most 8 h 15 min)."
    )


def test_open_shifts_are_never_flagged_and_never_count() -> None:
    shifts = [
        shift("open", "2026-11-17 09:00", "2026-11-17 17:00", person=None, position="porter"),
        shift("other open", "2026-11-17 10:00", "2026-11-17 18:00", person=None),
        shift("ana's", "2026-11-17 12:00", "2026-11-17 20:00"),
    ]
    assert check(shifts, TEAM, RuleSet(max_minutes_7_days=8 * 60)) == {}


def test_someone_missing_from_people_is_qualified_for_nothing() -> None:
    result = check(
        [shift("s", "2026-11-17 09:00", "2026-11-17 17:00", person="zed")], TEAM, RuleSet()
    )
    assert codes(result) == {"s": [("position", None), ("site", None)]}


def test_a_shift_over_approved_leave_is_always_hard() -> None:
    away = PersonFacts(
        "ana", ANA.positions, ANA.sites,
        leave=((local("2026-11-18 00:00"), local("2026-11-20 00:00"), "Annual leave"),),
    )  # fmt: skip
    shifts = [
        shift("before", "2026-11-17 15:00", "2026-11-18 00:00"),  # ends as the leave starts
        shift("during", "2026-11-19 22:00", "2026-11-20 06:00"),  # runs into the next day
        shift("after", "2026-11-20 08:00", "2026-11-20 16:00"),
    ]
    result = check(shifts, {"ana": away}, RuleSet(rest_is_hard=False, min_rest_minutes=0))
    assert codes(result) == {"during": [("leave", None)]}
    assert result["during"][0].hard
    assert result["during"][0].message == (
        "The person is on leave (Annual leave) from Wed 18 Nov 00:00 to Fri 20 Nov 00:00."
    )


def test_unavailability_is_soft_unless_the_company_makes_it_hard() -> None:
    busy = PersonFacts(
        "ana", ANA.positions, ANA.sites,
        unavailable=(
            (local("2026-11-17 18:00"), local("2026-11-18 00:00"), "unavailable"),
            (local("2026-11-17 12:00"), local("2026-11-17 13:00"), "dentist"),
        ),
    )  # fmt: skip
    late = [shift("late", "2026-11-17 09:00", "2026-11-17 19:00")]

    soft = check(late, {"ana": busy}, RuleSet())
    hard = check(late, {"ana": busy}, RuleSet(unavailability_is_hard=True))

    assert codes(soft) == {"late": [("unavailable", None)]}  # once, for the earliest stretch
    assert not soft["late"][0].hard and hard["late"][0].hard
    assert "(dentist) from Tue 17 Nov 12:00 to Tue 17 Nov 13:00" in soft["late"][0].message
    assert check([shift("early", "2026-11-17 06:00", "2026-11-17 12:00")], {"ana": busy},
                 RuleSet()) == {}  # fmt: skip


def test_time_off_must_be_a_real_stretch() -> None:
    backwards: TimeOff = (local("2026-11-18 00:00"), local("2026-11-17 00:00"), "x")
    naive: TimeOff = (datetime(2026, 11, 17), datetime(2026, 11, 18), "x")
    for stretch in (backwards, naive):
        with pytest.raises(ValueError, match="time off"):
            PersonFacts("ana", ANA.positions, ANA.sites, leave=(stretch,))


def test_position_and_site_are_checked_separately() -> None:
    shifts = [
        shift("kitchen", "2026-11-16 09:00", "2026-11-16 17:00", site="south"),
        shift("door", "2026-11-18 09:00", "2026-11-18 17:00", position="porter"),
    ]
    result = check(shifts, TEAM, RuleSet(qualification_is_hard=False))
    assert codes(result) == {"kitchen": [("site", None)], "door": [("position", None)]}
    assert not result["kitchen"][0].hard


def test_hard_violations_come_first() -> None:
    shifts = [
        shift("a", "2026-11-17 09:00", "2026-11-17 17:00", position="porter"),
        shift("b", "2026-11-17 20:00", "2026-11-17 22:00"),
    ]
    result = check(shifts, TEAM, RuleSet(rest_is_hard=False))
    assert [(v.code, v.hard) for v in result["a"]] == [("position", True), ("rest", False)]


def test_only_limits_the_shifts_reported_but_not_the_context() -> None:
    shifts = [
        shift("before", "2026-11-15 14:00", "2026-11-15 22:00"),
        shift("shown", "2026-11-16 06:00", "2026-11-16 14:00"),
    ]
    assert codes(check(shifts, TEAM, RuleSet(), only={"shown"})) == {"shown": [("rest", "before")]}


def test_a_repeated_shift_counts_once() -> None:
    a = shift("a", "2026-11-17 09:00", "2026-11-17 17:00")
    assert check([a, a], TEAM, RuleSet()) == {}


def test_two_shifts_with_one_id_are_refused() -> None:
    a = shift("a", "2026-11-17 09:00", "2026-11-17 17:00")
    b = shift("a", "2026-11-18 09:00", "2026-11-18 17:00")
    with pytest.raises(ValueError, match="share the id"):
        check([a, b], TEAM, RuleSet())


@pytest.mark.parametrize(
    ("start", "end", "break_minutes"),
    [
        (datetime(2026, 11, 17, 9), datetime(2026, 11, 17, 17), 0),  # naive
        (local("2026-11-17 17:00"), local("2026-11-17 17:00"), 0),  # empty
        (local("2026-11-17 09:00"), local("2026-11-17 10:00"), 60),  # all break
        (local("2026-11-17 09:00"), local("2026-11-17 10:00"), -1),
    ],
)
def test_impossible_shifts_are_refused(start: datetime, end: datetime, break_minutes: int) -> None:
    with pytest.raises(ValueError, match="Shift 's'"):
        ShiftFacts("s", "ana", start, end, break_minutes, site="north", position="cook")
    with pytest.raises(ValueError, match="Shift 's'"):
        check_rows([("s", "ana", start, end, break_minutes, "north", "cook")], TEAM, RuleSet())


@pytest.mark.parametrize(
    "make",
    [
        lambda: RuleSet(min_rest_minutes=-1),
        lambda: RuleSet(max_minutes_7_days=-15),
        lambda: RuleSet(min_weekly_rest_minutes=-60),
        lambda: PersonFacts("ana", ANA.positions, ANA.sites, min_rest_minutes=-1),
        lambda: PersonFacts("ana", ANA.positions, ANA.sites, max_minutes_7_days=-1),
    ],
)
def test_negative_thresholds_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        make()


def test_two_thousand_shifts() -> None:
    """A size check only (timing belongs to a benchmark, not a test): 300 people on day shifts,
    200 of them seven days running (56 h and no day off), 100 of them six (48 h, weekend off)."""
    people: dict[Hashable, PersonFacts] = {}
    shifts = []
    for person in range(300):
        people[person] = PersonFacts(person, frozenset({"cook"}), frozenset({"north"}))
        for day in range(7 if person < 200 else 6):
            start = datetime(2026, 10, 12 + day, 9, tzinfo=UTC)
            shifts.append(
                ShiftFacts(f"{person}-{day}", person, start, start + timedelta(hours=8), 0,
                           site="north", position="cook")
            )  # fmt: skip
    random.Random(2026).shuffle(shifts)

    result = check(shifts, people, RuleSet(time_zone="UTC"))

    assert len(shifts) == 2000
    assert len(result) == 200 * 7
    assert sum(len(found) for found in result.values()) == 200 * 7 + 200
    assert codes(result)["0-6"] == [("max_hours", None), ("weekly_rest", None)]
