"""The outbox for operators: its health, the rows that are stuck, and handing them over again."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy import outbox


def _age(value: dt.timedelta | None) -> str:
    if value is None:
        return "none"
    seconds = int(value.total_seconds())
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m{seconds % 60:02d}s"


class Command(BaseCommand):
    help = (
        "Hand the outbox's waiting side effects (emails, exports, seat syncs) to Celery, as beat "
        "does every 30 seconds, and print the outbox's health: rows waiting, the oldest one's "
        "age, rows that gave up. --status only prints; --stuck lists the oldest rows not done; "
        "--redrive gives rows that gave up (or the named ids) a fresh set of attempts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--status", action="store_true", help="Print only; hand nothing.")
        parser.add_argument("--stuck", action="store_true", help="List the oldest rows not done.")
        parser.add_argument(
            "--redrive", nargs="*", metavar="ID", default=None,
            help="Reset the attempts of rows that gave up (or of the given ids) and hand them.",
        )  # fmt: skip
        parser.add_argument("--batch", type=int, default=outbox.BATCH)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        if options["redrive"] is not None:
            try:
                ids = [uuid.UUID(value) for value in options["redrive"]]
            except ValueError as error:
                raise CommandError(f"--redrive takes outbox ids: {error}") from error
            count = outbox.redrive(ids or None)
            self.stdout.write(f"redriven: {count}")
        if not options["status"] and not options["stuck"]:
            result = outbox.relay(batch=options["batch"], grace=dt.timedelta(0))
            self.stdout.write(f"handed: {result.handed} refused: {result.refused}")
            if result.refused:
                self.stderr.write("the broker refused messages: is Redis (REDIS_URL) up?")
        stats = outbox.stats()
        self.stdout.write(
            f"waiting: {stats.waiting} oldest waiting: {_age(stats.oldest_waiting)} "
            f"not in the broker: {stats.never_accepted} gave up: {stats.gave_up} "
            f"done (kept {outbox.KEEP_DONE.days} days): {stats.done}"
        )
        if options["stuck"]:
            for row in outbox.stuck():
                self.stdout.write(
                    f"{row['id']} {row['task']} tenant={row['tenant_id'] or '-'} "
                    f"created={row['created_at']:%Y-%m-%d %H:%M:%S} "
                    f"handed={row['dispatched_at'] or '-'} attempts={row['attempts']} "
                    f"error={row['last_error'][:200] or '-'}"
                )
        if stats.gave_up:
            self.stderr.write(
                f"{stats.gave_up} row(s) gave up after {outbox.MAX_ATTEMPTS} attempts: "
                "see --stuck, fix the cause, then --redrive"
            )
