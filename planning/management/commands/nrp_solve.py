"""`manage.py nrp_solve INSTANCE`: solve a Curtois & Qu instance, score the roster independently."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from planning.model import Progress
from planning.nrp import load_instance, write_roster
from planning.search import solve


class Command(BaseCommand):
    help = "Solve a shift scheduling benchmark instance, write the roster CSV and score it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("instance", type=Path)
        parser.add_argument("--seconds", type=float, default=60.0)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument(
            "--out", type=Path, default=None, help="roster CSV (employee,day,shift)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The scorer lives outside the product on purpose (it shares no code with planning/).
        from bench.nrp_score import score

        instance: Path = options["instance"]
        if not instance.is_file():
            raise CommandError(f"no instance file at {instance}")
        problem = load_instance(instance)
        self.stdout.write(
            f"{problem.name}: {len(problem.people)} people, {problem.num_days} days, "
            f"{len(problem.shift_types)} shift types"
        )

        def progress(step: Progress) -> None:
            self.stdout.write(
                f"{step.seconds:7.1f}s  objective {step.objective:>7}  bound {step.bound:>7}"
            )

        result = solve(
            problem,
            seconds=options["seconds"],
            workers=options["workers"],
            seed=options["seed"],
            on_progress=progress,
        )
        self.stdout.write(
            f"status {result.status}  objective {result.objective}  bound {result.bound}  "
            f"{result.seconds:.1f}s"
        )
        if result.status not in {"OPTIMAL", "FEASIBLE"}:
            raise CommandError(f"no roster: {result.status}")
        roster = io.StringIO()
        write_roster(roster, result.assignment)
        out: Path | None = options["out"]
        if out is not None:
            out.write_text(roster.getvalue(), encoding="utf-8")
            self.stdout.write(f"roster written to {out}")
        verdict = score(instance.read_text(encoding="utf-8"), roster.getvalue())
        for violation in verdict.violations:
            self.stdout.write(f"  violation: {violation}")
        self.stdout.write(
            f"scored independently: feasible {verdict.feasible}  objective {verdict.objective}"
        )
        if not verdict.feasible:
            raise CommandError("the roster breaks a hard rule")
