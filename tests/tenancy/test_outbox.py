"""The transactional outbox (tenancy/outbox.py): one row per side effect, written with the change,
run once however many times it is handed over, retried after a failure, visible to operators,
and kept to its company by row-level security."""

from __future__ import annotations

import datetime as dt
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import TestCase
from django.utils import timezone

from tenancy import outbox, rls
from tenancy.context import tenant_context
from tenancy.models import OutboxMessage, Tenant
from tests.factories import tenant_with_roles

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "tenancy.tasks.send_email"

pytestmark = pytest.mark.django_db


def _row(pk: Any) -> OutboxMessage:
    with outbox.relay_mode():
        return OutboxMessage.objects.get(pk=pk)


def _waiting_email(tenant: Tenant | None, to: str = "a@example.test") -> OutboxMessage:
    """A row as a broker outage leaves it: written with its change, never accepted."""
    with outbox.relay_mode():
        return OutboxMessage.objects.create(tenant=tenant, task=EMAIL, args=["Hello", "Body", [to]])


def test_the_row_is_written_with_the_change_and_handed_over_at_commit(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        message = outbox.enqueue(EMAIL, "Hello", "Body", ["a@example.test"], tenant=tenant_a)
        assert mailoutbox == []  # nothing before the commit
    assert len(callbacks) == 1
    assert [m.to for m in mailoutbox] == [["a@example.test"]]
    row = _row(message.pk)
    assert row.done_at is not None and row.attempts == 1 and row.tenant_id == tenant_a.pk
    assert row.args == []  # erased once done: it held an address


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    with (
        TestCase.captureOnCommitCallbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox.enqueue(EMAIL, "Hello", "Body", ["a@example.test"], tenant=tenant_a)
        raise RuntimeError("the change failed")
    with outbox.relay_mode():
        assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


def test_a_duplicate_hand_off_of_one_row_runs_its_effect_once(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    message = _waiting_email(tenant_a)
    assert outbox.deliver(str(message.pk)) == "done"
    assert outbox.deliver(str(message.pk)) == "skipped"
    # The relay hands it over again only if it is not done: it is, so nothing is handed.
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=None)
    assert outbox.relay(grace=dt.timedelta(0)).handed == 0
    assert len(mailoutbox) == 1
    assert _row(message.pk).attempts == 1


def test_a_row_being_run_is_not_run_again_by_a_second_hand_off(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    message = _waiting_email(tenant_a)
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    assert outbox.deliver(str(message.pk)) == "skipped"
    assert mailoutbox == []
    # A run whose worker died (the lease ran out) is taken over.
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(
            claimed_at=timezone.now() - outbox.LEASE - dt.timedelta(seconds=1)
        )
    assert outbox.deliver(str(message.pk)) == "done"
    assert len(mailoutbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_hand_offs_of_one_row_run_it_once(monkeypatch: Any) -> None:
    tenant = tenant_with_roles(name="Concurrent", slug="concurrent")
    message = _waiting_email(tenant)
    runs: list[str] = []
    started = threading.Barrier(4)

    def counted_send(subject: str, body: str, recipients: list[str]) -> int:
        runs.append(subject)
        return 1

    from tenancy import tasks

    monkeypatch.setattr(tasks.send_email, "run", counted_send)

    results: list[str] = []

    def hand_off() -> None:
        try:
            started.wait()
            results.append(outbox.deliver(str(message.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_off) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["done", "skipped", "skipped", "skipped"]
    assert runs == ["Hello"]


def test_a_failed_run_is_recorded_and_retried_after_a_back_off(
    tenant_a: Tenant, monkeypatch: Any, mailoutbox: Any
) -> None:
    from tenancy import tasks

    message = _waiting_email(tenant_a)

    def refused(*args: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(tasks.send_email, "run", refused)
    assert outbox.deliver(str(message.pk)) == "failed"
    row = _row(message.pk)
    assert row.done_at is None and row.claimed_at is None and row.attempts == 1
    assert row.last_error == "ConnectionRefusedError: the mail server is down"
    assert row.not_before is not None and row.not_before > timezone.now()
    assert outbox.relay(grace=dt.timedelta(0)).handed == 0  # still backing off
    assert outbox.stats().waiting == 1

    monkeypatch.undo()
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(not_before=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert outbox.relay(grace=dt.timedelta(0)).handed == 1  # eager here: run at once
    assert _row(message.pk).done_at is not None
    assert len(mailoutbox) == 1


def test_a_row_that_keeps_failing_gives_up_and_an_operator_can_redrive_it(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    message = _waiting_email(tenant_a)
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=outbox.MAX_ATTEMPTS, last_error="SMTPException: nope"
        )
    assert outbox.relay(grace=dt.timedelta(0)).handed == 0
    out, err = io.StringIO(), io.StringIO()
    call_command("outbox_relay", "--status", "--stuck", stdout=out, stderr=err)
    assert "gave up: 1" in out.getvalue()
    assert str(message.pk) in out.getvalue() and "SMTPException: nope" in out.getvalue()
    assert "a@example.test" not in out.getvalue()  # never the arguments
    assert "--redrive" in err.getvalue()

    out = io.StringIO()
    call_command("outbox_relay", "--redrive", stdout=out, stderr=io.StringIO())
    assert "redriven: 1" in out.getvalue() and "handed: 1" in out.getvalue()
    assert _row(message.pk).done_at is not None
    assert len(mailoutbox) == 1


def test_the_command_shows_the_oldest_waiting_row_and_hands_it_over(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    message = _waiting_email(tenant_a)
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(
            created_at=timezone.now() - dt.timedelta(minutes=5)
        )
    out = io.StringIO()
    call_command("outbox_relay", "--status", stdout=out)
    assert "waiting: 1 oldest waiting: 0h05m" in out.getvalue()
    assert "not in the broker: 1" in out.getvalue()
    out = io.StringIO()
    call_command("outbox_relay", stdout=out)
    assert "handed: 1 refused: 0" in out.getvalue()
    assert "waiting: 0 oldest waiting: none" in out.getvalue()
    assert len(mailoutbox) == 1


def test_a_broker_refusal_at_commit_is_logged_and_left_for_the_relay(
    tenant_a: Tenant, monkeypatch: Any, caplog: Any, mailoutbox: Any
) -> None:
    from celery import current_app
    from kombu.exceptions import OperationalError

    from tenancy import tasks

    def refused(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox, "_broker_refused_at", None)  # restored after the test
    monkeypatch.setitem(current_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(tasks.deliver, "apply_async", refused)
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = outbox.enqueue(EMAIL, "Hello", "Body", ["a@example.test"], tenant=tenant_a)
    assert "the relay will hand it over again" in caplog.text
    row = _row(message.pk)
    assert row.dispatched_at is None and row.done_at is None
    assert outbox.relay(grace=dt.timedelta(0)) == outbox.RelayResult(handed=0, refused=1)
    assert _row(message.pk).dispatched_at is None  # released again for the next run
    monkeypatch.undo()
    assert outbox.relay(grace=dt.timedelta(0)).handed == 1
    assert len(mailoutbox) == 1


def test_after_a_refusal_the_process_leaves_new_rows_to_the_relay_for_a_while(
    tenant_a: Tenant, monkeypatch: Any, settings: Any
) -> None:
    """A refused connection can take seconds: a request with many side effects (a reminder to
    everyone) tries the broker once, not once per email."""
    from celery import current_app
    from kombu.exceptions import OperationalError

    from tenancy import tasks

    calls = []

    def refused(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        raise OperationalError("Connection refused.")

    monkeypatch.setattr(outbox, "_broker_refused_at", None)  # restored after the test
    monkeypatch.setitem(current_app.conf, "CELERY_TASK_ALWAYS_EAGER", False)
    monkeypatch.setattr(tasks.deliver, "apply_async", refused)
    with TestCase.captureOnCommitCallbacks(execute=True):
        first = outbox.enqueue(EMAIL, "1", "Body", ["a@example.test"], tenant=tenant_a)
        second = outbox.enqueue(EMAIL, "2", "Body", ["b@example.test"], tenant=tenant_a)
    with TestCase.captureOnCommitCallbacks(execute=True) as later:
        third = outbox.enqueue(EMAIL, "3", "Body", ["c@example.test"], tenant=tenant_a)
    assert len(calls) == 1
    assert later == []  # not even a hand-off registered: the row is the relay's from the start
    for message in (first, second, third):
        assert _row(message.pk).dispatched_at is None
    assert outbox.stats().never_accepted == 3


def test_new_rows_are_left_to_their_own_commit_for_the_grace_period(tenant_a: Tenant) -> None:
    _waiting_email(tenant_a)
    assert outbox.relay().handed == 0  # created just now: its own hand-off is on its way


def test_a_row_handed_long_ago_and_never_started_is_handed_again(
    tenant_a: Tenant, mailoutbox: Any
) -> None:
    message = _waiting_email(tenant_a)
    handed = timezone.now() - outbox.REDISPATCH_AFTER + dt.timedelta(minutes=1)
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(dispatched_at=handed)
    assert outbox.relay(grace=dt.timedelta(0)).handed == 0  # probably still queued
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=message.pk).update(
            dispatched_at=handed - dt.timedelta(minutes=2)
        )
    assert outbox.relay(grace=dt.timedelta(0)).handed == 1  # lost with the broker's queue
    assert len(mailoutbox) == 1


def test_rows_done_a_week_ago_are_pruned(tenant_a: Tenant) -> None:
    old, recent, waiting = (_waiting_email(tenant_a) for _ in range(3))
    now = timezone.now()
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=old.pk).update(done_at=now - dt.timedelta(days=8))
        OutboxMessage.objects.filter(pk=recent.pk).update(done_at=now - dt.timedelta(days=1))
    assert outbox.prune() == 1
    with outbox.relay_mode():
        assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}


def test_a_platform_row_has_no_company(mailoutbox: Any) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        message = outbox.enqueue(EMAIL, "Verify", "Body", ["new@example.test"], tenant=None)
    assert _row(message.pk).tenant_id is None
    assert [m.to for m in mailoutbox] == [["new@example.test"]]


# Row-level security --------------------------------------------------------------------------


@pytest.mark.postgres
def test_a_companys_rows_are_hidden_from_another_and_from_no_company(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    mine, theirs = _waiting_email(tenant_a), _waiting_email(tenant_b)
    platform = _waiting_email(None)
    with tenant_context(tenant_a):
        assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {mine.pk}
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', true)", [rls.TENANT_SETTING])
        cursor.execute("SELECT count(*) FROM tenancy_outboxmessage")
        assert cursor.fetchone()[0] == 0
    with outbox.relay_mode():
        assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {
            mine.pk, theirs.pk, platform.pk,
        }  # fmt: skip
    with tenant_context(tenant_a), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tenancy_outboxmessage SET args = '[]' WHERE id IN (%s, %s)",
            [theirs.pk, platform.pk],
        )
        assert cursor.rowcount == 0
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO tenancy_outboxmessage (id, tenant_id, task, args, created_at, "
                "attempts, last_error) VALUES (gen_random_uuid(), %s, 'x', '[]', now(), 0, '')",
                [tenant_b.pk],
            )


def test_only_the_outbox_module_turns_on_the_relay_setting() -> None:
    """The relay's exception to row-level security is set in one place (and named in rls.py)."""
    found = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", ".tools/", "var/", "tests/")):
            continue
        text = path.read_text(encoding="utf-8")
        if "OUTBOX_SETTING" in text or rls.OUTBOX_SETTING in text:
            found.add(relative)
    assert found == {"tenancy/rls.py", "tenancy/outbox.py"}
