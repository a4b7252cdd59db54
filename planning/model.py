"""The CP-SAT rota model: hard rules as constraints, wishes and cover as a weighted penalty."""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from planning.problem import FixedAssignment, Problem

Assignment = dict[tuple[str, int], str]
logger = logging.getLogger(__name__)


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

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
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
        self._false = model.new_bool_var("never")
        model.add(self._false == 0)
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
            if after:
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
                self.model.add(sum(w[start : start + longest + 1]) <= longest)
        # A run of work starting on day d > 0 lasts min days, or reaches the last day: for each
        # i < min with d + i inside the horizon, (off on d-1 and on on d) implies on on d+i.
        for d in range(1, last + 1):
            for i in range(1, person.min_consecutive_days):
                if d + i <= last:
                    self.model.add_bool_or([w[d - 1], w[d].Not(), w[d + i]])
            for i in range(1, person.min_consecutive_days_off):
                if d + i <= last:
                    self.model.add_bool_or([w[d - 1].Not(), w[d], w[d + i].Not()])

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


Shifts = dict[tuple[int, int, int], int]


def _any_of(keys: list[tuple[int, int, int]]) -> Callable[[Shifts], int]:
    return lambda on: int(any(on.get(key, 0) for key in keys))


def _distance(weights: dict[tuple[int, int, int], int], target: int) -> Callable[[Shifts], int]:
    """How far the weighted shifts are from a target."""
    return lambda on: abs(sum(w * on.get(key, 0) for key, w in weights.items()) - target)


def _shortfall(keys: list[tuple[int, int, int]], need: int, sign: int) -> Callable[[Shifts], int]:
    """Under (sign 1) or over (sign -1) a cover requirement."""
    return lambda on: max(0, sign * (need - sum(on.get(key, 0) for key in keys)))


class _Watcher(cp_model.CpSolverSolutionCallback):
    """Reports each improving roster of a full solve."""

    def __init__(self, report: Callable[[int, int], None]) -> None:
        super().__init__()
        self._report = report
        self.found = threading.Event()

    def on_solution_callback(self) -> None:
        self.found.set()
        self._report(round(self.objective_value), round(self.best_objective_bound))


class _Stopper(threading.Thread):
    """Stops a solve once `deadline` (monotonic) has passed."""

    def __init__(self, solver: cp_model.CpSolver, deadline: float) -> None:
        super().__init__(daemon=True)
        self._solver, self._deadline = solver, deadline
        self._cancelled = threading.Event()

    def run(self) -> None:
        if not self._cancelled.wait(max(0.0, self._deadline - time.monotonic())):
            self._solver.stop_search()

    def cancel(self) -> None:
        self._cancelled.set()
        self.join()


def _parameters(solver: cp_model.CpSolver, seconds: float, workers: int, seed: int) -> None:
    solver.parameters.max_time_in_seconds = max(seconds, 0.01)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "MODEL_INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def solve(
    problem: Problem,
    *,
    seconds: float = 60.0,
    workers: int = 2,
    seed: int = 0,
    on_progress: ProgressCallback | None = None,
    hint: Mapping[tuple[str, int], str] | None = None,
    lns: bool = True,
    full_share: float | None = None,
    log: bool = False,
) -> Result:
    """Builds the rota of least penalty within `seconds`.

    First the full model on all workers for a share of the time (small problems are proven
    optimal there). Then a roster built two people at a time, and, side by side, the full model
    on one worker with every rule in its LP (it raises the bound, proves, and may still improve)
    and a large neighbourhood search on the other workers; the better roster is kept.
    `full_share` is the share of the time for the first phase (FULL_SHARE, or FULL_SHARE_LARGE
    on a large model, by default); `lns=False` gives it all. `on_progress` is called from the
    solver's threads, one call at a time, at each better roster.
    """
    started = time.monotonic()
    deadline = started + seconds
    rota = RotaModel(problem)
    if rota.infeasible_reasons:
        return Result("INFEASIBLE", {}, None, None, time.monotonic() - started)
    if hint is not None:
        rota.hint(hint)

    def report(objective: int, bound: int) -> None:
        if on_progress is not None:
            on_progress(Progress(time.monotonic() - started, objective, bound))

    solver = cp_model.CpSolver()
    _parameters(solver, deadline - time.monotonic(), workers, seed)
    solver.parameters.log_search_progress = log
    watcher = _Watcher(report)
    stopper = None
    if lns:
        # A large model gets little from the full search but its first bound: LNS gets the time.
        default = FULL_SHARE if len(rota.x) <= PROVER_MAX_SHIFTS else FULL_SHARE_LARGE
        share = default if full_share is None else full_share
        stopper = _Stopper(solver, started + seconds * share)
        stopper.start()
    status = solver.solve(rota.model, watcher)
    if stopper is not None:
        stopper.cancel()
    name = _STATUS[status]
    if name in {"OPTIMAL", "INFEASIBLE", "MODEL_INVALID"} or not lns:
        return _result(rota, solver, name, started)
    bound = max(0, round(solver.best_objective_bound))
    best = rota.assignment_from(solver.boolean_value) if name == "FEASIBLE" else None
    built = construct(problem, seed, deadline=deadline)
    if built is not None and (best is None or penalty(problem, built) < penalty(problem, best)):
        best = built
        report(penalty(problem, best), bound)
    if best is None:
        _parameters(solver, deadline - time.monotonic(), workers, seed + 1)
        return _result(rota, solver, _STATUS[solver.solve(rota.model, watcher)], started)
    search = _Search(rota, best, bound, report)
    threads = [
        threading.Thread(target=search.run, args=(seed + k, deadline), daemon=True)
        for k in range(max(1, workers - 1))
    ]
    if workers > 1:
        # On a large model the LP-strong full solve neither proves nor improves within minutes.
        job = search.prove if len(rota.x) <= PROVER_MAX_SHIFTS else search.run
        threads.append(threading.Thread(target=job, args=(seed + workers, deadline), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assignment = search.assignment
    status_name = "OPTIMAL" if search.objective <= search.bound else "FEASIBLE"
    return Result(
        status_name, assignment, search.objective, search.bound, time.monotonic() - started
    )


def _result(rota: RotaModel, solver: cp_model.CpSolver, name: str, started: float) -> Result:
    if name not in {"OPTIMAL", "FEASIBLE"}:
        return Result(name, {}, None, None, time.monotonic() - started)
    assignment = rota.assignment_from(solver.boolean_value)
    # Recomputed: at a roster that is not proven best, a cover slack may not be at its least.
    objective = penalty(rota.problem, assignment)
    bound = min(objective, max(0, round(solver.best_objective_bound)))
    return Result(name, assignment, objective, bound, time.monotonic() - started)


def _day_costs(problem: Problem, assignment: Assignment) -> list[float]:
    """The penalty of the roster that falls on each day (cover off target, requests missed)."""
    costs = [0.0] * problem.num_days
    count: dict[tuple[int, str], int] = {}
    for (_, day), shift in assignment.items():
        count[day, shift] = count.get((day, shift), 0) + 1
    for cover in problem.covers:
        n = count.get((cover.day, cover.shift_type), 0)
        costs[cover.day] += cover.weight_under * max(0, cover.requirement - n)
        costs[cover.day] += cover.weight_over * max(0, n - cover.requirement)
    for request in problem.on_requests:
        if assignment.get((request.person, request.day)) != request.shift_type:
            costs[request.day] += request.weight
    for request in problem.off_requests:
        if assignment.get((request.person, request.day)) == request.shift_type:
            costs[request.day] += request.weight
    return costs


def neighbourhood(
    problem: Problem, assignment: Assignment, free_people: set[str], free_days: set[int]
) -> Problem:
    """The part of `problem` left open when only `free_people` on `free_days` may change.

    The free people keep their whole horizon (so every rule over it still holds): outside the
    free days their shifts become fixed assignments and their days off become days they must not
    work. Everyone else is gone, their shifts taken off the cover requirements. Covers and
    requests outside the free part are dropped: they cost the same whatever the sub-problem does.
    """
    others: dict[tuple[int, str], int] = {}
    for (person, day), shift in assignment.items():
        if person not in free_people:
            others[day, shift] = others.get((day, shift), 0) + 1
    closed = [d for d in range(problem.num_days) if d not in free_days]
    people = tuple(
        replace(
            person,
            days_off=person.days_off | {d for d in closed if (person.id, d) not in assignment},
        )
        for person in problem.people
        if person.id in free_people
    )
    fixed = [f for f in problem.fixed if f.person in free_people]
    fixed += [
        FixedAssignment(person=person, day=day, shift_type=shift)
        for (person, day), shift in assignment.items()
        if person in free_people and day not in free_days
    ]
    return replace(
        problem,
        people=people,
        covers=tuple(
            replace(c, requirement=c.requirement - others.get((c.day, c.shift_type), 0))
            for c in problem.covers
            if c.day in free_days
        ),
        on_requests=tuple(
            r for r in problem.on_requests if r.person in free_people and r.day in free_days
        ),
        off_requests=tuple(
            r for r in problem.off_requests if r.person in free_people and r.day in free_days
        ),
        fixed=tuple(fixed),
    )


def construct(problem: Problem, seed: int, deadline: float, group: int = 2) -> Assignment | None:
    """A first roster built a few people at a time, each group given what the others left;
    None when a group has no roster (its own rules conflict) or time runs out."""
    rng = random.Random(seed)  # noqa: S311 (search diversity, not security)
    ids = [person.id for person in problem.people]
    rng.shuffle(ids)
    assignment: Assignment = {}
    days = set(range(problem.num_days))
    for start in range(0, len(ids), group):
        free = set(ids[start : start + group])
        if time.monotonic() > deadline:
            return None
        sub = RotaModel(neighbourhood(problem, assignment, free, days))
        if sub.infeasible_reasons:
            return None
        solver = cp_model.CpSolver()
        _parameters(solver, deadline - time.monotonic(), 1, seed + start)
        solver.parameters.max_deterministic_time = CONSTRUCT_WORK
        solver.parameters.linearization_level = 2
        status = solver.solve(sub.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        assignment.update(sub.assignment_from(solver.boolean_value))
    return assignment


class _Search:
    """The roster shared by the threads of the second phase, and the proven bound.

    LNS (`run`) frees a part of the roster, fixes the rest, re-solves that part and keeps any
    roster no worse. The parts: a window of days around a costly day, for everyone; a few people
    for the whole horizon; half the people over a wider window. Each kind's size grows while its
    sub-problems are solved to optimum in time and shrinks when they are not. A result found
    from an older roster is kept only if it is better than the current one.
    """

    def __init__(
        self,
        rota: RotaModel,
        assignment: Assignment,
        bound: int,
        report: Callable[[int, int], None],
    ) -> None:
        self.rota, self.bound, self.report = rota, bound, report
        self.assignment = assignment
        self.objective = penalty(rota.problem, assignment)
        self.costs = _day_costs(rota.problem, assignment)
        self.lock = threading.Lock()
        self.prover: cp_model.CpSolver | None = None

    def offer(self, assignment: Assignment, stale: bool) -> int:
        """Takes the roster if it is better (or as good and from the current one); its penalty."""
        objective = penalty(self.rota.problem, assignment)
        with self.lock:
            if objective < self.objective or (objective == self.objective and not stale):
                self.assignment = assignment
                self.costs = _day_costs(self.rota.problem, assignment)
                if objective < self.objective:
                    self.objective = objective
                    self.report(objective, self.bound)
            if self.objective <= self.bound and self.prover is not None:
                self.prover.stop_search()
        return objective

    def raise_bound(self, bound: float) -> None:
        with self.lock:
            self.bound = max(self.bound, math.ceil(bound - 1e-6))

    def prove(self, seed: int, deadline: float) -> None:
        """The full model on one worker, every rule in the LP, from the current roster; after
        its share of the time it gives way to one more LNS thread."""
        search, rota = self, self.rota

        class Watcher(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                search.offer(rota.assignment_from(self.boolean_value), True)

        with self.lock:
            rota.hint(self.assignment)
        solver = cp_model.CpSolver()
        _parameters(solver, (deadline - time.monotonic()) * PROVE_SHARE, 1, seed)
        solver.parameters.linearization_level = 2
        solver.best_bound_callback = self.raise_bound
        with self.lock:
            self.prover = solver
        status = solver.solve(rota.model, Watcher())
        with self.lock:
            self.prover = None
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.raise_bound(solver.best_objective_bound)
        self.run(seed + 7919, deadline)

    def run(self, seed: int, deadline: float) -> None:
        rng = random.Random(seed)  # noqa: S311 (search diversity, not security)
        problem = self.rota.problem
        ids = [person.id for person in problem.people]
        people, days = len(ids), problem.num_days
        sizes = {"days": max(2.0, 0.15 * days), "people": max(2.0, 0.1 * people), "block": 0.3}
        limits = {"days": float(days), "people": float(people), "block": 1.0}
        floors = {"days": 2.0, "people": 2.0, "block": 0.1}
        gains = dict.fromkeys(KINDS, 0.0)
        spent = dict.fromkeys(KINDS, 0.0)
        iteration = 0
        while True:
            with self.lock:
                if self.objective <= self.bound:
                    return
                assignment, costs, before = self.assignment, self.costs, self.objective
            left = deadline - time.monotonic()
            if left < 0.05:
                return
            iteration += 1
            # Each kind is drawn by its improvements per second so far (one free to start), and
            # now and then at random, so that none is starved by early luck.
            if rng.random() < 0.2:
                kind = rng.choice(KINDS)
            else:
                rates = [(gains[k] + 1.0) / (spent[k] + 1.0) for k in KINDS]
                kind = rng.choices(KINDS, weights=rates)[0]
            centre = rng.choices(range(days), weights=[c + 1.0 for c in costs])[0]
            if kind == "days":
                width = min(days, round(sizes[kind]))
                first = min(max(0, centre - rng.randrange(width)), days - width)
                free_days = set(range(first, first + width))
                free_people = set(ids)
            elif kind == "people":
                count = min(people, round(sizes[kind]))
                # Half of them among those off on the costly day, who could take a shift there.
                idle = [i for i in ids if (i, centre) not in assignment]
                free_people = set(rng.sample(idle, min(len(idle), count // 2)))
                others = [i for i in ids if i not in free_people]
                free_people |= set(rng.sample(others, count - len(free_people)))
                free_days = set(range(days))
            else:
                width = min(days, max(2, round(sizes[kind] * days * 2)))
                first = min(max(0, centre - rng.randrange(width)), days - width)
                free_days = set(range(first, first + width))
                free_people = set(rng.sample(ids, max(2, people // 2)))
            sub = RotaModel(neighbourhood(problem, assignment, free_people, free_days))
            sub.hint(assignment)
            solver = cp_model.CpSolver()
            _parameters(solver, left, 1, seed + 1000 * iteration)
            # Work, not wall time, bounds a sub-problem: the same search on a busy machine.
            solver.parameters.max_deterministic_time = (
                SUB_WORK if len(self.rota.x) <= PROVER_MAX_SHIFTS else SUB_WORK_LARGE
            )
            # The run rules are clauses: in the LP they make the small sub-problems quick to prove.
            solver.parameters.linearization_level = 2
            status = solver.solve(sub.model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = sub.assignment_from(solver.boolean_value)
                merged = {
                    key: shift for key, shift in assignment.items() if key[0] not in free_people
                }
                merged.update(found)
                if self.offer(merged, assignment is not self.assignment) < before:
                    gains[kind] += 1
            spent[kind] += solver.wall_time
            logger.debug(
                "lns %s size %.1f: %s in %.2fs, best %s",
                kind,
                sizes[kind],
                solver.status_name(status),
                solver.wall_time,
                self.objective,
            )
            if status == cp_model.OPTIMAL:
                sizes[kind] = min(sizes[kind] * 1.15, limits[kind])
            else:
                sizes[kind] = max(floors[kind], sizes[kind] / 1.15)


KINDS = ("days", "people", "block")
FULL_SHARE = 0.1
PROVE_SHARE = 0.5
PROVER_MAX_SHIFTS = 1500
FULL_SHARE_LARGE = 0.04
SUB_WORK = 0.25
# Measured on Instances 8, 9 and 12: more, shorter steps pay on large models; not on 5 and 7.
SUB_WORK_LARGE = 0.12
CONSTRUCT_WORK = 0.2
