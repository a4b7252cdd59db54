"""The CP-SAT rota model: hard rules as constraints, wishes and cover as a weighted penalty.
How it is solved (the full model, then a large neighbourhood search) is in planning/search.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from planning.problem import Problem

Assignment = dict[tuple[str, int], str]


@dataclass(frozen=True)
class Progress:
    """An improving roster was found: seconds since the start, its penalty and the proven bound."""

    seconds: float
    objective: int
    bound: int


@dataclass(frozen=True)
class Result:
    # OPTIMAL (proven), FEASIBLE (a roster, not proven best), INFEASIBLE (proven none), UNKNOWN.
    status: str
    assignment: Assignment
    objective: int | None
    bound: int | None
    seconds: float


ProgressCallback = Callable[[Progress], None]


def penalty(problem: Problem, assignment: Mapping[tuple[str, int], str]) -> int:
    """The objective of a roster: unmet on-requests, unrespected off-requests, cover off target."""
    total = 0
    for request in problem.on_requests:
        if assignment.get((request.person, request.day)) != request.shift_type:
            total += request.weight
    for request in problem.off_requests:
        if assignment.get((request.person, request.day)) == request.shift_type:
            total += request.weight
    count: dict[tuple[int, str], int] = {}
    for (_, day), shift in assignment.items():
        count[day, shift] = count.get((day, shift), 0) + 1
    for cover in problem.covers:
        n = count.get((cover.day, cover.shift_type), 0)
        total += cover.weight_under * max(0, cover.requirement - n)
        total += cover.weight_over * max(0, n - cover.requirement)
    for person in problem.people:
        if person.target_minutes is not None and person.target_weight:
            minutes = sum(
                problem.shift_type(shift).minutes
                for (who, _), shift in assignment.items()
                if who == person.id
            )
            total += person.target_weight * abs(minutes - person.target_minutes)
    return total


class RotaModel:
    """The CP-SAT model of a Problem; `x[p, d, t]` is person p working shift type t on day d."""

    def __init__(self, problem: Problem, settled: bool = False) -> None:
        """`settled`: the fixed assignments and days off come from a roster that keeps every
        rule (a neighbourhood of the search), so rules over them alone are left out."""
        self.problem = problem
        self.settled = settled
        # (person, day) whose shift is known before solving: fixed, or a day off.
        self.locked: set[tuple[int, int]] = set()
        self.model = cp_model.CpModel()
        self.infeasible_reasons: list[str] = list(problem.check())
        self.types = [s.id for s in problem.shift_types]
        self.type_index = {s: i for i, s in enumerate(self.types)}
        self.person_index = {p.id: i for i, p in enumerate(problem.people)}
        self.x: dict[tuple[int, int, int], cp_model.IntVar] = {}
        self.works: dict[tuple[int, int], cp_model.IntVar] = {}
        self._terms: list[tuple[int, cp_model.IntVar]] = []
        # Variables defined by the shifts, with how to compute them, for complete hints.
        self._derived: list[tuple[cp_model.IntVar, Callable[[Shifts], int]]] = []
        self._offset = 0
        self._false = self.model.new_bool_var("never")
        self.model.add(self._false == 0)
        if not self.infeasible_reasons:
            self._build()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        problem, model = self.problem, self.model
        horizon = range(problem.num_days)
        pinned: dict[tuple[int, int], set[str]] = {}
        for fixed in problem.fixed:
            pinned.setdefault((self.person_index[fixed.person], fixed.day), set()).add(
                fixed.shift_type
            )
        for p, person in enumerate(problem.people):
            for d in horizon:
                allowed = set() if d in person.days_off else set(person.shift_types)
                must = pinned.get((p, d))
                if must is not None:
                    if len(must) > 1 or not must <= allowed:
                        self.infeasible_reasons.append(
                            f"{person.id} is fixed on {', '.join(sorted(must))} on day {d}, "
                            "which they may not work"
                        )
                    allowed &= must  # a locked day needs no other variable
                shifts = []
                for t, type_id in enumerate(self.types):
                    if type_id in allowed:
                        var = model.new_bool_var(f"x[{person.id},{d},{type_id}]")
                        self.x[p, d, t] = var
                        shifts.append(var)
                if must is not None and len(shifts) == 1:
                    model.add(shifts[0] == 1)
                    self.locked.add((p, d))
                if not shifts:
                    self.locked.add((p, d))
                if not shifts:
                    self.works[p, d] = self._false
                elif len(shifts) == 1:
                    self.works[p, d] = shifts[0]
                else:
                    works = model.new_bool_var(f"works[{person.id},{d}]")
                    model.add(sum(shifts) == works)  # at most one shift a day
                    self.works[p, d] = works
                    self._derived.append(
                        (works, _any_of([(p, d, t) for t in range(len(self.types))]))
                    )
        self._successions()
        for p in range(len(problem.people)):
            self._person_limits(p)
            self._runs(p)
            self._weekends(p)
        self._requests()
        self._cover()
        self._targets()
        model.minimize(
            cp_model.LinearExpr.weighted_sum(
                [v for _, v in self._terms], [c for c, _ in self._terms]
            )
            + self._offset
        )

    def _successions(self) -> None:
        forbidden: dict[int, list[int]] = {}
        for first, then in self.problem.forbidden_successions():
            forbidden.setdefault(self.type_index[first], []).append(self.type_index[then])
        for (p, d, t), var in self.x.items():
            after = [self.x[p, d + 1, u] for u in forbidden.get(t, []) if (p, d + 1, u) in self.x]
            if after and not self._known(p, d, d + 1):
                # The next day's shifts already exclude each other, so this clique is exact.
                self.model.add_at_most_one([var, *after])

    def _person_limits(self, p: int) -> None:
        problem, model = self.problem, self.model
        person = problem.people[p]
        horizon = range(problem.num_days)
        for type_id, limit in person.max_shifts.items():
            t = self.type_index[type_id]
            shifts = [self.x[p, d, t] for d in horizon if (p, d, t) in self.x]
            if len(shifts) > limit:
                model.add(sum(shifts) <= limit)
        minutes = cp_model.LinearExpr.weighted_sum(
            [
                self.x[p, d, t]
                for d in horizon
                for t in range(len(self.types))
                if (p, d, t) in self.x
            ],
            [
                problem.shift_types[t].minutes
                for d in horizon
                for t in range(len(self.types))
                if (p, d, t) in self.x
            ],
        )
        if person.max_minutes is not None:
            model.add(minutes <= person.max_minutes)
        if person.min_minutes > 0:
            model.add(minutes >= person.min_minutes)

    def _runs(self, p: int) -> None:
        person = self.problem.people[p]
        last = self.problem.num_days - 1
        w = [self.works[p, d] for d in range(last + 1)]
        longest = person.max_consecutive_days
        if longest is not None and longest <= last:
            for start in range(last + 1 - longest):
                if not self._known(p, *range(start, start + longest + 1)):
                    self.model.add(sum(w[start : start + longest + 1]) <= longest)
        # A run of work starting on day d > 0 lasts min days, or reaches the last day: for each
        # i < min with d + i inside the horizon, (off on d-1 and on on d) implies on on d+i.
        for d in range(1, last + 1):
            for i in range(1, person.min_consecutive_days):
                if d + i <= last and not self._known(p, d - 1, d, d + i):
                    self.model.add_bool_or([w[d - 1], w[d].Not(), w[d + i]])
            for i in range(1, person.min_consecutive_days_off):
                if d + i <= last and not self._known(p, d - 1, d, d + i):
                    self.model.add_bool_or([w[d - 1].Not(), w[d], w[d + i].Not()])

    def _known(self, p: int, *days: int) -> bool:
        """Whether a rule over these days of person p holds already (settled and all locked)."""
        return self.settled and all((p, d) in self.locked for d in days)

    def _weekends(self, p: int) -> None:
        person = self.problem.people[p]
        if person.max_weekends is None:
            return
        weekends = self.problem.weekends()
        if person.max_weekends >= len(weekends):
            return
        worked = []
        for days in weekends:
            if len(days) == 1:
                worked.append(self.works[p, days[0]])
                continue
            var = self.model.new_bool_var(f"weekend[{person.id},{days[0]}]")
            self._derived.append(
                (var, _any_of([(p, d, t) for d in days for t in range(len(self.types))]))
            )
            for d in days:
                self.model.add_implication(self.works[p, d], var)
            self.model.add_bool_or([var.Not(), *(self.works[p, d] for d in days)])
            worked.append(var)
        self.model.add(sum(worked) <= person.max_weekends)

    def _requests(self) -> None:
        for request in self.problem.on_requests:
            key = (
                self.person_index[request.person],
                request.day,
                self.type_index[request.shift_type],
            )
            self._offset += request.weight
            if key in self.x:
                self._terms.append((-request.weight, self.x[key]))
        for request in self.problem.off_requests:
            key = (
                self.person_index[request.person],
                request.day,
                self.type_index[request.shift_type],
            )
            if key in self.x:
                self._terms.append((request.weight, self.x[key]))

    def _cover(self) -> None:
        model = self.model
        size = len(self.problem.people)
        for cover in self.problem.covers:
            t = self.type_index[cover.shift_type]
            keys = [(p, cover.day, t) for p in range(size) if (p, cover.day, t) in self.x]
            on = [self.x[key] for key in keys]
            need = cover.requirement
            tag = f"{cover.day},{cover.shift_type}"
            # n + under - over == need; each slack is minimal at the optimum of its positive weight.
            expr = cp_model.LinearExpr.sum(on)
            if cover.weight_under > 0 and need > 0:
                under = model.new_int_var(0, need, f"under[{tag}]")
                self._derived.append((under, _shortfall(keys, need, 1)))
                self._terms.append((cover.weight_under, under))
                expr = expr + under
            if cover.weight_over > 0 and len(on) > need:
                over = model.new_int_var(0, len(on) - need, f"over[{tag}]")
                self._derived.append((over, _shortfall(keys, need, -1)))
                self._terms.append((cover.weight_over, over))
                expr = expr - over
            if cover.weight_under > 0 and need > 0:
                model.add(expr >= need)
            if cover.weight_over > 0 and len(on) > need:
                model.add(expr <= need)

    def _targets(self) -> None:
        problem, model = self.problem, self.model
        for p, person in enumerate(problem.people):
            if person.target_minutes is None or not person.target_weight:
                continue
            keys = [k for k in self.x if k[0] == p]
            minutes = cp_model.LinearExpr.weighted_sum(
                [self.x[k] for k in keys], [problem.shift_types[k[2]].minutes for k in keys]
            )
            gap = model.new_int_var(0, 10**7, f"target_gap[{person.id}]")
            weights = {k: problem.shift_types[k[2]].minutes for k in keys}
            self._derived.append((gap, _distance(weights, person.target_minutes)))
            model.add(gap >= minutes - person.target_minutes)
            model.add(gap >= person.target_minutes - minutes)
            self._terms.append((person.target_weight, gap))

    # -- reading solutions ---------------------------------------------------------------------

    def assignment_from(self, values: Callable[[cp_model.IntVar], int]) -> Assignment:
        people, types = self.problem.people, self.types
        return {(people[p].id, d): types[t] for (p, d, t), var in self.x.items() if values(var)}

    def hint(self, assignment: Mapping[tuple[str, int], str]) -> None:
        """Hints every variable from a roster, so that a feasible one is taken at once."""
        self.model.proto.solution_hint.vars.clear()
        self.model.proto.solution_hint.values.clear()
        people, types = self.problem.people, self.types
        on: Shifts = {}
        for key, var in self.x.items():
            p, d, t = key
            on[key] = int(assignment.get((people[p].id, d)) == types[t])
            self.model.add_hint(var, on[key])
        for var, value in self._derived:
            self.model.add_hint(var, value(on))
        self.model.add_hint(self._false, 0)


Shifts = dict[tuple[int, int, int], int]


def _any_of(keys: list[tuple[int, int, int]]) -> Callable[[Shifts], int]:
    return lambda on: int(any(on.get(key, 0) for key in keys))


def _distance(weights: dict[tuple[int, int, int], int], target: int) -> Callable[[Shifts], int]:
    """How far the weighted shifts are from a target."""
    return lambda on: abs(sum(w * on.get(key, 0) for key, w in weights.items()) - target)


def _shortfall(keys: list[tuple[int, int, int]], need: int, sign: int) -> Callable[[Shifts], int]:
    """Under (sign 1) or over (sign -1) a cover requirement."""
    return lambda on: max(0, sign * (need - sum(on.get(key, 0) for key in keys)))
