"""The transactional outbox: side effects that survive a broker outage (DESIGN.md section 5).

A service that must start work after its change commits (an email, a data export, a seat sync)
calls ``enqueue(task_name, *args, tenant=...)`` inside its transaction. That writes one
OutboxMessage row in the same transaction, so the row exists exactly when the change does, and
registers an on-commit hand-off of the row's id to Celery (``tenancy.outbox.deliver``). A broker
error there is logged and swallowed: the request has already succeeded, and the periodic relay
(``relay()``, every 30 seconds from beat, or ``manage.py outbox_relay``) hands the row over again
until Celery has accepted it.

Exactly once in effect: ``deliver`` runs a row's task only after claiming the row with one
conditional UPDATE (not done, and not claimed within the lease), so of any number of hand-offs
of one row, one runs it and the others do nothing; the row is marked done (and its arguments
erased) when the task returns. A failure clears the claim and the relay hands the row over again
after a back-off, up to MAX_ATTEMPTS runs. Only a worker that dies in the middle of a task can
make it run twice (after the lease), which the tasks tolerate: each checks its own state.

Row-level security: a company's rows are visible only in its context, and to this module's
relay mode (``tenancy.rls.OUTBOX_SETTING``, set here only)."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from tenancy import rls
from tenancy.context import _restore_db_setting, _set_db_setting, current_tenant

if TYPE_CHECKING:
    from tenancy.models import OutboxMessage, Tenant

logger = logging.getLogger("parim.outbox")

DELIVER_TASK = "tenancy.outbox.deliver"
# A run that has not finished after this long is taken to have died with its worker.
LEASE = dt.timedelta(minutes=30)
# A row handed over this long ago and never started is handed over again (a broker that lost
# its queue on restart, a process killed between its commit and the hand-off).
REDISPATCH_AFTER = dt.timedelta(minutes=10)
# New rows are handed over by their own commit; the relay leaves them this long to do it.
GRACE = dt.timedelta(seconds=10)
MAX_ATTEMPTS = 8
BATCH = 200
KEEP_DONE = dt.timedelta(days=7)
# After the broker refuses a hand-off, this process leaves new rows to the relay for this long
# instead of trying again: a refused connection can take seconds (the client's own retries),
# and a request with many side effects must not wait that long for each.
BREAKER_SECONDS = 30.0
_broker_refused_at: float | None = None


def _broker_thought_down() -> bool:
    return (
        _broker_refused_at is not None and time.monotonic() - _broker_refused_at < BREAKER_SECONDS
    )


@contextmanager
def relay_mode() -> Iterator[None]:
    """A transaction in which row-level security admits every outbox row (this module only)."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        previous = _set_db_setting(rls.OUTBOX_SETTING, "on")
        yield
        if nested:
            _restore_db_setting(rls.OUTBOX_SETTING, previous)


def _outbox() -> Any:
    from tenancy.models import OutboxMessage

    return OutboxMessage.objects


# Writing --------------------------------------------------------------------------------------


def enqueue(task: str, *args: Any, tenant: Tenant | None) -> OutboxMessage:
    """Record that `task(*args)` must run once the caller's transaction commits, and hand it to
    Celery then. `args` are JSON values (ids, addresses, rendered text); `tenant` is the company
    the work belongs to, None for the platform's own (a sign-up's email)."""
    from tenancy.models import OutboxMessage

    hand_at_commit = not _broker_thought_down()
    # dispatched_at: the hand-off at commit is expected to succeed, and cleared if it does not;
    # while the broker is thought down, the row is left to the relay from the start.
    message = OutboxMessage(
        tenant=tenant, task=task, args=list(args),
        dispatched_at=timezone.now() if hand_at_commit else None,
    )  # fmt: skip
    active = current_tenant()
    if tenant is not None and active is not None and active.pk == tenant.pk:
        message.save(force_insert=True)  # already in the company's context: one INSERT
    elif tenant is not None:
        from tenancy.context import tenant_context

        with tenant_context(tenant):
            message.save(force_insert=True)
    else:
        with relay_mode():
            message.save(force_insert=True)
    if hand_at_commit:
        message_id = str(message.pk)
        transaction.on_commit(lambda: hand_over(message_id))
    return message


def hand_over(message_id: str) -> bool:
    """Give one row to Celery. Never raises: a refusal is logged and the row is left for the
    relay (its dispatched_at cleared so the relay's next run takes it)."""
    global _broker_refused_at
    from tenancy.tasks import deliver

    try:
        if _broker_thought_down():
            raise ConnectionError("the broker refused a hand-off moments ago")
        deliver.apply_async(args=(message_id,), retry=False)
    except Exception:
        from celery import current_app

        if not _broker_thought_down() and not current_app.conf.task_always_eager:
            _broker_refused_at = time.monotonic()  # (with no broker, a task's own error)
        logger.warning("outbox: the broker refused a message; the relay will hand it over again",
                       extra={"outbox_id": message_id}, exc_info=True)  # fmt: skip
        try:
            with relay_mode():
                _outbox().filter(pk=message_id, done_at__isnull=True).update(dispatched_at=None)
        except Exception:
            logger.exception("outbox: could not release a message", extra={"outbox_id": message_id})
        return False
    _broker_refused_at = None
    return True


# Running --------------------------------------------------------------------------------------


def _task(app: Any, name: str) -> Any:
    """The registered task `name`; its module is imported first if nothing has imported it yet
    (every outbox task is named "<module>.<function>", or lives in a module of that name)."""
    from celery.exceptions import NotRegistered

    try:
        return app.tasks[name]
    except NotRegistered:
        importlib.import_module(name.rsplit(".", 1)[0])
        return app.tasks[name]


def deliver(message_id: str) -> str:
    """Run one row's task if this call claims it; "done", "failed", or "skipped" when the row
    is done already, is being run by another hand-off, or does not exist."""
    from celery import current_app

    now = timezone.now()
    with relay_mode():
        claimed = (
            _outbox()
            .filter(pk=message_id, done_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
            .update(claimed_at=now, attempts=F("attempts") + 1)
        )
        if not claimed:
            return "skipped"
        row = _outbox().values("task", "args", "attempts", "tenant_id").get(pk=message_id)
    extra = {"outbox_id": message_id, "task": row["task"], "tenant_id": str(row["tenant_id"])}
    try:
        _task(current_app, row["task"])(*row["args"])
    except Exception as error:
        attempts = row["attempts"]
        backoff = min(dt.timedelta(seconds=30 * 2 ** (attempts - 1)), dt.timedelta(hours=1))
        logger.exception("outbox: a task failed (attempt %d of %d)", attempts, MAX_ATTEMPTS,
                         extra=extra)  # fmt: skip
        with relay_mode():
            _outbox().filter(pk=message_id, claimed_at=now).update(
                claimed_at=None, dispatched_at=None, not_before=timezone.now() + backoff,
                last_error=f"{type(error).__name__}: {error}"[:2000],
            )  # fmt: skip
        return "failed"
    with relay_mode():
        _outbox().filter(pk=message_id).update(
            done_at=timezone.now(), args=[], last_error="", not_before=None
        )
    return "done"


# The relay ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelayResult:
    handed: int
    refused: int  # left for the next run: the broker did not accept them


def _waiting(now: dt.datetime, grace: dt.timedelta) -> Any:
    """Rows the relay should hand over: not done, runs left, past their back-off, and either
    never accepted by the broker or accepted long ago and never started (or started by a worker
    that died)."""
    lost = Q(dispatched_at__lt=now - REDISPATCH_AFTER) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    )
    return (
        _outbox()
        .filter(done_at__isnull=True, attempts__lt=MAX_ATTEMPTS, created_at__lte=now - grace)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .filter(Q(dispatched_at__isnull=True) | lost)
    )


def relay(*, batch: int = BATCH, grace: dt.timedelta = GRACE) -> RelayResult:
    """Hand over the rows that are waiting, oldest first, up to `batch` of them. The rows are
    marked as handed in one short transaction (skipping rows another relay holds), then handed;
    those the broker refuses are released for the next run, which stops at the first refusal."""
    from tenancy.tasks import deliver as deliver_task

    now = timezone.now()
    with relay_mode():
        ids = [
            str(pk)
            for pk in _waiting(now, grace)
            .order_by("created_at")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:batch]
        ]
        if ids:
            _outbox().filter(pk__in=ids).update(dispatched_at=now)
    handed: list[str] = []
    for message_id in ids:
        try:
            deliver_task.apply_async(args=(message_id,), retry=False)
        except Exception:
            logger.warning("outbox relay: the broker refused a message; trying again next run",
                           extra={"outbox_id": message_id}, exc_info=True)  # fmt: skip
            break
        handed.append(message_id)
    refused = [message_id for message_id in ids if message_id not in set(handed)]
    if refused:
        with relay_mode():
            _outbox().filter(pk__in=refused, done_at__isnull=True).update(dispatched_at=None)
    if ids:
        logger.info("outbox relay: handed %d, refused %d", len(handed), len(refused),
                    extra={"handed": len(handed), "refused": len(refused)})  # fmt: skip
    return RelayResult(handed=len(handed), refused=len(refused))


# Operators ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxStats:
    waiting: int  # not done, runs left
    oldest_waiting: dt.timedelta | None  # age of the oldest of them
    never_accepted: int  # of them, not (or no longer) in the broker's hands
    gave_up: int  # not done after MAX_ATTEMPTS runs: needs an operator
    done: int


def stats() -> OutboxStats:
    from django.db.models import Count, Min

    now = timezone.now()
    with relay_mode():
        open_rows = _outbox().filter(done_at__isnull=True)
        waiting = open_rows.filter(attempts__lt=MAX_ATTEMPTS).aggregate(
            count=Count("pk"), oldest=Min("created_at"),
            never_accepted=Count("pk", filter=Q(dispatched_at__isnull=True)),
        )  # fmt: skip
        gave_up = open_rows.filter(attempts__gte=MAX_ATTEMPTS).count()
        done = _outbox().filter(done_at__isnull=False).count()
    oldest = waiting["oldest"]
    return OutboxStats(
        waiting=waiting["count"], oldest_waiting=(now - oldest) if oldest else None,
        never_accepted=waiting["never_accepted"], gave_up=gave_up, done=done,
    )  # fmt: skip


def stuck(limit: int = 20) -> list[dict[str, Any]]:
    """The oldest rows not done: id, task, company id, timestamps, attempts, last error (never
    the arguments, which may hold personal data)."""
    with relay_mode():
        return list(
            _outbox()
            .filter(done_at__isnull=True)
            .order_by("created_at")
            .values(
                "id", "task", "tenant_id", "created_at", "dispatched_at", "attempts", "last_error"
            )[:limit]
        )


def redrive(message_ids: list[uuid.UUID] | None = None) -> int:
    """Give rows that ran out of attempts (or the named ones, if not done) a fresh set of runs
    and hand them over on the relay's next run. Returns how many."""
    now = timezone.now()
    with relay_mode():
        # Never a row that is running now (claimed within the lease).
        rows = (
            _outbox()
            .filter(done_at__isnull=True)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        )
        rows = (
            rows.filter(pk__in=message_ids)
            if message_ids
            else rows.filter(attempts__gte=MAX_ATTEMPTS)
        )
        count: int = rows.update(attempts=0, dispatched_at=None, not_before=None, claimed_at=None)
    return count


def prune(*, keep: dt.timedelta = KEEP_DONE) -> int:
    """Delete rows done longer ago than `keep`. Returns how many."""
    with relay_mode():
        deleted, _ = _outbox().filter(done_at__lt=timezone.now() - keep).delete()
    return int(deleted)


def email(subject: str, body: str, recipients: list[str], *, tenant: Tenant | None) -> None:
    """An email, rendered now, sent through the outbox after the caller's transaction commits
    (so a mail server or broker outage never fails the request, and nothing is sent for a
    change that rolled back)."""
    enqueue("tenancy.tasks.send_email", str(subject), body, list(recipients), tenant=tenant)
