"""The independent scorer names each broken hard rule and recomputes the objective by hand."""

import pytest

from bench.nrp_score import score
from tests.planning.instances import TINY, TINY_OBJECTIVE, TINY_ROSTER, roster_csv


def test_correct_roster_is_feasible_with_the_objective_computed_by_hand() -> None:
    verdict = score(TINY, roster_csv(TINY_ROSTER))

    assert verdict.violations == []
    assert verdict.feasible
    assert verdict.objective == TINY_OBJECTIVE


def _without(*people: str) -> dict[tuple[str, int], str]:
    return {key: shift for key, shift in TINY_ROSTER.items() if key[0] not in people}


def _days(who: str, shift: str, *days: int) -> dict[tuple[str, int], str]:
    return {(who, day): shift for day in days}


# Each roster breaks exactly one hard rule of TINY; the scorer must name that rule and no other.
BROKEN = {
    "one shift a day": (TINY_ROSTER, "A,5,L\n"),
    "succession": (_without("A") | _days("A", "E", 1, 4, 5) | {("A", 0): "L"}, ""),
    "max shifts": (_without("B") | {("B", 1): "E", ("B", 2): "L"}, ""),
    "max minutes": (TINY_ROSTER | _days("C", "E", 0, 1, 2, 3), ""),
    # B alone on day 0: too few minutes, but a one-day run touching the first day is allowed.
    "min minutes": (_without("B") | _days("B", "E", 0), ""),
    "max consecutive": (_without("B") | _days("B", "E", 0, 1, 2, 3), ""),
    "min consecutive": (_without("B") | _days("B", "E", 0, 3), ""),
    "min days off": (_without("B") | _days("B", "E", 0, 1, 3, 4), ""),
    "max weekends": (_without("B") | _days("B", "E", 5, 6), ""),
    "day off": (_without("A") | _days("A", "E", 3, 4, 5), ""),
    "unknown": (TINY_ROSTER, "Z,1,E\n"),
}


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_roster_breaking_one_hard_rule_is_infeasible_and_the_rule_named(rule: str) -> None:
    shifts, extra = BROKEN[rule]

    verdict = score(TINY, roster_csv(shifts, extra))

    assert not verdict.feasible
    assert [v.split(":")[0] for v in verdict.violations] == [rule], verdict.violations


@pytest.mark.parametrize(
    "shifts",
    [
        # A is off on day 0 alone (an off run at the start); B works day 0 alone (a work run at
        # the start).
        _days("A", "E", 1, 2, 5, 6) | _days("B", "E", 0, 3, 4),
        # A works day 6 alone (a work run at the end).
        _days("A", "E", 0, 1, 6) | _days("B", "E", 1, 2),
    ],
)
def test_runs_touching_the_edges_of_the_horizon_need_not_reach_the_minimum(
    shifts: dict[tuple[str, int], str],
) -> None:
    verdict = score(TINY, roster_csv(shifts))

    assert verdict.violations == []


def test_wrong_header_is_reported() -> None:
    verdict = score(TINY, "who,when,what\nA,0,E\n")

    assert not verdict.feasible
    assert verdict.violations[0].startswith("header")
