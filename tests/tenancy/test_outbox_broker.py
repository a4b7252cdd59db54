"""No job is lost when the broker is down (issue 19, section 2): with a Redis of the test's own,
stopped while a person asks for their data and a manager publishes a week, the requests succeed,
and the work is done once, by a real Celery worker, after Redis returns and the relay runs."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core import mail

from gdpr.models import DataExport
from parim.celery import app
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import OutboxMessage
from tests.builders import MONDAY, add_shift, at, build_rota, signed_in
from tests.celery_app import forget_broker_connections
from tests.conftest import IN_CI
from tests.gdpr.test_rights import Company

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class OwnRedis:
    """A redis-server on a free port, that the test stops and starts again."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),  # noqa: S607
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queued(self) -> int:
        import redis

        length: Any = redis.Redis(port=self.port).llen("celery")
        return int(length)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        if IN_CI:
            pytest.fail("redis-server is not installed")
        pytest.skip("needs redis-server (apt-get install redis-server)")
    server = OwnRedis()
    server.start()
    # Celery reads Django's settings under the CELERY_ namespace: override those names.
    saved = {key: app.conf[key] for key in ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")}
    app.conf.update(CELERY_BROKER_URL=server.url, CELERY_TASK_ALWAYS_EAGER=False)
    forget_broker_connections()
    try:
        yield server
    finally:
        app.conf.update(saved)
        forget_broker_connections()
        server.stop()


@contextmanager
def worker() -> Iterator[None]:
    from celery.contrib.testing.worker import start_worker

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=60):
        yield


def wait_for(check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def _rows(task: str) -> list[Any]:
    with outbox.relay_mode():
        return list(
            OutboxMessage.objects.filter(task=task).values(
                "id", "dispatched_at", "done_at", "attempts"
            )
        )


def test_an_export_asked_for_while_redis_is_down_is_built_when_it_returns(
    own_redis: OwnRedis,
) -> None:
    company = Company()
    client = company.client(company.employee)
    own_redis.stop()

    response = client.post(company.url("export-new"))

    assert response.status_code == 302  # not a 500
    with tenant_context(company.tenant):
        export = DataExport.objects.get(membership=company.employee)
    assert export.status == DataExport.Status.PENDING
    (row,) = _rows("gdpr.tasks.build_data_export")
    assert row["dispatched_at"] is None and row["done_at"] is None  # waiting for the relay
    assert "Preparing" in client.get(company.url("my-data")).content.decode()

    own_redis.start()
    assert outbox.relay(grace=dt.timedelta(0)).handed == 1
    with worker():

        def built() -> bool:
            with tenant_context(company.tenant):
                export.refresh_from_db()
            return export.status != DataExport.Status.PENDING

        wait_for(built)
    assert export.status == DataExport.Status.READY and export.progress == 100
    (row,) = _rows("gdpr.tasks.build_data_export")
    assert row["done_at"] is not None and row["attempts"] == 1
    assert outbox.relay(grace=dt.timedelta(0)).handed == 0  # nothing left to hand over
    row_html = client.get(company.url("export-status", export_id=export.pk)).content.decode()
    assert "Download ZIP" in row_html


def test_a_week_published_while_redis_is_down_sends_its_emails_once_when_it_returns(
    own_redis: OwnRedis, mailoutbox: Any
) -> None:
    rota = build_rota()
    first, second = rota.people
    add_shift(rota, first, at(MONDAY, 9))
    add_shift(rota, second, at(MONDAY, 14))
    own_redis.stop()

    response = signed_in(rota.manager).post(f"/alpha/rota/publish/?week={MONDAY}", {})

    assert response.status_code == 302  # not a 500
    task = "scheduling.messaging.tasks.send_notification_emails"
    (row,) = _rows(task)
    assert row["dispatched_at"] is None
    assert mailoutbox == []

    own_redis.start()
    assert outbox.relay(grace=dt.timedelta(0)).handed == 1
    # The relay hands the same row over again (as after a broker that lost its queue): two
    # messages for one row are now queued, and the worker runs the emails once.
    with outbox.relay_mode():
        OutboxMessage.objects.filter(pk=row["id"]).update(
            dispatched_at=row["dispatched_at"] or dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
        )
    assert outbox.relay(grace=dt.timedelta(0)).handed == 1
    assert own_redis.queued() == 2
    with worker():
        wait_for(lambda: own_redis.queued() == 0 and _rows(task)[0]["done_at"] is not None)
        time.sleep(1)  # let the second message run to its end too
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.user.email, second.user.email])
    assert _rows(task)[0]["attempts"] == 1  # the duplicate claimed nothing
