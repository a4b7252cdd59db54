"""Exact query budgets of the attendance pages, with a little and with more data."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from attendance.clocking import services
from attendance.clocking.services import Clocking
from attendance.models import Punch
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor
from tests.factories import queries

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def count(floor: Floor, who, url: str) -> int:  # type: ignore[no-untyped-def]
    client = floor.client(who)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


_extra = itertools.count()


def grow(floor: Floor, n: int) -> None:
    """More sites, more past punches and shifts for everyone."""
    for _ in range(n):
        i = next(_extra)
        site = floor.new_site(f"Extra {i}")
        past = timezone.now() - dt.timedelta(days=2 + i)
        floor.shift_for(floor.worker, past)
        floor.shift_for(floor.colleague, past, hours=4)
        with tenant_context(floor.tenant):
            for person in (floor.worker, floor.colleague):
                Punch.objects.create(membership=person, site=site, clock_in_at=past,
                                     clock_out_at=past + dt.timedelta(hours=3))  # fmt: skip


def test_clock_page_budget_in_each_state(floor: Floor) -> None:
    url = f"/{floor.slug}/clock/"
    counts: dict[str, list[int]] = {}
    for extra in (1, 4):
        grow(floor, extra)
        counts.setdefault("shift to clock in to", []).append(count(floor, floor.worker, url))
        counts.setdefault("no shift", []).append(count(floor, floor.colleague, url))
        services.punch_clock_in(tenant=floor.tenant, actor=floor.worker,
                                membership=floor.worker, clocking=Clocking())  # fmt: skip
        counts.setdefault("clocked in", []).append(count(floor, floor.worker, url))
        with tenant_context(floor.tenant):
            Punch.objects.filter(membership=floor.worker).delete()
    # 8 for any tenant page (tests/test_query_budgets.py), then the open punch, the shift of
    # the moment (or the open punch's break), whether the site checks location; with no shift,
    # the sites to choose from.
    budgets = {"shift to clock in to": 11, "no shift": 12, "clocked in": 11}
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}
