"""Hypothesis: random companies, demand and fixed shifts; whatever the builder proposes, the rules
engine finds no hard break in it (on the new shifts, nor added to the shifts that stay), nothing
had to be withdrawn after solving (the model itself respects the rules), and the shifts that stay
are neither moved nor given away. (tests/planning/test_locks.py draws the same with the database:
locked and published shifts stay exactly as they were through a build and its acceptance.)"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planning.product.problem import BuildInput
from planning.product.solver import build, proposed_rows
from scheduling import rules
from tests.planning.product_world import MONDAY, fixed_row, group, world

# Kinds of shift that may not follow each other, from which each company picks some.
PAIRS = [
    (rules.Kind.NIGHT, rules.Kind.EARLY), (rules.Kind.LATE, rules.Kind.EARLY),
    (rules.Kind.NIGHT, rules.Kind.LATE), (rules.Kind.NIGHT, rules.Kind.NIGHT),
]  # fmt: skip


@st.composite
def companies(draw: st.DrawFn) -> BuildInput:
    ruleset = rules.RuleSet(
        time_zone="Europe/London",
        min_rest_minutes=draw(st.sampled_from([0, 8 * 60, 11 * 60, 12 * 60])),
        max_minutes_7_days=draw(st.sampled_from([16 * 60, 24 * 60, 40 * 60, 48 * 60])),
        min_weekly_rest_minutes=draw(st.sampled_from([24 * 60, 60 * 60, 100 * 60])),
        rest_is_hard=draw(st.booleans()), max_hours_is_hard=draw(st.booleans()),
        weekly_rest_is_hard=draw(st.booleans()), unavailability_is_hard=draw(st.booleans()),
        # The rules over days the model has constraints for (weekends and hours in a period
        # are left to the engine's check, which would drop what breaks them).
        max_consecutive_days=draw(st.sampled_from([None, 2, 3, 5])),
        min_days_off=draw(st.sampled_from([None, 2, 3])),
        forbidden_successions=frozenset(draw(st.sets(st.sampled_from(PAIRS)))),
        max_days_is_hard=draw(st.booleans()), days_off_is_hard=draw(st.booleans()),
        succession_is_hard=draw(st.booleans()),
    )  # fmt: skip
    people = []
    for n in range(draw(st.integers(1, 5))):
        positions = draw(st.sets(st.sampled_from(["carer", "nurse"]), min_size=1))
        leave_days = draw(st.lists(st.integers(0, 13), max_size=2))
        off = tuple(
            (MONDAY + dt.timedelta(days=d), MONDAY + dt.timedelta(days=d + 1), "Leave")
            for d in leave_days
        )
        unavailable_days = draw(st.lists(st.integers(0, 13), max_size=2))
        unavailable = tuple(
            (MONDAY + dt.timedelta(days=d, hours=6), MONDAY + dt.timedelta(days=d, hours=18), "no")
            for d in unavailable_days
        )
        people.append(rules.PersonFacts(
            f"p{n}", positions=frozenset(positions), sites=frozenset({"home"}),
            min_rest_minutes=draw(st.sampled_from([None, 10 * 60, 14 * 60])),
            max_minutes_7_days=draw(st.sampled_from([None, 20 * 60, 36 * 60])),
            leave=off, unavailable=unavailable,
        ))  # fmt: skip
    groups = [
        group(
            f"g{n}",
            draw(st.integers(0, 13)),
            draw(st.integers(0, 23)),
            draw(st.integers(4, 12)),
            draw(st.integers(1, 3)),
            position=draw(st.sampled_from(["carer", "nurse"])),
        )
        for n in range(draw(st.integers(1, 10)))
    ]
    fixed = [
        fixed_row(
            f"f{n}",
            f"p{draw(st.integers(0, len(people) - 1))}",
            draw(st.integers(-3, 16)),
            draw(st.integers(0, 23)),
            draw(st.integers(4, 12)),
        )
        for n in range(draw(st.integers(0, 6)))
    ]
    return world(people, groups, fixed, weeks=2, ruleset=ruleset,
                 contract_hours=draw(st.sampled_from([None, 20, 37])))  # fmt: skip


def _hard_keys(found: dict[object, list[rules.Violation]]) -> set[tuple[object, ...]]:
    return {(v.shift_id, v.code, v.other_shift_id) for vs in found.values() for v in vs if v.hard}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies())
def test_the_engine_finds_no_hard_break_in_what_the_builder_proposes(inp: BuildInput) -> None:
    fixed_before = tuple(inp.fixed)
    proposal = build(inp, time_limit=2, workers=1)
    assert proposal.status in ("optimal", "feasible")
    assert proposal.dropped == {}, "the model let through what the engine refuses"
    rows = proposed_rows(inp, proposal.assignments)
    before = _hard_keys(rules.check_rows(list(inp.fixed), inp.people, inp.rules))
    after = _hard_keys(rules.check_rows([*inp.fixed, *rows], inp.people, inp.rules))
    assert after <= before
    # Shifts that stay (published, locked, drafts not replaced) are untouched: never a unit
    # to give, never changed; each unit is given once, nobody left out is given work.
    assert inp.fixed == fixed_before
    units = [a.unit for a in proposal.assignments]
    assert not {row[0] for row in inp.fixed} & set(units)
    assert len(units) == len(set(units))
    assert not {a.person for a in proposal.assignments} & set(proposal.excluded)
    demand = sum(len(g.units) for g in inp.groups)
    assert len(units) + sum(len(u) for u in proposal.short.values()) == demand
