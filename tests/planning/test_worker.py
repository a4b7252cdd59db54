"""An auto-build through a real Celery worker and a Redis broker (not eager execution): started
by the service, handed over through the outbox at commit, run by the worker to a proposal."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from planning import runs, services
from planning.models import BuildRun, BuildRunWeek, CoverageRow
from tenancy.context import tenant_context
from tests.audit.test_worker import celery_worker_on_redis  # noqa: F401  (the fixture)
from tests.builders import MONDAY, Rota


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_proposal(celery_worker_on_redis: Any) -> None:  # noqa: F811
    rota = Rota(people=2)
    row = CoverageRow(site=rota.site, position=rota.carer, start_time=dt.time(8),
                      end_time=dt.time(16), mon=1, tue=1)  # fmt: skip
    services.coverage_row_save(tenant=rota.tenant, actor=rota.manager, row=row)
    run = runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                         week_start=MONDAY, weeks=1, time_limit=2)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        current = rota.reload(run)
        if not current.is_active:
            break
        time.sleep(0.5)
    assert current.status == BuildRun.Status.DONE, current.message
    assert current.progress == 100
    assert current.result["coverage"] == {"needed": 2, "proposed": 2, "short": 0}
    with tenant_context(rota.tenant):
        assert not BuildRunWeek.objects.filter(active=True).exists()
