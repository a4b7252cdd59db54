"""A rota problem as plain data: people, days, shift types, hard rules and weighted wishes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift: how long it lasts, when it starts, and what may not follow it next day."""

    id: str
    minutes: int
    # Minute of the day the shift starts (0-1439); with `minutes` it gives the rest before the next.
    start_minute: int = 0
    # Shift types that may not be worked the day after this one (on top of any rest rule).
    forbidden_next: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Person:
    """One person's hard limits over the horizon, and the soft targets the product may add."""

    id: str
    # Shift types the person may work (qualification, site); any other is never given.
    shift_types: frozenset[str]
    # Most shifts of a type over the horizon; a type missing here has no such limit.
    max_shifts: dict[str, int] = field(default_factory=dict)
    min_minutes: int = 0
    max_minutes: int | None = None
    # Runs of working days: every maximal run lies within [min, max], except that the minimum does
    # not bind a run touching the first or the last day of the horizon (it may continue outside).
    max_consecutive_days: int | None = None
    min_consecutive_days: int = 1
    # Runs of days off: the same edge exception.
    min_consecutive_days_off: int = 1
    # Weekends with a Saturday or a Sunday worked.
    max_weekends: int | None = None
    # Day indexes the person must not work (leave, unavailability).
    days_off: frozenset[int] = frozenset()
    # Soft (product): contracted minutes over the horizon; each minute off it costs the weight.
    target_minutes: int | None = None
    target_weight: int = 0


@dataclass(frozen=True)
class ShiftRequest:
    """A wish for (on) or against (off) one shift type on one day; missing it costs its weight."""

    person: str
    day: int
    shift_type: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """How many people a (day, shift type) should have; each one short or over costs its weight."""

    day: int
    shift_type: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class FixedAssignment:
    """A shift that must stay as it is (locked or already published)."""

    person: str
    day: int
    shift_type: str


@dataclass(frozen=True)
class Problem:
    """A horizon of consecutive dates from `start`, day indexes 0..num_days-1."""

    name: str
    start: date
    num_days: int
    shift_types: tuple[ShiftType, ...]
    people: tuple[Person, ...]
    covers: tuple[Cover, ...] = ()
    on_requests: tuple[ShiftRequest, ...] = ()
    off_requests: tuple[ShiftRequest, ...] = ()
    fixed: tuple[FixedAssignment, ...] = ()
    # Least rest between the end of one shift and the start of the next day's; 0 derives nothing.
    min_rest_minutes: int = 0

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=day) for day in range(self.num_days)]

    def weekends(self) -> list[tuple[int, ...]]:
        """Day indexes of each weekend (Saturday, Sunday) inside the horizon, cut at its edges."""
        groups: dict[tuple[int, int], list[int]] = {}
        for day, when in enumerate(self.dates()):
            if when.weekday() >= 5:
                groups.setdefault(when.isocalendar()[:2], []).append(day)
        return [tuple(days) for days in groups.values()]

    def shift_type(self, shift_id: str) -> ShiftType:
        for shift in self.shift_types:
            if shift.id == shift_id:
                return shift
        raise KeyError(shift_id)

    def forbidden_successions(self) -> set[tuple[str, str]]:
        """(a, b) pairs where b may not be worked the day after a: listed, or too little rest."""
        pairs = {(a.id, b) for a in self.shift_types for b in a.forbidden_next}
        if self.min_rest_minutes > 0:
            for a in self.shift_types:
                for b in self.shift_types:
                    rest = MINUTES_PER_DAY + b.start_minute - (a.start_minute + a.minutes)
                    if rest < self.min_rest_minutes:
                        pairs.add((a.id, b.id))
        return pairs

    def check(self) -> Iterator[str]:
        """Inconsistencies in the description itself (unknown ids, days outside the horizon)."""
        shift_ids = {s.id for s in self.shift_types}
        person_ids = {p.id for p in self.people}
        for shift in self.shift_types:
            if shift.minutes <= 0:
                yield f"shift type {shift.id} has no length"
            for other in shift.forbidden_next - shift_ids:
                yield f"shift type {shift.id} forbids unknown {other}"
        for person in self.people:
            for other in person.shift_types - shift_ids:
                yield f"{person.id} may work unknown shift type {other}"
            for day in person.days_off:
                if not 0 <= day < self.num_days:
                    yield f"{person.id} has a day off {day} outside the horizon"
        items: list[ShiftRequest | FixedAssignment] = [
            *self.on_requests,
            *self.off_requests,
            *self.fixed,
        ]
        for item in items:
            if item.person not in person_ids or item.shift_type not in shift_ids:
                yield f"{item} names an unknown person or shift type"
            if not 0 <= item.day < self.num_days:
                yield f"{item} lies outside the horizon"
        for cover in self.covers:
            if cover.shift_type not in shift_ids or not 0 <= cover.day < self.num_days:
                yield f"{cover} names an unknown shift type or day"
