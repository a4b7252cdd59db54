"""The auto-build model: CP-SAT over the real times of each slot of demand, with every rule the
engine treats as hard as a constraint, then the engine's own check of what it proposes.

Hard: qualification, leave and hard unavailability, overlap and rest against the shifts that
stay, are decided per (person, group) by the engine itself before the model is built (a pair
it refuses is never a variable). What depends on several new shifts together is modelled:
overlap and rest between them, at most the 7-day maximum in every window the engine looks at,
and a free stretch of the weekly rest in each week someone works. A rule the engine gains later
is added as one more function in PERSON_RULES (it receives the model, the person's candidate
groups and their fixed shifts); until it is, the verification below still drops any proposal
that would break it and reports it as a gap."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from planning.product.problem import BuildInput, FactsRow, Group
from scheduling import rules

SEVEN_DAYS = dt.timedelta(days=7)
SCALE = 30  # objective units per point: contract terms count in minutes, 30 to the half hour


# What the caller hears while it runs: (fraction of the time limit used, solutions found, best
# objective in points or None); it answers True to stop (cancel).
Tick = Callable[[float, int, float | None], bool]


@dataclass
class Assignment:
    unit: str
    group: str
    person: Hashable


@dataclass
class Proposal:
    """What a build proposes (nothing is written): assignments, the units left short, and the
    objective by term in points."""

    status: str  # "optimal", "feasible", "infeasible", "cancelled", "no_demand"
    assignments: list[Assignment] = field(default_factory=list)
    short: dict[str, list[str]] = field(default_factory=dict)  # group -> unfilled units
    terms: dict[str, float] = field(default_factory=dict)
    # People left out because their shifts that stay already break a hard rule.
    excluded: dict[Hashable, str] = field(default_factory=dict)
    # Proposals the engine refused after solving (a model defect): group -> messages.
    dropped: dict[str, list[str]] = field(default_factory=dict)
    solutions: int = 0
    seconds: float = 0.0
    model_seconds: float = 0.0
    # Why each (group, person) pair was no candidate, by the engine: the first hard code.
    refused: dict[tuple[str, Hashable], str] = field(default_factory=dict)


def _hard_keys(found: dict[Hashable, list[rules.Violation]]) -> set[tuple[Any, ...]]:
    return {(v.shift_id, v.code, v.other_shift_id) for vs in found.values() for v in vs if v.hard}


def _near(rows: Sequence[FactsRow], start: dt.datetime, end: dt.datetime,
          context: dt.timedelta) -> list[FactsRow]:  # fmt: skip
    return [row for row in rows if row[2] < end + context and row[3] > start - context]


def _refusal(inp: BuildInput, group: Group, person: Hashable,
             fixed: Sequence[FactsRow]) -> tuple[str | None, bool]:  # fmt: skip
    """The engine's verdict on `person` working `group` alone with their fixed shifts: the
    first hard code it breaks (None: allowed), and whether it breaks a soft rule."""
    facts = inp.people[person]
    if group.position not in facts.positions:
        return rules.Code.POSITION.value, False
    if group.site not in facts.sites:
        return rules.Code.SITE.value, False
    probe = group.facts("probe", person)
    around = _near(fixed, group.start, group.end, inp.context)
    found = rules.check_rows([*around, probe], {person: facts}, inp.rules)
    hard = sorted({v.code.value for vs in found.values() for v in vs if v.hard})
    if hard:
        return hard[0], False
    return None, any(not v.hard for v in found.get("probe", ()))


def fixed_breaks(inp: BuildInput) -> dict[Hashable, str]:
    """People whose fixed shifts in or near the horizon already break a hard rule, with the
    engine's message: they are given nothing new (the model could not satisfy them)."""
    low, high = inp.horizon_start - SEVEN_DAYS, inp.horizon_end + SEVEN_DAYS
    near = [row for row in inp.fixed if row[1] is not None and row[2] < high and row[3] > low]
    ids = {row[0] for row in near}
    found = rules.check_rows(list(inp.fixed), inp.people, inp.rules, only=ids)
    people = {row[0]: row[1] for row in near}
    out: dict[Hashable, str] = {}
    for shift_id, violations in found.items():
        hard = [v for v in violations if v.hard]
        if hard and people[shift_id] not in out:
            out[people[shift_id]] = hard[0].message
    return out


class _Listener(cp_model.CpSolverSolutionCallback):
    def __init__(self) -> None:
        super().__init__()
        self.solutions = 0
        self.best: float | None = None

    def on_solution_callback(self) -> None:
        self.solutions += 1
        self.best = self.objective_value / SCALE


@dataclass
class _Person:
    id: Hashable
    groups: list[Group]
    fixed: list[FactsRow]
    rest_minutes: int
    max_minutes: int


PersonRule = Callable[[cp_model.CpModel, BuildInput, _Person, dict[str, Any]], None]


def _overlap_and_rest(model: cp_model.CpModel, inp: BuildInput, p: _Person,
                      y: dict[str, Any]) -> None:  # fmt: skip
    rest = dt.timedelta(minutes=p.rest_minutes if inp.rules.rest_is_hard else 0)
    ordered = sorted(p.groups, key=lambda g: g.start)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b.start >= a.end + rest:
                break
            model.add(y[a.key] + y[b.key] <= 1)


def _max_hours(model: cp_model.CpModel, inp: BuildInput, p: _Person, y: dict[str, Any]) -> None:
    if not inp.rules.max_hours_is_hard:
        return
    anchors = {g.start for g in p.groups} | {row[2] for row in p.fixed}
    for anchor in sorted(anchors):
        low = anchor - SEVEN_DAYS
        groups = [g for g in p.groups if low < g.start <= anchor]
        if not groups:
            continue
        fixed = sum(_paid(row) for row in p.fixed if low < row[2] <= anchor)
        if fixed + sum(g.paid_minutes for g in groups) > p.max_minutes:
            model.add(sum(g.paid_minutes * y[g.key] for g in groups) <= p.max_minutes - fixed)


def _weekly_rest(model: cp_model.CpModel, inp: BuildInput, p: _Person, y: dict[str, Any]) -> None:
    if not inp.rules.weekly_rest_is_hard or not p.groups:
        return
    zone = ZoneInfo(inp.rules.time_zone)
    need = dt.timedelta(minutes=inp.rules.min_weekly_rest_minutes)
    weeks: dict[dt.date, list[Group]] = defaultdict(list)
    for when, g in [*((g.start, g) for g in p.groups), *((row[2], None) for row in p.fixed)]:
        day = when.astimezone(zone).date()
        starting = weeks[day - dt.timedelta(days=day.weekday())]
        if g is not None:
            starting.append(g)
    for monday, starting in weeks.items():
        begin = dt.datetime.combine(monday, dt.time(), tzinfo=zone).astimezone(dt.UTC)
        finish = dt.datetime.combine(monday + SEVEN_DAYS, dt.time(), tzinfo=zone).astimezone(dt.UTC)
        if not any(g.start < finish and g.end > begin for g in p.groups):
            continue  # no new shift touches this week
        # A longest free stretch starts at the week's start or where some shift ends.
        starts = {begin} | {g.end for g in p.groups} | {row[3] for row in p.fixed}
        windows = []
        for t in sorted(s for s in starts if begin <= s <= finish - need):
            if any(row[2] < t + need and row[3] > t for row in p.fixed):
                continue
            r = model.new_bool_var("")
            for g in p.groups:
                if g.start < t + need and g.end > t:
                    model.add(y[g.key] + r <= 1)
            windows.append(r)
        fixed_starts = any(begin <= row[2] < finish for row in p.fixed)
        if fixed_starts:
            model.add(sum(windows) >= 1)
        else:
            for g in starting:
                model.add(sum(windows) >= y[g.key])


def _worked_days(
    model: cp_model.CpModel, inp: BuildInput, p: _Person, y: dict[str, Any]
) -> dict[dt.date, Any]:
    """Each local day on which the person would start a shift (the rules' working day): 1 for
    a day with a shift that stays, else whether any new shift starting that day is given."""
    zone = ZoneInfo(inp.rules.time_zone)
    new: dict[dt.date, list[Any]] = defaultdict(list)
    for g in p.groups:
        new[g.start.astimezone(zone).date()].append(y[g.key])
    worked: dict[dt.date, Any] = {row[2].astimezone(zone).date(): 1 for row in p.fixed}
    for day, chosen in new.items():
        if day not in worked:
            any_of = model.new_bool_var("")
            model.add_max_equality(any_of, chosen)
            worked[day] = any_of
    return worked


def _span(worked: dict[dt.date, Any], first: dt.date, days: int) -> list[Any]:
    return [worked.get(first + dt.timedelta(days=n), 0) for n in range(days)]


def _has_var(values: list[Any]) -> bool:
    return any(not isinstance(value, int) for value in values)


def _days(model: cp_model.CpModel, inp: BuildInput, p: _Person, y: dict[str, Any]) -> None:
    """Working days in a row and days off between them (scheduling/rules/days.py), where hard:
    no run of more than the maximum, and no stretch of 1 to (minimum - 1) days off between
    two working days. Constraints only on windows a new shift could change."""
    r, facts = inp.rules, inp.people[p.id]
    most = facts.max_consecutive_days if facts.max_consecutive_days is not None else (
        r.max_consecutive_days)  # fmt: skip
    least = facts.min_days_off if facts.min_days_off is not None else r.min_days_off
    most = most if r.max_days_is_hard else None
    least = least if r.days_off_is_hard else None
    if not p.groups or (most is None and least is None):
        return
    worked = _worked_days(model, inp, p, y)
    first, last = min(worked), max(worked)
    for n in range((last - first).days + 1):
        day = first + dt.timedelta(days=n)
        if most is not None:
            window = _span(worked, day, most + 1)
            if _has_var(window):
                model.add(sum(window) <= most)
        for off in range(1, least or 1):
            ends = [worked.get(day, 0), worked.get(day + dt.timedelta(days=off + 1), 0)]
            between = _span(worked, day + dt.timedelta(days=1), off)
            if _has_var(ends + between) and all(not isinstance(e, int) or e for e in ends):
                model.add(sum(ends) - sum(between) <= 1)


def _succession(model: cp_model.CpModel, inp: BuildInput, p: _Person, y: dict[str, Any]) -> None:
    """Kinds of shift that may not follow each other on consecutive days, where hard: two new
    shifts in a forbidden order are not both given (a new one against a shift that stays is
    refused before the model, by the engine's own probe)."""
    r = inp.rules
    if not r.forbidden_successions or not r.succession_is_hard:
        return
    zone = ZoneInfo(r.time_zone)
    by_day: dict[dt.date, list[tuple[Group, rules.Kind]]] = defaultdict(list)
    for g in p.groups:
        local = g.start.astimezone(zone)
        by_day[local.date()].append((g, rules.kind_of(r, local.hour * 60 + local.minute)))
    for day, earlier in by_day.items():
        for a, first in earlier:
            for b, then in by_day.get(day + dt.timedelta(days=1), ()):
                if (first, then) in r.forbidden_successions:
                    model.add(y[a.key] + y[b.key] <= 1)


PERSON_RULES: list[PersonRule] = [
    _overlap_and_rest, _max_hours, _weekly_rest, _days, _succession,
]  # fmt: skip


def _paid(row: FactsRow) -> int:
    return int((row[3] - row[2]).total_seconds() // 60) - row[4]


def _wishes(
    model: cp_model.CpModel, inp: BuildInput, y: dict[Hashable, dict[str, Any]]
) -> list[tuple[int, Any]]:
    """Each wish that the proposal can meet or miss, as (its points, a 0/1 "missed"): a wish
    to be off is missed by each new shift given that touches it; a wish to work is missed when
    none of the new shifts that touch it is given (one that no candidate shift touches cannot
    be met by this build, and costs nothing)."""
    by_key = {g.key: g for g in inp.groups}
    terms: list[tuple[int, Any]] = []
    for wish in inp.wishes:
        touching = [
            var for key, var in y.get(wish.person, {}).items()
            if by_key[key].start < wish.end and wish.start < by_key[key].end
        ]  # fmt: skip
        if not touching:
            continue
        if not wish.work:
            terms.extend((wish.strength, var) for var in touching)
            continue
        missed = model.new_bool_var("")
        model.add(sum(touching) + missed >= 1)
        terms.append((wish.strength, missed))
    return terms


FULL_TIME_MINUTES_A_WEEK = 37 * 60 + 30
# The share of the time limit the first phase (coverage first) may use; it stops sooner when it
# proves its proposal best, leaving the rest to the whole objective.
PHASE_ONE_SHARE = 0.7


def _is_night(inp: BuildInput, zone: ZoneInfo, when: dt.datetime) -> bool:
    local = when.astimezone(zone)
    return rules.kind_of(inp.rules, local.hour * 60 + local.minute) == rules.Kind.NIGHT


def _fair_share(
    model: cp_model.CpModel, inp: BuildInput, people: dict[Hashable, _Person],
    y: dict[Hashable, dict[str, Any]], counts: Callable[[dt.datetime], bool],
) -> Any:  # fmt: skip
    """The most shifts of a kind (weekend, night) anyone works in the horizon, new and staying,
    per full-time contract, in 1/SCALE units: someone on half the hours counts each one twice
    (no contract: as full time). Minimising it spreads them relative to contract hours."""
    weeks = max((inp.horizon_end - inp.horizon_start).days // 7, 1)
    full = FULL_TIME_MINUTES_A_WEEK * weeks
    top = model.new_int_var(0, SCALE * 100 * 24 * 7 * weeks, "")
    floor = 0  # its value when nothing new is given: hinted with the rest (a first proposal)
    for p in people.values():
        new = [y[p.id][g.key] for g in p.groups if counts(g.start)]
        if not new:
            continue  # nothing the build can change for them
        contract = inp.contract_minutes.get(p.id) or full
        per_shift = max(round(SCALE * full / contract), 1)
        inside = [row[2] for row in p.fixed if inp.horizon_start <= row[2] < inp.horizon_end]
        stays = sum(1 for when in inside if counts(when))
        model.add(top >= per_shift * (stays + sum(new)))
        floor = max(floor, per_shift * stays)
    model.add_hint(top, floor)
    return top


def _pay(
    inp: BuildInput, people: dict[Hashable, _Person], y: dict[Hashable, dict[str, Any]]
) -> list[tuple[int, Any]]:
    """The pay of each new shift, as (objective units, its variable): 1 point per 10 of the
    company's currency (1,000 hundredths) at the person's hourly rate; none without a rate."""
    out: list[tuple[int, Any]] = []
    for p in people.values():
        cents = inp.rate_cents.get(p.id)
        if not cents:
            continue
        for g in p.groups:
            out.append((round(SCALE * cents * g.paid_minutes / 60 / 1000), y[p.id][g.key]))
    return out


@dataclass
class _Ticks:
    began: float
    time_limit: float
    on_tick: Tick | None
    listener: _Listener
    cancelled: threading.Event


def _solve(model: cp_model.CpModel, seconds: float, workers: int, seed: int,
           listener: _Listener, ticks: _Ticks) -> tuple[cp_model.CpSolver, Any]:  # fmt: skip
    """Solve in a thread for up to `seconds` (at least half a second), telling the caller's
    tick how far it is and stopping when it asks to cancel."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.5)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    outcome: dict[str, Any] = {}

    def run() -> None:
        outcome["status"] = solver.solve(model, listener)

    thread = threading.Thread(target=run, name="autobuild-solver", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.25)
        used = min((time.monotonic() - ticks.began) / max(ticks.time_limit, 0.001), 1.0)
        if ticks.on_tick is not None and ticks.on_tick(used, listener.solutions, listener.best):
            ticks.cancelled.set()
            solver.stop_search()
    thread.join()
    return solver, outcome.get("status")


def build(inp: BuildInput, *, time_limit: float, on_tick: Tick | None = None,
          workers: int = 2, seed: int = 0) -> Proposal:  # fmt: skip
    """Propose assignments for every group's units. Never raises for bad demand: what cannot
    be met is short, and says so."""
    began = time.monotonic()
    proposal = Proposal(status="feasible")
    if not any(g.units for g in inp.groups):
        proposal.status = "no_demand"
        return proposal
    proposal.excluded = fixed_breaks(inp)
    by_person: dict[Hashable, list[FactsRow]] = defaultdict(list)
    for row in inp.fixed:
        if row[1] is not None:
            by_person[row[1]].append(row)
    model = cp_model.CpModel()
    y: dict[Hashable, dict[str, Any]] = defaultdict(dict)
    soft_terms: list[Any] = []
    candidates: dict[str, list[Hashable]] = defaultdict(list)
    people: dict[Hashable, _Person] = {}
    verdicts: dict[tuple[str, Any], tuple[str | None, bool]] = {}
    for person, facts in inp.people.items():
        if person in proposal.excluded:
            continue
        fixed = by_person.get(person, [])
        near = _near(fixed, inp.horizon_start, inp.horizon_end, inp.context)
        mine: list[Group] = []
        # Someone with no shift around and no time off is judged like anyone with the same
        # limits: one probe per (group, limits), not per person.
        alike = (
            None
            if near or facts.leave or facts.unavailable
            else (facts.positions, facts.sites, facts.min_rest_minutes, facts.max_minutes_7_days)
        )
        for group in inp.groups:
            if not group.units:
                continue
            if alike is not None and (group.key, alike) in verdicts:
                refused, soft = verdicts[group.key, alike]
            else:
                refused, soft = _refusal(inp, group, person, near)
                if alike is not None:
                    verdicts[group.key, alike] = (refused, soft)
            if refused is not None:
                proposal.refused[group.key, person] = refused
                continue
            var = model.new_bool_var("")
            y[person][group.key] = var
            candidates[group.key].append(person)
            mine.append(group)
            if soft:
                soft_terms.append(var)
        people[person] = _Person(
            person, mine, near,
            facts.min_rest_minutes if facts.min_rest_minutes is not None
            else inp.rules.min_rest_minutes,
            facts.max_minutes_7_days if facts.max_minutes_7_days is not None
            else inp.rules.max_minutes_7_days,
        )  # fmt: skip
    for p in people.values():
        for rule in PERSON_RULES:
            rule(model, inp, p, y[p.id])
    shorts: dict[str, Any] = {}
    for group in inp.groups:
        if not group.units:
            continue
        taken = [y[person][group.key] for person in candidates[group.key]]
        short = model.new_int_var(0, len(group.units), "")
        model.add(sum(taken) + short == len(group.units))
        shorts[group.key] = short
    w = inp.weights
    contract_terms: list[Any] = []
    over_vars: list[Any] = []
    under_vars: list[Any] = []
    for p in people.values():
        contract = inp.contract_minutes.get(p.id)
        if contract is None or not p.groups:
            continue
        stays = sum(_paid(row) for row in p.fixed
                    if inp.horizon_start <= row[2] < inp.horizon_end)  # fmt: skip
        worked = stays + sum(g.paid_minutes * y[p.id][g.key] for g in p.groups)
        bound = stays + sum(g.paid_minutes for g in p.groups) + contract
        over = model.new_int_var(0, bound, "")
        under = model.new_int_var(0, contract, "")
        model.add(over >= worked - contract)
        model.add(under >= contract - worked)
        over_vars.append(over)
        under_vars.append(under)
        contract_terms += [w.over_contract * over, w.under_contract * under]
    wish_terms = _wishes(model, inp, y)
    zone = ZoneInfo(inp.rules.time_zone)
    weekend_top = _fair_share(model, inp, people, y, lambda t: t.astimezone(zone).weekday() >= 5)
    night_top = _fair_share(model, inp, people, y, lambda t: _is_night(inp, zone, t))
    kept = [y[p][g.key] for g in inp.groups for p in inp.last_week.get(g.key, ())
            if g.key in y.get(p, {})]  # fmt: skip
    pay = _pay(inp, people, y)
    first = (
        SCALE * w.short * sum(shorts.values()) + sum(contract_terms)
        + SCALE * w.soft_unavailable * sum(soft_terms)
        + SCALE * w.wish * sum(points * missed for points, missed in wish_terms)
    )  # fmt: skip
    spread = (
        w.weekend_fairness * weekend_top + w.night_fairness * night_top
        + SCALE * w.continuity * (len(kept) - sum(kept))
        + w.cost * sum(coefficient * var for coefficient, var in pay)
    )  # fmt: skip
    two_phases = any((w.weekend_fairness, w.night_fairness, w.continuity, w.cost))
    model.minimize(first if two_phases else first + spread)
    for chosen in y.values():
        for var in chosen.values():
            model.add_hint(var, False)  # nothing given: always allowed, a first proposal at once
    proposal.model_seconds = time.monotonic() - began
    listener = _Listener()
    cancelled = threading.Event()
    ticks = _Ticks(began, time_limit, on_tick, listener, cancelled)
    # Phase 1: coverage, contracts, soft rules and wishes, which the solver's first-solution
    # heuristics reach fast; phase 2 (when fairness, continuity or cost weigh): the whole
    # objective from phase 1's proposal, kept if phase 2 finds nothing better in its time.
    remaining = time_limit - (time.monotonic() - began)
    share = remaining * PHASE_ONE_SHARE if two_phases else remaining
    solver, status = _solve(model, share, workers, seed, listener, ticks)
    if two_phases and not cancelled.is_set() and status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        whole = first + spread
        before = solver.value(whole)
        model.clear_hints()  # type: ignore[no-untyped-call]
        for chosen in y.values():
            for var in chosen.values():
                model.add_hint(var, bool(solver.value(var)))
        model.minimize(whole)
        second, again = _solve(model, time_limit - (time.monotonic() - began), workers, seed,
                               listener, ticks)  # fmt: skip
        if again in (cp_model.OPTIMAL, cp_model.FEASIBLE) and second.objective_value <= before:
            solver, status = second, again
        else:
            status = cp_model.FEASIBLE  # phase 1's proposal, not proven best for the whole
    proposal.solutions = listener.solutions
    proposal.seconds = time.monotonic() - began
    if cancelled.is_set():
        proposal.status = "cancelled"
        return proposal
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # No proposal at all (the time ran out first): every unit is a gap, and says why.
        proposal.status = "infeasible"
        proposal.short = {g.key: list(g.units) for g in inp.groups if g.units}
        return proposal
    proposal.status = "optimal" if status == cp_model.OPTIMAL else "feasible"
    by_group: dict[str, list[Hashable]] = defaultdict(list)
    for person, chosen in y.items():
        for group_key, var in chosen.items():
            if solver.value(var):
                by_group[group_key].append(person)
    for group in inp.groups:
        units = sorted(group.units, key=lambda u: (u not in group.open_units, u))
        workers_ = sorted(by_group.get(group.key, []), key=str)
        for unit, person in zip(units, workers_, strict=False):
            proposal.assignments.append(Assignment(unit, group.key, person))
        if len(units) > len(workers_):
            proposal.short[group.key] = units[len(workers_) :]
    proposal.terms = {
        "short": w.short * sum(len(u) for u in proposal.short.values()),
        "over_contract": w.over_contract * sum(solver.value(v) for v in over_vars) / SCALE,
        "under_contract": w.under_contract * sum(solver.value(v) for v in under_vars) / SCALE,
        "soft_unavailable": w.soft_unavailable * sum(solver.value(v) for v in soft_terms),
        "wishes": w.wish * sum(points * solver.value(missed) for points, missed in wish_terms),
        "weekend_fairness": w.weekend_fairness * solver.value(weekend_top) / SCALE,
        "night_fairness": w.night_fairness * solver.value(night_top) / SCALE,
        "continuity": w.continuity * (len(kept) - sum(solver.value(v) for v in kept)),
        "cost": w.cost * sum(c * solver.value(v) for c, v in pay) / SCALE,
    }
    verify(inp, proposal)
    return proposal


def proposed_rows(inp: BuildInput, assignments: Sequence[Assignment]) -> list[FactsRow]:
    groups = {g.key: g for g in inp.groups}
    return [groups[a.group].facts("new:" + a.unit, a.person) for a in assignments]


def verify(inp: BuildInput, proposal: Proposal) -> None:
    """The engine's check of everything proposed, with what stays: a proposal that adds any
    hard break (to itself or to a shift that stays) is dropped, its unit counted short, and the
    engine's message kept. Repeats until nothing is left to drop (each round drops one)."""
    before = _hard_keys(rules.check_rows(list(inp.fixed), inp.people, inp.rules))
    while proposal.assignments:
        rows = proposal_rows = proposed_rows(inp, proposal.assignments)
        found = rules.check_rows([*inp.fixed, *rows], inp.people, inp.rules)
        added = [v for vs in found.values() for v in vs
                 if v.hard and (v.shift_id, v.code, v.other_shift_id) not in before]  # fmt: skip
        if not added:
            return
        ids = [row[0] for row in proposal_rows]
        # The proposal named by the break (or the latest one of its person, for a break
        # charged to a shift that stays).
        culprit = next((ids.index(v.shift_id) for v in added if v.shift_id in ids), None)
        if culprit is None:
            owners = {row[0]: row[1] for row in inp.fixed}
            person = owners.get(added[0].shift_id)
            mine = [i for i, a in enumerate(proposal.assignments) if a.person == person]
            culprit = max(mine, key=lambda i: proposal_rows[i][2]) if mine else 0
        dropped = proposal.assignments.pop(culprit)
        message = next((v.message for v in added if v.shift_id == "new:" + dropped.unit),
                       added[0].message)  # fmt: skip
        proposal.dropped.setdefault(dropped.group, []).append(message)
        proposal.short.setdefault(dropped.group, []).append(dropped.unit)
