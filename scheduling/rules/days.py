"""The rules over local calendar days: working days in a row, days off in a row, weekends
worked, paid hours in each period, and kinds of shift that may not follow each other (the
rules, exactly, are specified in the package docstring, scheduling/rules/__init__.py).

A day is a calendar day in the rules' time zone, and a shift belongs to the day it starts on.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import pairwise
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from scheduling.rules.layout import BREAK, COUNTED, END, START, WANTED, Code, Kind, Shift
from scheduling.rules.wording import MINUTE, Wording

if TYPE_CHECKING:
    from scheduling.rules.engine import PersonFacts, RuleSet

#: Periods of whole weeks (for hours) are counted from this Monday: with 4-week periods, the
#: first began on Monday 1 January 2024, the next on Monday 29 January, and so on.
PERIOD_EPOCH: Final = date(2024, 1, 1)

DAY: Final = timedelta(days=1)

WEEK: Final = timedelta(days=7)


def kind_of(rules: RuleSet, minutes: int) -> Kind:
    """The kind of a shift starting `minutes` after local midnight."""
    if rules.early_from <= minutes < rules.late_from:
        return Kind.EARLY
    if rules.late_from <= minutes < rules.night_from:
        return Kind.LATE
    return Kind.NIGHT


def period_start(day: date, weeks: int) -> date:
    """The Monday on which the period of `weeks` weeks holding `day` begins."""
    whole_weeks = (day - PERIOD_EPOCH).days // 7
    return PERIOD_EPOCH + WEEK * (whole_weeks - whole_weeks % weeks)


def day_context(rules: RuleSet, people: Iterable[PersonFacts]) -> timedelta:
    """How far either side the rules over days look, for `rules` and `people`'s overrides."""
    people = list(people)

    def used(field: str) -> list[int]:
        values = [getattr(rules, field), *(getattr(person, field) for person in people)]
        return [value for value in values if value is not None]

    reach = timedelta(0)
    days = used("max_consecutive_days") + used("min_days_off")
    if days:
        # The days themselves, and one either side for the zone's offset from UTC.
        reach = (max(days) + 2) * DAY
    if rules.forbidden_successions:
        reach = max(reach, 3 * DAY)
    if used("max_weekends"):
        reach = max(reach, WEEK * (rules.weekends_period_weeks + 1))
    if used("min_minutes_period") or used("max_minutes_period"):
        reach = max(reach, WEEK * (rules.hours_period_weeks + 1))
    return reach


class DayRules:
    """The rules over days, for the engine (scheduling/rules/engine.py's _Engine)."""

    rules: RuleSet
    zone: ZoneInfo
    wording: Wording
    complete_until: datetime | None

    def _add(
        self, shift: Shift, code: Code, message: Callable[[], str], other: Shift | None = None
    ) -> None:
        raise NotImplementedError  # the engine's

    def _day_rules(self, person: PersonFacts, shifts: list[Shift]) -> None:
        """Check one person's shifts, sorted by start, against the rules over days."""
        rules = self.rules
        max_days = _or(person.max_consecutive_days, rules.max_consecutive_days)
        min_off = _or(person.min_days_off, rules.min_days_off)
        max_weekends = _or(person.max_weekends, rules.max_weekends)
        min_paid = _or(person.min_minutes_period, rules.min_minutes_period)
        max_paid = _or(person.max_minutes_period, rules.max_minutes_period)
        wanted = (max_days, min_off, max_weekends, min_paid, max_paid)
        if all(value is None for value in wanted) and not rules.forbidden_successions:
            return
        days: dict[date, list[Shift]] = {}  # by local day, each in order of start
        for shift in shifts:
            days.setdefault(shift[START].astimezone(self.zone).date(), []).append(shift)
        worked = sorted(days)
        if max_days is not None:
            self._days_in_a_row(days, worked, max_days)
        if min_off is not None:
            self._days_off(days, worked, min_off)
        if max_weekends is not None:
            self._weekends(days, worked, max_weekends)
        if min_paid is not None or max_paid is not None:
            self._period_hours(shifts, min_paid, max_paid)
        if rules.forbidden_successions:
            self._succession(days, worked)

    def _flag(self, shifts: list[Shift], code: Code, message: Callable[[], str]) -> None:
        for shift in shifts:
            self._add(shift, code, message)

    def _days_in_a_row(self, days: dict[date, list[Shift]], worked: list[date], most: int) -> None:
        run = 0
        previous: date | None = None
        for day in worked:
            run = run + 1 if previous is not None and day - previous == DAY else 1
            previous = day
            if run > most:
                message = partial(self.wording.max_days, day, run, most)
                self._flag(days[day], Code.MAX_DAYS, message)

    def _days_off(self, days: dict[date, list[Shift]], worked: list[date], least: int) -> None:
        for before, day in pairwise(worked):
            off = (day - before).days - 1
            if 1 <= off < least:
                message = partial(self.wording.days_off, day, off, least)
                self._flag(days[day], Code.DAYS_OFF, message)

    def _weekends(self, days: dict[date, list[Shift]], worked: list[date], most: int) -> None:
        weeks = self.rules.weekends_period_weeks
        # The Monday of each weekend worked (a shift starting on its Saturday or Sunday).
        mondays = sorted({day - day.weekday() * DAY for day in worked if day.weekday() >= 5})
        first = 0
        for index, monday in enumerate(mondays):
            while mondays[first] <= monday - WEEK * weeks:
                first += 1
            count = index - first + 1
            if count > most:
                message = partial(self.wording.weekends, monday, count, weeks, most)
                for day in (monday + 5 * DAY, monday + 6 * DAY):
                    self._flag(days.get(day, []), Code.WEEKENDS, message)

    def _period_hours(self, shifts: list[Shift], least: int | None, most: int | None) -> None:
        weeks = self.rules.hours_period_weeks
        by_period: dict[date, list[Shift]] = {}
        for shift in shifts:
            day = shift[START].astimezone(self.zone).date()
            by_period.setdefault(period_start(day, weeks), []).append(shift)
        for first_day, own in by_period.items():
            if not any(shift[WANTED] or shift[COUNTED] for shift in own):
                continue  # context only
            paid = [(shift[END] - shift[START]) // MINUTE - shift[BREAK] for shift in own]
            last_day = first_day + WEEK * weeks - DAY
            if most is not None:
                self._period_most(own, paid, most, first_day, last_day)
            end = self._midnight(last_day + DAY)
            complete = self.complete_until is None or end <= self.complete_until
            if least is not None and complete and sum(paid) < least:
                message = partial(self.wording.period_min_hours, first_day, last_day,
                                  sum(paid), least)  # fmt: skip
                self._flag(own, Code.PERIOD_MIN_HOURS, message)

    def _period_most(
        self, own: list[Shift], paid: list[int], most: int, first_day: date, last_day: date
    ) -> None:
        """Flag each shift by whose start (shifts starting with it included) the period's paid
        work is over `most`."""
        total = 0
        index = 0
        while index < len(own):
            after = index
            while after < len(own) and own[after][START] == own[index][START]:
                total += paid[after]
                after += 1
            if total > most:
                for shift in own[index:after]:
                    message = partial(self.wording.period_max_hours, first_day, last_day,
                                      shift[START], total, most)  # fmt: skip
                    self._add(shift, Code.PERIOD_MAX_HOURS, message)
            index = after

    def _succession(self, days: dict[date, list[Shift]], worked: list[date]) -> None:
        forbidden = self.rules.forbidden_successions
        kinds: dict[Hashable, Kind] = {}
        for own in days.values():
            for shift in own:
                local = shift[START].astimezone(self.zone)
                kinds[shift[0]] = kind_of(self.rules, local.hour * 60 + local.minute)
        for day in worked:
            following = days.get(day + DAY)
            if not following:
                continue
            for earlier in days[day]:
                for later in following:
                    first, then = kinds[earlier[0]], kinds[later[0]]
                    if (first, then) not in forbidden:
                        continue
                    self._add(earlier, Code.SUCCESSION, partial(
                        self.wording.followed_by, first, then, later[START]), later)  # fmt: skip
                    self._add(later, Code.SUCCESSION, partial(
                        self.wording.follows, then, first, earlier[START]), earlier)  # fmt: skip

    def _midnight(self, day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)


def _or(override: int | None, default: int | None) -> int | None:
    return default if override is None else override
