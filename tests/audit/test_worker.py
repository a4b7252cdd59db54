"""The archive task through a real Celery worker and a Redis broker (not eager execution)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from audit.models import ArchiveBatch
from parim.celery import app
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant
from tests.celery_app import forget_broker_connections
from tests.conftest import IN_CI

REDIS = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def celery_worker_on_redis() -> Iterator[Any]:
    from celery.contrib.testing.worker import start_worker

    if not _redis_up():
        if IN_CI:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("needs Redis on 127.0.0.1:6379 (make test starts it)")
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS, result_backend=REDIS, task_always_eager=False)
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=120
        ) as worker:
            yield worker
    finally:
        app.conf.update(saved)
        forget_broker_connections()  # the worker's pool is closed: later tasks open their own


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_ships_a_tenants_audit_entries(
    celery_worker_on_redis: Any, tenant_a: Tenant, tmp_path: Path
) -> None:
    from audit.tasks import archive_tenant_audit

    with tenant_context(tenant_a):
        Role.objects.create(name="Shipped by a worker")
    with override_settings(AUDIT_ARCHIVE_BUCKET="", AUDIT_ARCHIVE_DIR=tmp_path):
        result = archive_tenant_audit.delay(str(tenant_a.pk))
        assert result.get(timeout=60) == 1
        assert archive_tenant_audit.delay(str(tenant_a.pk)).get(timeout=60) == 0
    with tenant_context(tenant_a):
        batch = ArchiveBatch.objects.get()
    assert batch.status == "confirmed"
    assert (tmp_path / batch.object_key).exists()
