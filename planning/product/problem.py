"""What an auto-build works on, as plain values: the slots of demand, the people with the rules'
facts, the shifts that stay as they are, and the weights of the objective."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from scheduling import rules
from scheduling.rules import PersonFacts, RuleSet

# A shift as the rules engine reads it: (id, person, start, end, break, site, position).
FactsRow = rules.FactsRow


@dataclass(frozen=True)
class Weights:
    """The objective's weights (points per unit); each company may tune them (planning's
    PlanningSettings, on the auto-build weights page). Defaults: a person short outweighs
    everything else; then rules the company made soft, wishes, hours against contract, a fair
    share of weekends and nights, keeping last week's shifts, and the cost of pay."""

    short: int = 1000  # each person missing from the demand
    over_contract: int = 4  # each half hour over the contracted hours
    under_contract: int = 1  # each half hour under them
    soft_unavailable: int = 50  # each shift in time someone said they cannot work (soft rule)
    wish: int = 20  # each point of a shift wish not met (a wish matters 1, 2 or 3 points)
    # The most weekend (night) shifts anyone works, per full-time contract (37.5 hours a week;
    # someone on half that counts each such shift twice): spread them fairly.
    weekend_fairness: int = 10
    night_fairness: int = 10
    continuity: int = 5  # each of last week's people not kept on the same shift and weekday
    cost: int = 1  # each 10 (of the company's currency) of pay at the profile's hourly rate


# Upper bounds the settings page accepts (the solver's integer coefficients stay far from
# overflow: at most 100,000 x 30 per unit).
WEIGHT_MAXIMA: dict[str, int] = {
    "short": 100_000, "over_contract": 10_000, "under_contract": 10_000,
    "soft_unavailable": 10_000, "wish": 10_000, "weekend_fairness": 10_000,
    "night_fairness": 10_000, "continuity": 10_000, "cost": 10_000,
}  # fmt: skip


@dataclass(frozen=True)
class Wish:
    """A person's wish to work (`work`) or to be off, touching [start, end), worth `strength`
    points (scheduling.ShiftWish: 1 if possible, 2 it matters, 3 it matters a lot)."""

    person: Hashable
    start: dt.datetime
    end: dt.datetime
    work: bool
    strength: int


@dataclass(frozen=True)
class Group:
    """Identical slots of demand: one shift (times, site, position) and the keys of its units,
    each one person. A unit key is either a new slot or an existing open shift to fill."""

    key: str
    start: dt.datetime
    end: dt.datetime
    break_minutes: int
    site: Hashable
    position: Hashable
    label: str
    units: tuple[str, ...]
    # Units that are existing open shifts (their ids, as text): filled before new ones.
    open_units: frozenset[str] = frozenset()

    @cached_property
    def paid_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60) - self.break_minutes

    def facts(self, unit: str, person: Hashable | None) -> FactsRow:
        return (unit, person, self.start, self.end, self.break_minutes, self.site, self.position)


@dataclass(frozen=True)
class BuildInput:
    """Everything the builder reads. `fixed` holds every shift that stays as it is and counts
    for the rules: every assigned shift of the people around the horizon (published, locked, and
    drafts unless they are being replaced)."""

    rules: RuleSet
    # Keyed by person id (any hashable: dict keys are invariant, hence Any).
    people: dict[Any, PersonFacts]
    names: dict[Any, str]
    # Contracted minutes over the horizon (weekly hours x weeks); None: no contract.
    contract_minutes: dict[Any, int | None]
    groups: tuple[Group, ...]
    fixed: tuple[FactsRow, ...]
    horizon_start: dt.datetime
    horizon_end: dt.datetime
    position_names: dict[Any, str] = field(default_factory=dict)
    weights: Weights = Weights()
    wishes: tuple[Wish, ...] = ()
    # Drafts proposed for replacement (not in `fixed`, their demand not covered): (shift id,
    # version, person, text). Deleted only when the proposal is accepted.
    replaced: tuple[tuple[Any, int, Any, str], ...] = ()
    # Continuity: per group key, the people who worked the same shift (position, local times)
    # on the same weekday in the week before the horizon.
    last_week: dict[str, frozenset[Any]] = field(default_factory=dict)
    # Pay per hour in hundredths of the company's currency, where the profile has a rate.
    rate_cents: dict[Any, int] = field(default_factory=dict)

    @cached_property
    def context(self) -> dt.timedelta:
        """How far around a shift the rules look for these people (scheduling.rules: 8 days,
        up to weeks when a rule over a period is on)."""
        return self.rules.context(self.people.values())
