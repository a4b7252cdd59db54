"""Property: any roster the model returns for a random small instance keeps every hard rule,
as judged by the independent scorer, and keeps the fixed assignments it was given."""

import io
import itertools
import random
from dataclasses import replace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bench.nrp_score import check, read_instance, score
from planning.model import penalty
from planning.nrp import parse_instance, write_roster
from planning.problem import FixedAssignment
from planning.search import solve


@st.composite
def instances(draw: st.DrawFn) -> str:
    days = draw(st.sampled_from([7, 14]))
    types = [f"S{i}" for i in range(draw(st.integers(1, 3)))]
    lines = ["SECTION_HORIZON", str(days), "", "SECTION_SHIFTS"]
    for t in types:
        forbidden = draw(st.lists(st.sampled_from(types), unique=True, max_size=2))
        lines.append(f"{t},{draw(st.sampled_from([240, 480, 600]))},{'|'.join(forbidden)}")
    people = [f"P{i}" for i in range(draw(st.integers(2, 4)))]
    lines += ["", "SECTION_STAFF"]
    for who in people:
        limits = "|".join(f"{t}={draw(st.sampled_from([0, 2, days]))}" for t in types)
        max_minutes = draw(st.integers(2, days)) * 480
        min_minutes = draw(st.sampled_from([0, 0, 0, 480, 960, 1440]))
        longest = draw(st.integers(2, 6))
        shortest = draw(st.sampled_from([1, 1, 2, 3]))
        rest = draw(st.sampled_from([1, 1, 2, 3]))
        weekends = draw(st.integers(0, days // 7))
        lines.append(
            f"{who},{limits},{max_minutes},{min_minutes},{longest},{shortest},{rest},{weekends}"
        )
    lines += ["", "SECTION_DAYS_OFF"]
    for who in people:
        off = draw(st.lists(st.integers(0, days - 1), unique=True, max_size=2))
        if off:
            lines.append(",".join([who, *map(str, off)]))
    for section in ("SECTION_SHIFT_ON_REQUESTS", "SECTION_SHIFT_OFF_REQUESTS"):
        lines += ["", section]
        for _ in range(draw(st.integers(0, 4))):
            who, day = draw(st.sampled_from(people)), draw(st.integers(0, days - 1))
            lines.append(f"{who},{day},{draw(st.sampled_from(types))},{draw(st.integers(1, 3))}")
    lines += ["", "SECTION_COVER"]
    for day in range(days):
        for t in types:
            need, under, over = (
                draw(st.integers(0, 2)),
                draw(st.integers(1, 100)),
                draw(st.integers(0, 5)),
            )
            lines.append(f"{day},{t},{need},{under},{over}")
    return "\n".join(lines) + "\n"


def _someone_has_no_roster(text: str) -> bool:
    """Every hard rule binds one person: the instance is infeasible if and only if some person
    has no plan of their own that keeps theirs (enumerated, judged by the scorer)."""
    instance = read_instance(text)
    for who in instance.staff:
        alone = replace(instance, staff={who: instance.staff[who]}, cover=[])
        plans = itertools.product([None, *instance.length], repeat=instance.days)
        if not any(
            check(alone, {(who, d): s for d, s in enumerate(plan) if s is not None}).feasible
            for plan in plans
        ):
            return True
    return False


def _csv(assignment: dict[tuple[str, int], str]) -> str:
    out = io.StringIO()
    write_roster(out, assignment)
    return out.getvalue()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=instances(), seed=st.integers(0, 1000), pick=st.randoms(use_true_random=False))
def test_model_rosters_keep_every_hard_rule_and_the_fixed_shifts(
    text: str, seed: int, pick: random.Random
) -> None:
    problem = parse_instance(text)

    # Generous limits: a small problem ends as soon as it is proven, long before them.
    result = solve(problem, seconds=10, workers=2, seed=seed)

    event(result.status)
    if result.status == "INFEASIBLE" and problem.num_days == 7:
        assert _someone_has_no_roster(text)
    if result.status not in {"OPTIMAL", "FEASIBLE"}:
        return
    verdict = score(text, _csv(result.assignment))
    assert verdict.feasible, verdict.violations
    assert verdict.objective == result.objective == penalty(problem, result.assignment)

    # Lock a few of its shifts and solve again through the second phase (group-by-group roster,
    # LNS, full model): a roster with them exists, so one must come back, and keep them.
    shifts = sorted(result.assignment.items())
    locked = pick.sample(shifts, min(3, len(shifts)))
    fixed = replace(
        problem, fixed=tuple(FixedAssignment(who, day, shift) for (who, day), shift in locked)
    )

    again = solve(fixed, seconds=10, workers=2, seed=seed + 1, full_share=0.0)

    assert again.status in {"OPTIMAL", "FEASIBLE"}
    for (who, day), shift in locked:
        assert again.assignment[who, day] == shift
    verdict = score(text, _csv(again.assignment))
    assert verdict.feasible, verdict.violations
    assert verdict.objective == again.objective
