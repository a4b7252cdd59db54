"""The objective's fairness, continuity and cost terms: each, with a high weight, changes who is
chosen against a wish pulling the other way; with its weight at 0 the wish wins. Each is shown
in the objective by term."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from planning.product.problem import BuildInput, Weights, Wish
from planning.product.solver import build
from tests.planning.product_world import MONDAY, fixed_row, group, person, world

SATURDAY = 5


def _wish_to_work(who: str, day: int) -> Wish:
    start = MONDAY + dt.timedelta(days=day)
    return Wish(who, start, start + dt.timedelta(days=1), work=True, strength=1)


def _chosen(inp: BuildInput, **weights: int) -> str:
    proposal = build(replace(inp, weights=replace(Weights(), **weights)), time_limit=5, workers=1)
    assert proposal.status == "optimal"
    (assignment,) = proposal.assignments
    return str(assignment.person)


def _terms(inp: BuildInput, **weights: int) -> dict[str, float]:
    proposal = build(replace(inp, weights=replace(Weights(), **weights)), time_limit=5, workers=1)
    return proposal.terms


def test_weekend_fairness_spreads_weekends() -> None:
    # "a" already works Sunday; "a" wishes to work Saturday too.
    sunday = fixed_row("sun", "a", 6, 8, 8)
    inp = replace(
        world([person("a"), person("b")], [group("sat", SATURDAY, 8, 8, 1)], fixed=[sunday]),
        wishes=(_wish_to_work("a", SATURDAY),),
    )
    assert _chosen(inp, weekend_fairness=0) == "a"
    assert _chosen(inp, weekend_fairness=100) == "b"
    # Shown by term: "b" then works 1 weekend shift per full-time contract, as does "a".
    assert _terms(inp, weekend_fairness=100)["weekend_fairness"] == pytest.approx(100)


def test_weekend_fairness_is_relative_to_contract_hours() -> None:
    # Both work one weekend shift already; "half" is on half the hours of "full".
    fixed = [fixed_row("s1", "half", 6, 8, 8), fixed_row("s2", "full", 6, 16, 8)]
    base = world([person("half"), person("full")], [group("sat", SATURDAY, 8, 8, 1)], fixed=fixed)
    inp = replace(base, contract_minutes={"half": 1125, "full": 2250},
                  wishes=(_wish_to_work("half", SATURDAY),))  # fmt: skip
    # Contract terms off, to isolate fairness: "half" would reach 4 per full time, "full" 2.
    off = {"over_contract": 0, "under_contract": 0}
    assert _chosen(inp, weekend_fairness=0, **off) == "half"
    assert _chosen(inp, weekend_fairness=100, **off) == "full"


def test_night_fairness_spreads_nights() -> None:
    night = fixed_row("n1", "a", 0, 22, 8)  # Monday night
    inp = replace(
        world([person("a"), person("b")], [group("wed-night", 2, 22, 8, 1)], fixed=[night]),
        wishes=(_wish_to_work("a", 2),),
    )
    assert _chosen(inp, night_fairness=0, weekend_fairness=0) == "a"
    assert _chosen(inp, night_fairness=100, weekend_fairness=0) == "b"


def test_continuity_keeps_last_weeks_person() -> None:
    inp = replace(
        world([person("a"), person("b")], [group("mon", 0, 8, 8, 1)]),
        last_week={"mon": frozenset({"a"})}, wishes=(_wish_to_work("b", 0),),
    )  # fmt: skip
    assert _chosen(inp, continuity=0) == "b"
    assert _chosen(inp, continuity=100) == "a"
    assert _terms(inp, continuity=100)["continuity"] == 0
    assert _terms(inp, continuity=0)["continuity"] == 0  # weight 0: the term costs nothing
    assert _terms(inp, continuity=7, wish=1000)["continuity"] == 7  # "a" not kept


def test_cost_prefers_the_cheaper_person() -> None:
    inp = replace(
        world([person("dear"), person("cheap")], [group("mon", 0, 8, 8, 1)]),
        rate_cents={"dear": 3000, "cheap": 1000}, wishes=(_wish_to_work("dear", 0),),
    )  # fmt: skip
    assert _chosen(inp, cost=0) == "dear"
    assert _chosen(inp, cost=100) == "cheap"
    # 8 h at 10.00 is 80, 8 points per weight point.
    assert _terms(inp, cost=100)["cost"] == pytest.approx(800)
