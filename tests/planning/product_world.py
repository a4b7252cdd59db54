"""Small pure worlds for the product builder's tests: people, demand groups and fixed shifts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence

from planning.product.problem import BuildInput, Group
from scheduling import rules

MONDAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)  # no change of the clocks in London that week


def group(key: str, day: int, start_hour: int, hours: int, units: int, *, position: str = "carer",
          site: str = "home", break_minutes: int = 0) -> Group:  # fmt: skip
    start = MONDAY + dt.timedelta(days=day, hours=start_hour)
    return Group(
        key=key, start=start, end=start + dt.timedelta(hours=hours), break_minutes=break_minutes,
        site=site, position=position, label=key,
        units=tuple(f"{key}#{n}" for n in range(units)),
    )  # fmt: skip


def person(pid: str, *, positions: Sequence[str] = ("carer",), sites: Sequence[str] = ("home",),
           leave: Sequence[tuple[int, int]] = ()) -> rules.PersonFacts:  # fmt: skip
    """`leave` as (first day, last day) inclusive, whole days."""
    return rules.PersonFacts(
        pid, positions=frozenset(positions), sites=frozenset(sites),
        leave=tuple((MONDAY + dt.timedelta(days=a), MONDAY + dt.timedelta(days=b + 1), "Leave")
                    for a, b in leave),
    )  # fmt: skip


def world(people: Sequence[rules.PersonFacts], groups: Sequence[Group],
          fixed: Sequence[rules.FactsRow] = (), *, weeks: int = 1,
          ruleset: rules.RuleSet | None = None,
          contract_hours: int | None = None) -> BuildInput:  # fmt: skip
    facts: dict[Hashable, rules.PersonFacts] = {p.id: p for p in people}
    return BuildInput(
        rules=ruleset or rules.RuleSet(time_zone="Europe/London"),
        people=facts, names={p: str(p) for p in facts},
        contract_minutes=dict.fromkeys(
            facts, None if contract_hours is None else contract_hours * 60 * weeks
        ),
        groups=tuple(groups), fixed=tuple(fixed), horizon_start=MONDAY,
        horizon_end=MONDAY + dt.timedelta(days=7 * weeks),
        position_names={"carer": "carer", "nurse": "nurse"},
    )  # fmt: skip


def fixed_row(shift_id: str, who: str, day: int, hour: int, hours: int, *,
              position: str = "carer", site: str = "home") -> rules.FactsRow:  # fmt: skip
    """A shift that stays as it is (published or locked), `day` days after MONDAY."""
    start = MONDAY + dt.timedelta(days=day, hours=hour)
    return (shift_id, who, start, start + dt.timedelta(hours=hours), 0, site, position)
