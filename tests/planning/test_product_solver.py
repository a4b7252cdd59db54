"""The product builder over plain facts: hard rules as constraints, proposals checked by the
rules engine, gaps with counted reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from planning.product import explain
from planning.product.problem import BuildInput, Wish
from planning.product.solver import Proposal, build, proposed_rows
from scheduling import rules
from tests.planning.product_world import MONDAY, fixed_row, group, person, world


def _hard(inp: BuildInput, proposal: Proposal) -> list[rules.Violation]:
    rows = proposed_rows(inp, proposal.assignments)
    found = rules.check_rows([*inp.fixed, *rows], inp.people, inp.rules)
    return [v for vs in found.values() for v in vs if v.hard]


def test_fills_demand_within_the_rules() -> None:
    inp = world([person("a"), person("b"), person("c")],
                [group(f"d{day}", day, 8, 8, 2) for day in range(7)])  # fmt: skip
    proposal = build(inp, time_limit=5)
    assert proposal.status in ("optimal", "feasible")
    # 14 shifts of 8 h among three people at 48 h in 7 days and a day of weekly rest each.
    assert len(proposal.assignments) == 14
    assert not proposal.short
    assert _hard(inp, proposal) == []


def test_max_hours_leaves_a_gap_with_counted_reasons() -> None:
    # Two people, two shifts of 12 h each day: 48 h in 7 days lets each work four.
    inp = world([person("a"), person("b")], [group(f"d{day}", day, 7, 12, 2) for day in range(7)])
    proposal = build(inp, time_limit=5)
    assert len(proposal.assignments) == 8
    assert _hard(inp, proposal) == []
    gaps = explain.gaps(inp, proposal)
    assert sum(g.missing for g in gaps) == 6
    assert all(set(g.counts) <= {"max_hours", "overlap", "rest"} for g in gaps)
    assert any("would pass 48 h in 7 days" in g.reason for g in gaps)


def test_nobody_on_leave_is_given_a_shift_and_the_gap_says_why() -> None:
    away = [person("a", leave=[(0, 6)]), person("b", leave=[(0, 6)])]
    inp = world([*away, person("n", positions=["nurse"])], [group("mon", 0, 8, 8, 1)])
    proposal = build(inp, time_limit=2)
    assert proposal.assignments == []
    (gap,) = explain.gaps(inp, proposal)
    assert gap.counts == {"leave": 2}
    assert "2 on leave" in gap.reason


def test_rest_against_a_fixed_shift_is_respected() -> None:
    late = ("late", "a", MONDAY + dt.timedelta(hours=14), MONDAY + dt.timedelta(hours=23), 0,
            "home", "carer")  # fmt: skip
    inp = world([person("a")], [group("tue-early", 1, 6, 8, 1)], fixed=[late])
    proposal = build(inp, time_limit=2)
    assert proposal.assignments == []
    (gap,) = explain.gaps(inp, proposal)
    assert gap.counts == {"rest": 1}
    assert "rest" in gap.reason


def test_no_qualified_people_is_a_clear_gap() -> None:
    inp = world([person("a")], [group("mon", 0, 8, 8, 2, position="nurse")])
    proposal = build(inp, time_limit=2)
    (gap,) = explain.gaps(inp, proposal)
    assert gap.missing == 2
    assert "nobody is qualified as nurse" in gap.reason


def test_someone_whose_fixed_shifts_already_break_a_rule_gets_nothing_new() -> None:
    clash = [fixed_row("x1", "a", 0, 8, 8), fixed_row("x2", "a", 0, 12, 8)]
    inp = world([person("a")], [group("wed", 2, 8, 8, 1)], fixed=clash)
    proposal = build(inp, time_limit=2)
    assert proposal.assignments == []
    assert "a" in proposal.excluded


def test_cancel_stops_the_search() -> None:
    inp = world([person(f"p{n}") for n in range(30)],
                [group(f"d{day}-{h}", day, h, 8, 3) for day in range(7) for h in (6, 14, 22)],
                weeks=1, contract_hours=30)  # fmt: skip
    proposal = build(inp, time_limit=20, on_tick=lambda used, n, best: True)
    assert proposal.status == "cancelled"
    assert proposal.seconds < 10


def test_no_proposal_within_the_time_leaves_every_unit_a_gap_saying_so() -> None:
    inp = world([person("a")], [group("mon", 0, 8, 8, 2)])
    proposal = build(inp, time_limit=2, on_tick=lambda used, n, best: False)
    assert proposal.status in ("optimal", "feasible")
    # As if the solver found nothing (what a too-short limit on a large site gives):
    proposal.status, proposal.assignments = "infeasible", []
    proposal.short = {"mon": list(inp.groups[0].units)}
    (gap,) = explain.gaps(inp, proposal)
    assert gap.missing == 2
    assert gap.reason.startswith("no solution was found within the time limit")


def _wish(who: str, day: int, *, work: bool, strength: int = 2) -> Wish:
    start = MONDAY + dt.timedelta(days=day)
    return Wish(who, start, start + dt.timedelta(days=1), work, strength)


def test_wishes_decide_between_people_the_rules_allow_alike() -> None:
    """One shift on Tuesday and one on Thursday, two people who may each work either: a wants
    Tuesday off and to work Thursday, so a gets Thursday and b Tuesday."""
    demand = [group("tue", 1, 8, 8, 1), group("thu", 3, 8, 8, 1)]
    inp = replace(
        world([person("a"), person("b")], demand),
        wishes=(_wish("a", 1, work=False, strength=3), _wish("a", 3, work=True, strength=3)),
    )
    proposal = build(inp, time_limit=5)
    given = {a.group: a.person for a in proposal.assignments}
    assert given == {"tue": "b", "thu": "a"}
    assert proposal.terms["wishes"] == 0
    assert _hard(inp, proposal) == []


def test_a_wish_never_leaves_demand_short_and_its_cost_is_reported() -> None:
    """Only a can work Tuesday's shift: the wish to be off is not met (the shortfall costs
    far more), and the objective says what the unmet wish cost."""
    inp = replace(world([person("a")], [group("tue", 1, 8, 8, 1)]),
                  wishes=(_wish("a", 1, work=False, strength=3),))  # fmt: skip
    proposal = build(inp, time_limit=5)
    assert [a.person for a in proposal.assignments] == ["a"]
    assert proposal.terms["wishes"] == 3 * inp.weights.wish


def test_a_rule_over_days_the_model_lacks_is_kept_by_the_check_and_named_in_the_gap() -> None:
    """At most three working days in a row (a hard rule the model has no constraint for yet):
    one person, a shift every day. What the engine would flag is dropped before it is offered,
    and the days left open say why."""
    ruleset = rules.RuleSet(time_zone="Europe/London", max_consecutive_days=3,
                            max_days_is_hard=True)  # fmt: skip
    inp = world([person("a")], [group(f"d{day}", day, 8, 8, 1) for day in range(7)],
                ruleset=ruleset)  # fmt: skip
    proposal = build(inp, time_limit=3)
    assert _hard(inp, proposal) == []
    assert 0 < len(proposal.assignments) < 7
    reasons = " ".join(g.reason for g in explain.gaps(inp, proposal))
    assert "would work too many days in a row" in reasons


def test_working_days_in_a_row_and_days_off_are_model_constraints() -> None:
    """At most three working days in a row and at least two days off together, both hard: two
    people cover a shift every day of a week with nothing dropped by the engine's check."""
    ruleset = rules.RuleSet(time_zone="Europe/London", max_consecutive_days=3, min_days_off=2)
    inp = world([person("a"), person("b"), person("c")],
                [group(f"d{day}", day, 8, 8, 1) for day in range(7)], ruleset=ruleset)  # fmt: skip
    proposal = build(inp, time_limit=5)
    assert not proposal.dropped and not proposal.short
    assert len(proposal.assignments) == 7
    assert _hard(inp, proposal) == []


def test_shift_kinds_that_may_not_follow_each_other_are_a_model_constraint() -> None:
    """A late shift may not be followed by an early one the next day: a, the only one who can
    work the late shift (b is not qualified at its site), is not also given the early one,
    though b would rather be off that day (without the constraint, a would get both and the
    engine's check would leave the early one open)."""
    late_then_early = frozenset({(rules.Kind.LATE, rules.Kind.EARLY)})
    ruleset = rules.RuleSet(time_zone="Europe/London", min_rest_minutes=0,
                            forbidden_successions=late_then_early)  # fmt: skip
    inp = world(
        [person("a", sites=("home", "annex")), person("b")],
        [group("late", 0, 14, 8, 1, site="annex"), group("early", 1, 6, 8, 1)],
        ruleset=ruleset,
    )
    inp = replace(inp, wishes=(_wish("b", 1, work=False, strength=1),))
    proposal = build(inp, time_limit=5)
    assert not proposal.dropped and not proposal.short
    assert {a.group: a.person for a in proposal.assignments} == {"late": "a", "early": "b"}
    assert _hard(inp, proposal) == []
