"""Independent scorer of a Curtois & Qu roster: every hard rule checked, the objective recomputed.

It shares no code with planning/ (neither its parser nor its model), so that a bug there cannot hide
here. Usage: `python -m bench.nrp_score INSTANCE ROSTER.csv` prints the verdict and exits 1 when
the roster breaks a hard rule.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Staff:
    max_per_shift: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_run: int
    min_run: int
    min_rest_run: int
    max_weekends: int


@dataclass
class Instance:
    days: int
    length: dict[str, int]
    cannot_follow: dict[str, set[str]]
    staff: dict[str, Staff]
    days_off: dict[str, set[int]]
    on: list[tuple[str, int, str, int]]
    off: list[tuple[str, int, str, int]]
    cover: list[tuple[int, str, int, int, int]]


@dataclass
class Score:
    feasible: bool
    violations: list[str] = field(default_factory=list)
    objective: int = 0


def read_instance(text: str) -> Instance:
    rows: dict[str, list[list[str]]] = {}
    name = ""
    for line in text.splitlines():
        line = line.partition("#")[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            name = line
            rows[name] = []
        else:
            rows[name].append([part.strip() for part in line.split(",")])
    length = {r[0]: int(r[1]) for r in rows["SECTION_SHIFTS"]}
    cannot_follow = {
        r[0]: {s for s in (r[2] if len(r) > 2 else "").split("|") if s}
        for r in rows["SECTION_SHIFTS"]
    }
    staff = {}
    for r in rows["SECTION_STAFF"]:
        limits = dict(pair.split("=") for pair in r[1].split("|") if pair)
        staff[r[0]] = Staff(
            max_per_shift={k: int(v) for k, v in limits.items()},
            max_minutes=int(r[2]),
            min_minutes=int(r[3]),
            max_run=int(r[4]),
            min_run=int(r[5]),
            min_rest_run=int(r[6]),
            max_weekends=int(r[7]),
        )
    days_off: dict[str, set[int]] = {}
    for r in rows.get("SECTION_DAYS_OFF", []):
        days_off.setdefault(r[0], set()).update(int(d) for d in r[1:] if d)

    def requests(section: str) -> list[tuple[str, int, str, int]]:
        return [(r[0], int(r[1]), r[2], int(r[3])) for r in rows.get(section, [])]

    return Instance(
        days=int(rows["SECTION_HORIZON"][0][0]),
        length=length,
        cannot_follow=cannot_follow,
        staff=staff,
        days_off=days_off,
        on=requests("SECTION_SHIFT_ON_REQUESTS"),
        off=requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover=[
            (int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4]))
            for r in rows.get("SECTION_COVER", [])
        ],
    )


def _runs(flags: list[bool], value: bool) -> list[tuple[int, int]]:
    """Maximal runs of `value` as (first day, length)."""
    runs = []
    day = 0
    while day < len(flags):
        if flags[day] == value:
            first = day
            while day < len(flags) and flags[day] == value:
                day += 1
            runs.append((first, day - first))
        else:
            day += 1
    return runs


def score(instance_text: str, roster_csv: str) -> Score:
    inst = read_instance(instance_text)
    violations: list[str] = []
    shifts: dict[tuple[str, int], str] = {}
    reader = csv.DictReader(io.StringIO(roster_csv))
    if reader.fieldnames != ["employee", "day", "shift"]:
        message = f"header: expected employee,day,shift, got {reader.fieldnames}"
        return Score(feasible=False, violations=[message])
    for row in reader:
        who, day, shift = row["employee"], int(row["day"]), row["shift"]
        if who not in inst.staff or not 0 <= day < inst.days or shift not in inst.length:
            violations.append(f"unknown: {who},{day},{shift} names no employee, day or shift")
            continue
        if (who, day) in shifts:
            violations.append(f"one shift a day: {who} has two shifts on day {day}")
        shifts[who, day] = shift
    result = check(inst, shifts)
    result.violations[:0] = violations
    result.feasible = not result.violations
    return result


def check(inst: Instance, shifts: dict[tuple[str, int], str]) -> Score:
    """Every hard rule and the objective of a roster given as (employee, day) -> shift."""
    violations: list[str] = []
    for who, rules in inst.staff.items():
        plan = [shifts.get((who, day)) for day in range(inst.days)]
        for day in range(inst.days - 1):
            now, then = plan[day], plan[day + 1]
            if now is not None and then is not None and then in inst.cannot_follow[now]:
                violations.append(f"succession: {who} works {then} on day {day + 1} after {now}")
        for shift in inst.length:
            worked = sum(1 for s in plan if s == shift)
            if worked > rules.max_per_shift.get(shift, inst.days):
                violations.append(
                    f"max shifts: {who} works {shift} {worked} times, "
                    f"at most {rules.max_per_shift.get(shift)}"
                )
        minutes = sum(inst.length[s] for s in plan if s is not None)
        if minutes > rules.max_minutes:
            violations.append(f"max minutes: {who} works {minutes}, at most {rules.max_minutes}")
        if minutes < rules.min_minutes:
            violations.append(f"min minutes: {who} works {minutes}, at least {rules.min_minutes}")
        working = [s is not None for s in plan]
        for first, size in _runs(working, True):
            if size > rules.max_run:
                violations.append(
                    f"max consecutive: {who} works {size} days from day {first}, "
                    f"at most {rules.max_run}"
                )
            at_edge = first == 0 or first + size == inst.days
            if size < rules.min_run and not at_edge:
                violations.append(
                    f"min consecutive: {who} works {size} days from day {first}, "
                    f"at least {rules.min_run}"
                )
        for first, size in _runs(working, False):
            at_edge = first == 0 or first + size == inst.days
            if size < rules.min_rest_run and not at_edge:
                violations.append(
                    f"min days off: {who} is off {size} days from day {first}, "
                    f"at least {rules.min_rest_run}"
                )
        weekends = sum(
            1
            for saturday in range(5, inst.days, 7)
            if working[saturday] or (saturday + 1 < inst.days and working[saturday + 1])
        )
        if weekends > rules.max_weekends:
            violations.append(
                f"max weekends: {who} works {weekends} weekends, at most {rules.max_weekends}"
            )
        for day in sorted(inst.days_off.get(who, set())):
            if 0 <= day < inst.days and working[day]:
                violations.append(f"day off: {who} works on day {day}, a day they must not work")

    objective = 0
    for who, day, shift, weight in inst.on:
        if shifts.get((who, day)) != shift:
            objective += weight
    for who, day, shift, weight in inst.off:
        if shifts.get((who, day)) == shift:
            objective += weight
    for day, shift, need, under, over in inst.cover:
        n = sum(1 for (_, d), s in shifts.items() if d == day and s == shift)
        objective += under * max(0, need - n) + over * max(0, n - need)
    return Score(feasible=not violations, violations=violations, objective=objective)


def score_files(instance: Path, roster: Path) -> Score:
    return score(instance.read_text(encoding="utf-8"), roster.read_text(encoding="utf-8"))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.nrp_score INSTANCE ROSTER.csv", file=sys.stderr)
        return 2
    result = score_files(Path(argv[0]), Path(argv[1]))
    for violation in result.violations:
        print(violation)
    print(f"feasible={result.feasible} objective={result.objective}")
    return 0 if result.feasible else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
