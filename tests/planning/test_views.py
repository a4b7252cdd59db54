"""The planning pages as a manager uses them: the coverage grid (add, edit with htmx, from recent
weeks, exceptions), auto-build (start, progress, preview with gaps, accept), a manager limited to
one site, and each page's exact query budget (the same with little and with more data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from planning import services
from planning.models import BuildRun, CoverageException, CoverageRow
from scheduling.models import Shift
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, at

pytestmark = pytest.mark.django_db


def _url(rota: Rota, tail: str) -> str:
    return f"/{rota.slug}/planning/{tail}"


def _row_data(prefix: str, position: Any, **counts: int) -> dict[str, Any]:
    data = {"position": position.pk, "start_time": "08:00", "end_time": "16:00",
            "break_minutes": 30}  # fmt: skip
    data.update({day: counts.get(day, 0) for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                     "sun")})  # fmt: skip
    return {f"{prefix}-{k}": v for k, v in data.items()}


def _add_row(rota: Rota, client: Client, **counts: int) -> CoverageRow:
    response = client.post(_url(rota, f"coverage/{rota.site.pk}/"),
                           {"action": "add", **_row_data("new", rota.carer, **counts)})  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_context(rota.tenant):
        return CoverageRow.objects.order_by("-updated_at").first()  # type: ignore[return-value]


def test_manager_builds_a_plan_in_the_grid() -> None:
    rota = Rota(people=2)
    client = rota.client(rota.manager)
    assert client.get(_url(rota, "coverage/")).status_code == 200
    row = _add_row(rota, client, mon=2, tue=1)
    assert row.counts() == [2, 1, 0, 0, 0, 0, 0]
    # One row saved with htmx: the row comes back.
    edited = _row_data(str(row.pk), rota.carer, mon=3)
    response = client.post(_url(rota, f"coverage/rows/{row.pk}/"), edited, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="row-{row.pk}"' in response.content.decode()
    assert rota.reload(row).counts()[0] == 3
    # A break longer than the shift: a clear error, nothing changed.
    bad = _row_data(str(row.pk), rota.carer, mon=9)
    bad[f"{row.pk}-break_minutes"] = 600
    response = client.post(_url(rota, f"coverage/rows/{row.pk}/"), bad, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "shorter than the shift" in response.content.decode()
    assert rota.reload(row).counts()[0] == 3
    # A date that differs.
    response = client.post(_url(rota, f"coverage/{rota.site.pk}/"), {
        "action": "exception", "exc-row": str(row.pk), "exc-date": "2026-12-25",
        "exc-people": 0, "exc-note": "Christmas"})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(rota.tenant):
        assert CoverageException.objects.get().people == 0
    assert rota.audit("coverageexception.created")


def test_start_from_recent_weeks() -> None:
    rota = Rota(people=2)
    for week in (1, 2):
        for day in (0, 1):
            when = MONDAY - dt.timedelta(days=7 * week - day)
            for person in rota.people:
                rota.shift(person, at(when, 7), 8)
    made = services.coverage_from_recent(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                                         before=MONDAY, weeks=2)  # fmt: skip
    assert made == 1
    with tenant_context(rota.tenant):
        (row,) = CoverageRow.objects.all()
    assert (row.start_time, row.end_time, row.counts()) == (
        dt.time(7),
        dt.time(15),
        [2, 2, 0, 0, 0, 0, 0],
    )
    assert rota.audit("coverage.from_recent")


def test_auto_build_from_start_to_drafts(django_capture_on_commit_callbacks: Any) -> None:
    rota = Rota(people=2)
    client = rota.client(rota.manager)
    _add_row(rota, client, mon=3, tue=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(rota, "autobuild/"), {
            "site": str(rota.site.pk), "week_start": MONDAY.isoformat(), "weeks": 1,
            "time_limit": 2, "fill_open": "on"})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(rota.tenant):
        run = BuildRun.objects.get()
    assert run.status == BuildRun.Status.DONE
    page = client.get(response["Location"]).content.decode()
    assert "Gaps, and why they stayed open" in page
    assert "2 qualified Carer: 2 already working then" in page
    status = client.get(_url(rota, f"autobuild/{run.pk}/status/"))
    assert status["HX-Refresh"] == "true"
    response = client.post(_url(rota, f"autobuild/{run.pk}/accept/"), {"all": "1"})
    assert response.status_code == 302
    with tenant_context(rota.tenant):
        assert Shift.objects.filter(status=Shift.Status.DRAFT).count() == 3
    page = client.get(_url(rota, f"autobuild/{run.pk}/")).content.decode()
    assert page.count("Accepted</span>") == 3


def test_bad_input_on_the_form_is_a_clear_error() -> None:
    rota = Rota(people=1)
    client = rota.client(rota.manager)
    response = client.post(_url(rota, "autobuild/"), {
        "site": str(rota.site.pk), "week_start": (MONDAY + dt.timedelta(days=1)).isoformat(),
        "weeks": 5, "time_limit": 0})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a Monday" in page
    with tenant_context(rota.tenant):
        assert not BuildRun.objects.exists()


def test_a_manager_limited_to_one_site_plans_only_that_site() -> None:
    rota = Rota(people=1)
    setup_services.member_sites_set(
        tenant=rota.tenant, actor=rota.admin, membership=rota.manager, all_sites=False,
        sites=[rota.site],
    )  # fmt: skip
    client = rota.client(rota.manager)
    assert client.get(_url(rota, f"coverage/{rota.other_site.pk}/")).status_code == 404
    response = client.post(_url(rota, "autobuild/"), {
        "site": str(rota.other_site.pk), "week_start": MONDAY.isoformat(), "weeks": 1,
        "time_limit": 2})  # fmt: skip
    assert response.status_code == 400
    with tenant_context(rota.tenant):
        run = BuildRun.objects.create(site=rota.other_site, week_start=MONDAY,
                                      created_by=rota.admin)  # fmt: skip
    assert client.get(_url(rota, f"autobuild/{run.pk}/")).status_code == 404
    assert client.post(_url(rota, f"autobuild/{run.pk}/accept/"), {"all": "1"}).status_code == 404


def test_an_employee_cannot_plan() -> None:
    rota = Rota(people=1)
    client = rota.client(rota.people[0])
    assert client.get(_url(rota, "autobuild/")).status_code == 403
    assert client.get(_url(rota, "coverage/")).status_code == 403


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context)


@pytest.mark.postgres
def test_query_budgets_are_exact_and_flat(django_capture_on_commit_callbacks: Any) -> None:
    rota = Rota(people=2)
    client = rota.client(rota.manager)
    _add_row(rota, client, mon=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(rota, "autobuild/"), {
            "site": str(rota.site.pk), "week_start": MONDAY.isoformat(), "weeks": 1,
            "time_limit": 1})  # fmt: skip
    with tenant_context(rota.tenant):
        run = BuildRun.objects.get()
    pages = {
        "coverage": (_url(rota, f"coverage/{rota.site.pk}/"), BUDGETS["coverage"]),
        "autobuild": (_url(rota, "autobuild/"), BUDGETS["autobuild"]),
        "run": (_url(rota, f"autobuild/{run.pk}/"), BUDGETS["run"]),
        "status": (_url(rota, f"autobuild/{run.pk}/status/"), BUDGETS["status"]),
    }
    small = {name: _count(client, url) for name, (url, _budget) in pages.items()}
    # More of everything the pages list.
    for hour in (9, 10, 11, 12):
        row = CoverageRow(site=rota.site, position=rota.cook, start_time=dt.time(hour),
                          end_time=dt.time(hour + 6), mon=1, tue=1)  # fmt: skip
        services.coverage_row_save(tenant=rota.tenant, actor=rota.manager, row=row)
        services.coverage_exception_save(tenant=rota.tenant, actor=rota.manager, row=row,
                                         date=dt.date(2099, 1, 1), people=2, note="x")  # fmt: skip
    with tenant_context(rota.tenant):
        for _ in range(3):
            BuildRun.objects.create(site=rota.site, week_start=MONDAY, created_by=rota.admin,
                                    status=BuildRun.Status.CANCELLED)  # fmt: skip
    large = {name: _count(client, url) for name, (url, _budget) in pages.items()}
    assert small == large == {name: budget for name, (_url_, budget) in pages.items()}


# Exact, on PostgreSQL: 6 for any tenant page plus what each page reads (see each view).
BUDGETS = {"coverage": 12, "autobuild": 8, "run": 9, "status": 9}


def test_a_site_that_is_no_site_is_a_404_not_an_error() -> None:
    rota = Rota(people=1)
    client = rota.client(rota.manager)
    assert client.get(_url(rota, "coverage/") + "?site=not-a-uuid").status_code == 404
    assert client.get(_url(rota, "coverage/") + f"?site={rota.site.pk}").status_code == 302
