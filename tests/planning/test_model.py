"""The CP-SAT model: the known optimum of a hand-made instance, fixed shifts, soft targets."""

import io
import itertools
from dataclasses import replace
from datetime import date

import pytest
from ortools.sat.python import cp_model

from bench.nrp_score import check, read_instance, score
from planning.model import RotaModel, penalty
from planning.nrp import parse_instance, write_roster
from planning.problem import FixedAssignment, Person, Problem, ShiftType
from planning.search import _Search, construct, neighbourhood, solve
from tests.planning.instances import TINY, TINY_OBJECTIVE, TINY_ROSTER

# TINY without C: small enough to enumerate every roster.
PAIR = TINY.replace("C,E=7|L=7,1440,0,7,1,1,2\n", "")


def _optimum_by_enumeration(text: str) -> int:
    """Every roster of every person, checked and scored by the independent scorer."""
    instance = read_instance(text)
    options: dict[str, list[dict[tuple[str, int], str]]] = {}
    for who in instance.staff:
        alone = replace(instance, staff={who: instance.staff[who]}, cover=[])
        options[who] = []
        for plan in itertools.product([None, *instance.length], repeat=instance.days):
            shifts = {(who, d): s for d, s in enumerate(plan) if s is not None}
            if check(alone, shifts).feasible:
                options[who].append(shifts)
    best = None
    for combination in itertools.product(*options.values()):
        shifts = {k: v for part in combination for k, v in part.items()}
        verdict = check(instance, shifts)
        assert verdict.feasible
        best = verdict.objective if best is None else min(best, verdict.objective)
    assert best is not None
    return best


def _csv(assignment: dict[tuple[str, int], str]) -> str:
    out = io.StringIO()
    write_roster(out, assignment)
    return out.getvalue()


def test_model_finds_and_proves_the_optimum_found_by_enumeration() -> None:
    expected = _optimum_by_enumeration(PAIR)

    result = solve(parse_instance(PAIR), seconds=10, workers=2)

    assert result.status == "OPTIMAL"
    assert result.objective == result.bound == expected
    verdict = score(PAIR, _csv(result.assignment))
    assert verdict.feasible, verdict.violations
    assert verdict.objective == expected


def test_penalty_agrees_with_the_scorer_on_the_hand_computed_roster() -> None:
    assert penalty(parse_instance(TINY), TINY_ROSTER) == TINY_OBJECTIVE


def test_second_phase_alone_reaches_the_same_optimum() -> None:
    # No time for the first phase: the roster is built group by group, then improved by LNS
    # beside the full model, which proves it.
    expected = _optimum_by_enumeration(PAIR)

    result = solve(parse_instance(PAIR), seconds=10, workers=2, full_share=0.0)

    assert result.objective == expected
    assert score(PAIR, _csv(result.assignment)).feasible


def test_fixed_assignments_stay_even_when_they_cost() -> None:
    problem = parse_instance(TINY)
    # B works E on day 4 although B asked for it off (weight 3).
    fixed = replace(problem, fixed=(FixedAssignment("B", 4, "E"),))

    result = solve(fixed, seconds=10, workers=2)

    assert result.status == "OPTIMAL"
    assert result.assignment[("B", 4)] == "E"
    assert score(TINY, _csv(result.assignment)).feasible


def test_fixed_assignment_on_a_day_off_is_infeasible_at_once() -> None:
    problem = parse_instance(TINY)
    clash = replace(problem, fixed=(FixedAssignment("A", 3, "E"),))

    result = solve(clash, seconds=10, workers=2)

    assert result.status == "INFEASIBLE"
    assert result.assignment == {}


def test_neighbourhood_keeps_the_rest_and_counts_it_in_the_cover() -> None:
    problem = parse_instance(TINY)

    part = neighbourhood(problem, TINY_ROSTER, {"B"}, {1, 2})

    assert [p.id for p in part.people] == ["B"]
    # B is off outside days 1-2 in the roster, so those days are closed to B.
    assert part.people[0].days_off == frozenset({0, 3, 4, 5, 6})
    # Cover on day 1 needs 1 and A already works: B is not needed there.
    assert [(c.day, c.requirement) for c in part.covers] == [(1, 0), (2, 1)]


def test_group_by_group_roster_keeps_every_hard_rule() -> None:
    problem = parse_instance(TINY)

    built = construct(problem, seed=3, deadline=float("inf"))

    assert built is not None
    assert score(TINY, _csv(built)).feasible


def _week(**person: object) -> Problem:
    return Problem(
        name="week",
        start=date(2025, 6, 2),
        num_days=7,
        shift_types=(ShiftType("D", 480, start_minute=9 * 60),),
        people=(Person(id="P", shift_types=frozenset({"D"}), **person),),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("target", "worked"), [(3 * 480, 3), (5 * 480, 5)])
def test_contracted_minutes_target_is_met_when_nothing_else_costs(target: int, worked: int) -> None:
    result = solve(_week(target_minutes=target, target_weight=1), seconds=10, workers=2)

    assert result.status == "OPTIMAL"
    assert result.objective == 0
    assert len(result.assignment) == worked


def test_rest_rule_forbids_a_late_shift_before_an_early_one() -> None:
    late = ShiftType("N", 480, start_minute=22 * 60)
    early = ShiftType("E", 480, start_minute=6 * 60)
    problem = replace(_week(), shift_types=(late, early), min_rest_minutes=11 * 60)

    # N (22:00-06:00) then E the next day at 06:00 leaves no rest: forbidden. N -> N, E -> N
    # and E -> E leave 16 hours or more.
    assert problem.forbidden_successions() == {("N", "E")}


def test_weekends_follow_the_dates_and_are_cut_at_the_horizon() -> None:
    problem = replace(_week(), start=date(2025, 6, 8), num_days=8)  # a Sunday to a Sunday

    assert problem.weekends() == [(0,), (6, 7)]


@pytest.mark.parametrize(
    ("free_people", "free_days"),
    [({"A", "B", "C"}, {1, 2}), ({"A", "C"}, set(range(7))), ({"B"}, {4, 5, 6})],
)
def test_settled_neighbourhood_has_the_same_optimum(
    free_people: set[str], free_days: set[int]
) -> None:
    # A settled model leaves out the rules over locked days only; the roster outside keeps them.
    part = neighbourhood(parse_instance(TINY), TINY_ROSTER, free_people, free_days)
    optima = []
    for settled in (False, True):
        rota = RotaModel(part, settled=settled)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(rota.model) == cp_model.OPTIMAL
        optima.append(round(solver.objective_value))
    assert optima[0] == optima[1]
    assert len(RotaModel(part, settled=True).model.proto.constraints) <= len(
        RotaModel(part).model.proto.constraints
    )


def test_helpers_are_off_that_day_and_may_work_the_short_shift() -> None:
    problem = parse_instance(TINY)
    search = _Search(RotaModel(problem), dict(TINY_ROSTER), 0, lambda objective, bound: None)

    # Day 0: nobody on L. B and C are off, B may never work L: C, with 1440 minutes spare.
    assert search.helpers(TINY_ROSTER, 0) == (["C"], [1.0 + 1440 / 60])
    # Day 3: no cover, so anyone off and free that day (A has it off by rule).
    assert search.helpers(TINY_ROSTER, 3)[0] == ["B", "C"]
