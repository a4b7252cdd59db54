"""Exact query budgets of the attendance pages, with a little and with more data."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test import Client
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
    # 6 for any tenant page (tests/test_query_budgets.py), then the open punch, the shift of
    # the moment (or the open punch's break), whether the site checks location; with no shift,
    # the sites to choose from.
    budgets = {"shift to clock in to": 9, "no shift": 10, "clocked in": 9}
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}


def test_timesheet_and_payroll_page_budgets(floor: Floor) -> None:
    """The managers' list, one timesheet, the employee's own, and the payroll summary, with
    few and with more people, punches, breaks and corrections."""
    from attendance.models import Break, PunchEdit
    from tests.attendance.test_timesheets import last_monday

    monday = last_monday(floor)
    urls = {
        "timesheets": f"/{floor.slug}/timesheets/?start={monday}",
        "timesheet": f"/{floor.slug}/timesheets/{floor.worker.pk}/?start={monday}",
        "payroll form": f"/{floor.slug}/payroll/actual/",
        "payroll summary": f"/{floor.slug}/payroll/summary/?date_from={monday}"
        f"&date_to={monday + dt.timedelta(days=6)}",
    }
    counts: dict[str, list[int]] = {}
    for extra in (1, 3):
        for _ in range(extra):
            i = next(_extra)
            person = floor.new_person(f"Extra person {i}", positions=[floor.carer],
                                      sites=[floor.site])  # fmt: skip
            for who in (floor.worker, person):
                start = timezone.now().replace(microsecond=0) - dt.timedelta(days=7, hours=i)
                shift = floor.shift_for(who, start)
                with tenant_context(floor.tenant):
                    end = start + dt.timedelta(hours=1)
                    made = Punch.objects.create(membership=who, site=floor.site, shift=shift,
                                                clock_in_at=start, clock_out_at=end)  # fmt: skip
                    Break.objects.create(punch=made, start_at=start + dt.timedelta(minutes=10),
                                         end_at=start + dt.timedelta(minutes=20))  # fmt: skip
                    PunchEdit.objects.create(punch=made, editor=floor.manager, reason="r",
                                             before_in=start, after_in=start)  # fmt: skip
        for name, url in urls.items():
            counts.setdefault(name, []).append(count(floor, floor.admin, url))
        counts.setdefault("my timesheet", []).append(
            count(floor, floor.worker, f"/{floor.slug}/my-timesheet/?start={monday}")
        )
    budgets = {
        # 6 for any tenant page; the attendance settings, read in a tenant context of their own
        # (5 with its savepoint and setting statements); the people; then the timesheets' six
        # reads (working-time rules, shifts, punches, breaks, corrections, timesheet rows).
        "timesheets": 18,
        # ...and the person, fetched by id, and their pay period (an approved one as stored)
        "timesheet": 20,
        "payroll form": 6,
        # the settings (5), the sites the member schedules, the people, the rates, the
        # currency, and the six reads per pay period (one week here).
        "payroll summary": 21,
        "my timesheet": 18,  # the settings (5), their pay period and the six reads
    }
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}


def test_board_budget(floor: Floor) -> None:
    """The board with few and with more people on, late and not turned up."""
    from attendance.clocking.services import Clocking as Clock

    counts = []
    for extra in (1, 3):
        for _ in range(extra):
            i = next(_extra)
            on = floor.new_person(f"On {i}", positions=[floor.carer], sites=[floor.site])
            late = floor.new_person(f"Late {i}", positions=[floor.carer], sites=[floor.site])
            floor.shift_for(on, timezone.now() - dt.timedelta(minutes=3))
            floor.shift_for(late, timezone.now() - dt.timedelta(minutes=50))
            services.punch_clock_in(tenant=floor.tenant, actor=on, membership=on,
                                    clocking=Clock())  # fmt: skip
            services.break_start(tenant=floor.tenant, membership=on)
        counts.append(count(floor, floor.manager, f"/{floor.slug}/board/"))
    # 6 for any tenant page; the settings (5); the sites, the open punches, their breaks, the
    # shifts around now and which of them have punches (5).
    assert counts == [queries(16)] * 2


def test_kiosk_and_settings_page_budgets(floor: Floor) -> None:
    """The kiosk page (more people at its site), the kiosks list (more kiosks) and the settings
    page (more sites, each with its check)."""
    from attendance.kiosk import services as kiosk_services
    from attendance.models import SiteLocation
    from tests.attendance.test_kiosk import enrolled

    made = kiosk_services.kiosk_create(tenant=floor.tenant, actor=floor.admin, site=floor.site,
                                       name="Door")  # fmt: skip
    tablet = enrolled(floor, made)  # the site's tablet: nobody signed in
    counts: dict[str, list[int]] = {}
    for extra in (1, 3):
        for _ in range(extra):
            i = next(_extra)
            floor.new_person(f"Kiosk person {i}", positions=[floor.carer], sites=[floor.site])
            kiosk_services.kiosk_create(tenant=floor.tenant, actor=floor.admin, site=floor.site,
                                        name=f"Door {i}")  # fmt: skip
            site = floor.new_site(f"Checked {i}")
            with tenant_context(floor.tenant):
                SiteLocation.objects.create(site=site, latitude=51, longitude=0)
        with CaptureQueriesContext(connection) as context:
            response = tablet.get(f"/{floor.slug}/kiosk/")
        assert response.status_code == 200
        counts.setdefault("kiosk", []).append(len(context))
        code = kiosk_services.kiosk_enrolment_start(tenant=floor.tenant, actor=floor.admin,
                                                    kiosk=made)  # fmt: skip
        with CaptureQueriesContext(connection) as context:
            response = Client().get(f"/{floor.slug}/kiosk/enrol/{code}/")
        assert response.status_code == 200
        counts.setdefault("kiosk enrolment", []).append(len(context))
        counts.setdefault("kiosks", []).append(count(floor, floor.admin, f"/{floor.slug}/kiosks/"))
        counts.setdefault("settings", []).append(
            count(floor, floor.admin, f"/{floor.slug}/settings/attendance/")
        )
    budgets = {
        # the company, the kiosk by its device's cookie, the people of its site (no membership read:
        # not a person's page), and the tenant context's four statements
        "kiosk": 7,
        # the company, the kiosk by its unexpired code, and the tenant context's four statements
        "kiosk enrolment": 6,
        "kiosks": 8,  # 6, the member's sites, the kiosks
        # 6, the settings (5), the site checks, the sites, whether location is kept (5)
        "settings": 18,
    }
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}
