"""`make bench-schedule`: solve Curtois & Qu instances 1-12, score each roster, write the report.

Each instance is solved by `manage.py nrp_solve` in its own process (the product's model), and its
roster is scored here by bench.nrp_score (which shares no code with it). The report goes to
docs/benchmarks-scheduling.md. Run with `python -m bench.nrp_run [--seconds 60] [--workers 2]`.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.nrp_score import score_files

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCES = ROOT / "bench" / "nrp" / "instances"
REPORT = ROOT / "docs" / "benchmarks-scheduling.md"
ROSTERS = ROOT / "var" / "nrp"

# From the benchmark's README: best known, and a plain CP-SAT model at 60 s with 2 workers.
BEST_KNOWN = [607, 828, 1001, 1716, 1143, 1950, 1056, 1300, 439, 4631, 3443, 4040]
PLAIN_CP_SAT = [607, 828, 1001, 1719, 1251, 2155, 1106, 1945, 672, 5382, 3813, 5530]
PROVEN_OPTIMAL = {1, 2, 3}


@dataclass
class Row:
    number: int
    status: str
    bound: int | None
    objective: int | None
    feasible: bool
    violations: int
    seconds: float  # the solver's own time, from reading the instance to the roster
    wall: float  # the whole command, with the start of Python, Django and OR-Tools

    @property
    def gap(self) -> float | None:
        best = BEST_KNOWN[self.number - 1]
        if self.objective is None or not self.feasible:
            return None
        return 100.0 * (self.objective - best) / best


def _cpu() -> str:
    try:
        out = subprocess.run(
            ["lscpu"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout
    except OSError:
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def solve_one(instance: Path, number: int, seconds: float, workers: int) -> Row:
    out = ROSTERS / f"Instance{number}.csv"
    out.unlink(missing_ok=True)
    env = dict(os.environ)
    # The solver needs no database and no secret; settings refuse to start without one of them.
    env.setdefault("DEBUG", "true")
    env.setdefault("DATABASE_URL", "sqlite:///:memory:")
    command = [
        sys.executable,
        str(ROOT / "manage.py"),
        "nrp_solve",
        str(instance),
        "--seconds",
        str(seconds),
        "--workers",
        str(workers),
        "--out",
        str(out),
    ]
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.monotonic() - started
    text = done.stdout + done.stderr
    status = re.search(r"status (\w+)\s+objective (\S+)\s+bound (\S+)\s+([\d.]+)s", text)
    solver_seconds = float(status.group(4)) if status else elapsed
    if not out.exists():
        print(text, file=sys.stderr)
        name = status.group(1) if status else "ERROR"
        return Row(number, name, None, None, False, 0, solver_seconds, elapsed)
    verdict = score_files(instance, out)
    bound = status.group(3) if status else "None"
    return Row(
        number=number,
        status=status.group(1) if status else "?",
        bound=int(bound) if bound.lstrip("-").isdigit() else None,
        objective=verdict.objective,
        feasible=verdict.feasible,
        violations=len(verdict.violations),
        seconds=solver_seconds,
        wall=elapsed,
    )


def _cell(value: float | int | None, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


def report(rows: list[Row], seconds: float, workers: int, load_start: str, load_end: str) -> str:
    gaps = [row.gap for row in rows if row.gap is not None]
    mean_gap = sum(gaps) / len(gaps) if len(gaps) == len(rows) and rows else None
    plain_gaps = [
        100.0 * (PLAIN_CP_SAT[r.number - 1] - BEST_KNOWN[r.number - 1]) / BEST_KNOWN[r.number - 1]
        for r in rows
    ]
    beats = sum(
        1 for r in rows if r.objective is not None and r.objective < PLAIN_CP_SAT[r.number - 1]
    )
    lines = [
        "# Benchmark: auto-scheduling (Curtois & Qu instances 1-12)",
        "",
        "Written by `make bench-schedule` (bench/nrp_run.py); rerun to refresh. Each instance is",
        "solved by `manage.py nrp_solve` (planning/model.py and search.py), its roster scored by",
        "bench/nrp_score.py, which parses the instance itself and shares no code with the model.",
        "The instances are the Curtois & Qu shift scheduling benchmark (University of Nottingham,",
        "2014) as redistributed by wssuite/NurseScheduler (MIT); see bench/nrp/README.md.",
        "",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {_cpu()}, {os.cpu_count()} cores; load average (1/5/15 min) "
        f"at start {load_start}, at end {load_end}",
        f"- limits: {seconds:g} s per instance, {workers} workers",
        "",
        "| instance | status | objective | bound | best known | gap % | plain CP-SAT (60 s) "
        "| feasible (scorer) | solver s | command s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        i = row.number - 1
        feasible = "yes" if row.feasible else f"NO ({row.violations} violations)"
        best = f"{BEST_KNOWN[i]}{' (optimal)' if row.number in PROVEN_OPTIMAL else ''}"
        lines.append(
            f"| {row.number} | {row.status} | {_cell(row.objective)} | {_cell(row.bound)} "
            f"| {best} | {_cell(row.gap, '{:.1f}')} | {PLAIN_CP_SAT[i]} | {feasible} "
            f"| {row.seconds:.1f} | {row.wall:.1f} |"
        )
    lines += [
        "",
        "*solver s*: the solve itself, from reading the instance to the roster (the limit applies",
        "to it); *command s*: the whole `manage.py nrp_solve` process, including the start of",
        "Python, Django and OR-Tools, which takes seconds more on a busy machine.",
        "",
        f"Mean gap to best known: **{_cell(mean_gap, '{:.2f}')} %** "
        f"(the plain CP-SAT model: {sum(plain_gaps) / max(1, len(plain_gaps)):.2f} %). "
        f"Better than the plain model on {beats} of {len(rows)} instances "
        f"(1-3 are at their proven optimum for both, so they cannot be beaten).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--instances", default="1-12", help="e.g. 1-12 or 1,5,8")
    parser.add_argument("--dir", type=Path, default=DEFAULT_INSTANCES)
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args(argv)
    numbers: list[int] = []
    for part in args.instances.split(","):
        first, _, last = part.partition("-")
        numbers += range(int(first), int(last or first) + 1)
    ROSTERS.mkdir(parents=True, exist_ok=True)
    load_start = _load()
    rows = []
    for number in numbers:
        row = solve_one(args.dir / f"Instance{number}.txt", number, args.seconds, args.workers)
        print(
            f"Instance{number}: {row.status} objective {row.objective} bound {row.bound} "
            f"feasible {row.feasible} gap {_cell(row.gap, '{:.1f}')}% {row.seconds:.1f}s "
            f"(command {row.wall:.1f}s)",
            flush=True,
        )
        rows.append(row)
    text = report(rows, args.seconds, args.workers, load_start, _load())
    notes = _notes(args.report)
    args.report.write_text(text + notes, encoding="utf-8")
    print(f"written {args.report}")
    return 0 if all(row.feasible for row in rows) else 1


NOTES_MARK = "## How the solver works"


def _notes(path: Path) -> str:
    """The hand-written part of the report (from NOTES_MARK on) is kept across runs."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        if NOTES_MARK in text:
            return "\n" + text[text.index(NOTES_MARK) :]
    return ""


if __name__ == "__main__":
    sys.exit(main())
