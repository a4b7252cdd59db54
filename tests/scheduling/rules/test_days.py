"""The rules over local days, by example: the boundaries (exactly the limit, one past it), a
night that crosses midnight, the weeks around a change of the clocks in London, personal
overrides, the minimum hours' `complete_until`, the context a caller must load, and the
refusal of impossible settings. The reference in test_engine.py covers random rotas."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from scheduling.rules import Kind, PersonFacts, RuleSet, ShiftFacts, Violation, check
from scheduling.rules.days import period_start

LONDON = ZoneInfo("Europe/London")
ANA = PersonFacts(id="ana", positions=frozenset({"cook"}), sites=frozenset({"north"}))
TEAM = {"ana": ANA}
# Only the rules over days: rest, the 7-day maximum and weekly rest out of the way.
QUIET = RuleSet(min_rest_minutes=0, max_minutes_7_days=168 * 60, min_weekly_rest_minutes=0)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def shift(id: Hashable, start: str, hours: float = 8, *, break_minutes: int = 0) -> ShiftFacts:
    begin = local(start)
    # Real elapsed time, whatever the clocks do.
    end = (begin.astimezone(ZoneInfo("UTC")) + timedelta(hours=hours)).astimezone(LONDON)
    return ShiftFacts(id, "ana", begin, end, break_minutes, "north", "cook")


def codes(result: Mapping[Hashable, list[Violation]]) -> dict[Hashable, list[str]]:
    return {key: [v.code for v in found] for key, found in result.items()}


def days(first: str, count: int, hour: int = 9) -> list[ShiftFacts]:
    start = datetime.fromisoformat(first)
    return [shift(f"d{n}", f"{start + timedelta(days=n):%Y-%m-%d} {hour:02d}:00")
            for n in range(count)]  # fmt: skip


def test_exactly_the_most_days_in_a_row_is_fine_and_one_more_is_flagged() -> None:
    rules = replace(QUIET, max_consecutive_days=5)
    assert check(days("2026-11-16", 5), TEAM, rules) == {}
    result = check(days("2026-11-16", 7), TEAM, rules)
    assert codes(result) == {"d5": ["max_days"], "d6": ["max_days"]}
    assert result["d6"][0].message == "7 working days in a row up to Sun 22 Nov (at most 5)."
    assert result["d5"][0].hard


def test_a_night_belongs_to_the_day_it_starts_on() -> None:
    # Nights from Monday 22:00: each ends on the next day, but starts one day after the other.
    nights = [shift(f"n{n}", f"2026-11-{16 + n} 22:00", 10) for n in range(3)]
    assert codes(check(nights, TEAM, replace(QUIET, max_consecutive_days=2))) == {
        "n2": ["max_days"]
    }
    # Two shifts on one day are one working day.
    double = [shift("a", "2026-11-16 06:00", 4), shift("b", "2026-11-16 18:00", 4)]
    assert check(double, TEAM, replace(QUIET, max_consecutive_days=1)) == {}


def test_days_are_local_days_across_the_change_of_the_clocks() -> None:
    # 00:30 on Sunday 25 October (summer time) and 00:30 on Monday 26 October (winter time)
    # are 24 h 60 min apart in UTC, but on consecutive local days.
    pair = [shift("sat", "2026-10-24 23:30", 1), shift("sun", "2026-10-25 00:30", 1),
            shift("mon", "2026-10-26 00:30", 1)]  # fmt: skip
    result = check(pair, TEAM, replace(QUIET, max_consecutive_days=2))
    assert codes(result) == {"mon": ["max_days"]}
    in_utc = replace(QUIET, time_zone="UTC", max_consecutive_days=2)
    # In UTC, Saturday 23:30 BST is Saturday 22:30 and 00:30 BST is Saturday 23:30: two days.
    assert check(pair, TEAM, in_utc) == {}


def test_days_off_are_flagged_on_the_day_back() -> None:
    rules = replace(QUIET, min_days_off=2)
    one_off = [shift("mon", "2026-11-16 09:00"), shift("wed", "2026-11-18 09:00")]
    result = check(one_off, TEAM, rules)
    assert codes(result) == {"wed": ["days_off"]}
    assert result["wed"][0].message == (
        "Back at work on Wed 18 Nov after 1 day off (at least 2 days off in a row)."
    )
    two_off = [shift("mon", "2026-11-16 09:00"), shift("thu", "2026-11-19 09:00")]
    assert check(two_off, TEAM, rules) == {}
    back_to_back = [shift("mon", "2026-11-16 09:00"), shift("tue", "2026-11-17 09:00")]
    assert check(back_to_back, TEAM, rules) == {}
    plural = check([*one_off[:1], shift("thu", "2026-11-19 09:00")], TEAM,
                   replace(QUIET, min_days_off=3))  # fmt: skip
    assert plural["thu"][0].message.startswith("Back at work on Thu 19 Nov after 2 days off")


def test_weekends_worked_in_a_rolling_period() -> None:
    rules = replace(QUIET, max_weekends=1, weekends_period_weeks=2)
    # Saturday 14, Sunday 22 and Saturday 5 December (two weeks after the 22nd's weekend).
    shifts = [shift("sat14", "2026-11-14 09:00"), shift("sun22", "2026-11-22 09:00"),
              shift("sat5", "2026-12-05 09:00")]  # fmt: skip
    result = check(shifts, TEAM, rules)
    assert codes(result) == {"sun22": ["weekends"]}
    assert result["sun22"][0].message == (
        "2 weekends worked in the 2 weeks up to the weekend of Sat 21 Nov (at most 1)."
    )
    # A Friday night into Saturday is Friday's.
    friday = [shift("fri", "2026-11-13 22:00", 10), shift("sun22", "2026-11-22 09:00")]
    assert check(friday, TEAM, rules) == {}


def test_hours_in_a_period_count_from_the_epoch_in_whole_weeks() -> None:
    assert period_start(datetime(2024, 1, 1).date(), 4).isoformat() == "2024-01-01"
    assert period_start(datetime(2024, 1, 28).date(), 4).isoformat() == "2024-01-01"
    assert period_start(datetime(2024, 1, 29).date(), 4).isoformat() == "2024-01-29"
    assert period_start(datetime(2023, 12, 31).date(), 4).isoformat() == "2023-12-04"
    assert period_start(datetime(2026, 11, 18).date(), 1).isoformat() == "2026-11-16"


def test_most_hours_in_a_period_flag_the_shift_that_passes_it_and_the_later_ones() -> None:
    rules = replace(QUIET, hours_period_weeks=1, max_minutes_period=16 * 60)
    week = days("2026-11-16", 3)  # 8 hours each, from Monday
    result = check(week, TEAM, rules)
    assert codes(result) == {"d2": ["period_max_hours"]}
    assert result["d2"][0].message == (
        "24 h of paid work in the period Mon 16 Nov to Sun 22 Nov by Wed 18 Nov 09:00 "
        "(at most 16 h)."
    )
    # A new period starts on Monday 23 November.
    assert check([*week[:2], shift("next", "2026-11-23 09:00")], TEAM, rules) == {}
    # Unpaid breaks do not count.
    week[2] = replace(week[2], break_minutes=8 * 60 - 1)
    assert codes(check(week, TEAM, rules)) == {"d2": ["period_max_hours"]}
    week[0] = replace(week[0], break_minutes=1)
    assert check(week, TEAM, rules) == {}


def test_the_period_of_the_change_of_the_clocks_is_an_hour_longer() -> None:
    # A night from Saturday 24 October 22:00 to Sunday 06:00 is 9 real hours.
    night = shift("night", "2026-10-24 22:00", 9)
    rules = replace(QUIET, hours_period_weeks=1, max_minutes_period=8 * 60 + 30)
    assert codes(check([night], TEAM, rules)) == {"night": ["period_max_hours"]}
    # The period of the week from Monday 19 October ends at local midnight on the 26th: 00:00
    # UTC, not 23:00 UTC as in summer.
    least = replace(QUIET, hours_period_weeks=1, min_minutes_period=10 * 60)
    summer_midnight = datetime(2026, 10, 25, 23, tzinfo=ZoneInfo("UTC"))
    assert check([night], TEAM, least, complete_until=summer_midnight) == {}
    result = check([night], TEAM, least, complete_until=local("2026-10-26 00:00"))
    assert codes(result) == {"night": ["period_min_hours"]}


def test_least_hours_are_a_warning_judged_only_for_complete_periods() -> None:
    rules = replace(QUIET, hours_period_weeks=1, min_minutes_period=20 * 60,
                    period_hours_is_hard=True)  # fmt: skip
    week = days("2026-11-16", 2)
    result = check(week, TEAM, rules)
    assert codes(result) == {"d0": ["period_min_hours"], "d1": ["period_min_hours"]}
    assert not result["d0"][0].hard
    assert result["d0"][0].message == (
        "Only 16 h of paid work in the period Mon 16 Nov to Sun 22 Nov (at least 20 h)."
    )
    assert check(week, TEAM, rules, complete_until=local("2026-11-22 23:59")) == {}
    assert check(week, TEAM, rules, complete_until=local("2026-11-23 00:00")) != {}
    third = shift("d2", "2026-11-18 09:00")
    assert check([*week, third], TEAM, replace(rules, min_minutes_period=24 * 60)) == {}


def test_shifts_that_may_not_follow_each_other() -> None:
    rules = replace(QUIET, forbidden_successions=frozenset({(Kind.NIGHT, Kind.EARLY)}))
    # A night starting Monday 22:00, then an early on Wednesday (the night's next day is
    # Tuesday): fine. Then an early on Tuesday: both flagged, naming each other.
    night = shift("night", "2026-11-16 22:00", 6)  # to 04:00
    assert check([night, shift("wed", "2026-11-18 07:00")], TEAM, rules) == {}
    result = check([night, shift("tue", "2026-11-17 07:00", 4)], TEAM, rules)
    assert {k: [(v.code, v.other_shift_id) for v in vs] for k, vs in result.items()} == {
        "night": [("succession", "tue")], "tue": [("succession", "night")],
    }  # fmt: skip
    assert result["tue"][0].message == (
        "This early shift follows the night shift at Mon 16 Nov 22:00 the day before, which "
        "the rules do not allow."
    )
    # The other way round is allowed unless forbidden too; the bands are the company's.
    assert check([shift("e", "2026-11-16 07:00", 4), shift("n", "2026-11-17 22:00")], TEAM,
                 rules) == {}  # fmt: skip
    # Starting at 05:59 is still a night; at 06:00 an early.
    at_the_edge = [night, shift("tue", "2026-11-17 05:59", 1)]
    assert check(at_the_edge, TEAM, rules) == {}
    later_bands = replace(rules, early_from=7 * 60)
    assert codes(check([night, shift("tue", "2026-11-17 06:30", 4)], TEAM, later_bands)) == {}
    assert codes(check([night, shift("tue", "2026-11-17 07:00", 4)], TEAM, later_bands)) == {
        "night": ["succession"], "tue": ["succession"],
    }  # fmt: skip


def test_personal_limits_replace_the_companys_or_set_one() -> None:
    week = days("2026-11-16", 4)
    strict = replace(ANA, max_consecutive_days=3, max_minutes_period=30 * 60)
    rules = replace(QUIET, hours_period_weeks=1)
    assert check(week, TEAM, rules) == {}
    assert codes(check(week, {"ana": strict}, rules)) == {"d3": ["max_days", "period_max_hours"]}
    relaxed = replace(ANA, max_consecutive_days=14)
    assert check(week, {"ana": relaxed}, replace(rules, max_consecutive_days=2)) == {}


def test_the_context_a_caller_loads_grows_with_the_rules() -> None:
    assert QUIET.context() == timedelta(days=8)
    assert replace(QUIET, max_consecutive_days=10).context() == timedelta(days=12)
    assert replace(QUIET, max_weekends=2, weekends_period_weeks=4).context() == timedelta(weeks=5)
    assert QUIET.context([replace(ANA, min_minutes_period=60)]) == timedelta(weeks=5)
    assert replace(QUIET, hours_period_weeks=8, max_minutes_period=1).context() == timedelta(
        weeks=9
    )


NOT_A_KIND: frozenset[tuple[Kind, Kind]] = frozenset({cast(tuple[Kind, Kind], ("night", "noon"))})


@pytest.mark.parametrize(
    "make",
    [
        lambda: replace(QUIET, weekends_period_weeks=0),
        lambda: replace(QUIET, hours_period_weeks=0),
        lambda: replace(QUIET, late_from=5 * 60),
        lambda: replace(QUIET, night_from=24 * 60),
        lambda: replace(QUIET, forbidden_successions=NOT_A_KIND),
        lambda: replace(QUIET, max_consecutive_days=-1),
        lambda: replace(ANA, max_weekends=-1),
    ],
)
def test_impossible_settings_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match=r"RuleSet|must not be negative"):
        make()
