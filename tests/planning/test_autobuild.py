"""Auto-build end to end through the services: plan -> run (a job) -> preview -> accept as
drafts; published and existing shifts untouched; two runs for one site and week refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from planning import runs, services
from planning.models import BuildRun, BuildRunWeek, CoverageRow
from scheduling.models import Shift
from scheduling.rules.checks import violations_for
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, at

pytestmark = pytest.mark.django_db


def _plan(rota: Rota, **counts: int) -> CoverageRow:
    row = CoverageRow(site=rota.site, position=rota.carer, start_time=dt.time(8),
                      end_time=dt.time(16), break_minutes=30, **counts)  # fmt: skip
    return services.coverage_row_save(tenant=rota.tenant, actor=rota.manager, row=row)


def _run(rota: Rota, capture: Any, **kwargs: Any) -> BuildRun:
    with capture(execute=True):
        run = runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                             week_start=MONDAY, weeks=kwargs.pop("weeks", 1),
                             time_limit=kwargs.pop("time_limit", 3), **kwargs)  # fmt: skip
    reloaded: BuildRun = rota.reload(run)
    return reloaded


def test_plan_run_preview_accept_makes_drafts_within_the_rules(
    django_capture_on_commit_callbacks: Any,
) -> None:
    rota = Rota(people=3)
    _plan(rota, mon=2, tue=2, wed=2, thu=2, fri=2)
    published = rota.shift(rota.people[0], at(MONDAY, 8), 8)  # covers one of Monday's two
    run = _run(rota, django_capture_on_commit_callbacks)
    assert run.status == BuildRun.Status.DONE, run.message
    result = run.result
    assert result["coverage"] == {"needed": 9, "proposed": 9, "short": 0}
    assert all(a["reason"].startswith("Qualified and free") for a in result["assignments"])
    assert {h["name"] for h in result["hours"]} <= {p.user.full_name for p in rota.people}
    with tenant_context(rota.tenant):
        assert not BuildRunWeek.objects.filter(active=True).exists()  # the weeks are let go
        assert Shift.objects.count() == 1  # nothing written before accepting
    made, left_out = runs.run_accept(tenant=rota.tenant, actor=rota.manager, run=run)
    assert (made, left_out) == (9, [])
    with tenant_context(rota.tenant):
        drafts = list(Shift.objects.filter(status=Shift.Status.DRAFT))
        assert len(drafts) == 9
        assert Shift.objects.get(pk=published.pk).membership_id == rota.people[0].pk
    with tenant_context(rota.tenant):
        found = violations_for(rota.tenant, drafts)
    assert not any(v.hard for vs in found.values() for v in vs)
    (entry,) = rota.audit("autobuild.accepted")
    assert entry.additional_data["shifts"] == 9
    assert rota.audit("autobuild.started")
    # Accepting again makes nothing twice.
    with pytest.raises(ValidationError):
        runs.run_accept(tenant=rota.tenant, actor=rota.manager, run=run)


def test_accept_some_and_gap_reasons_name_leave(django_capture_on_commit_callbacks: Any) -> None:
    rota = Rota(people=2)
    _plan(rota, mon=3)
    run = _run(rota, django_capture_on_commit_callbacks)
    result = run.result
    assert result["coverage"]["short"] == 1
    (gap,) = result["gaps"]
    assert "2 qualified Carer: 2 already working then" in gap["reason"]
    first = result["assignments"][0]["unit"]
    made, _left = runs.run_accept(tenant=rota.tenant, actor=rota.manager, run=run, units=[first])
    assert made == 1
    with tenant_context(rota.tenant):
        assert Shift.objects.filter(status=Shift.Status.DRAFT).count() == 1


def test_a_second_run_for_the_same_site_and_week_is_refused() -> None:
    rota = Rota(people=1)
    _plan(rota, mon=1)
    runs.run_start(
        tenant=rota.tenant,
        actor=rota.manager,
        site=rota.site,
        week_start=MONDAY,
        weeks=2,
        time_limit=3,
    )  # fmt: skip  (queued, not run: no commit here)
    with pytest.raises(ValidationError, match="already running"):
        runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                       week_start=MONDAY + dt.timedelta(days=7), weeks=1, time_limit=3)  # fmt: skip
    with tenant_context(rota.tenant):
        assert BuildRun.objects.count() == 1


@pytest.mark.parametrize("seconds", [0, 601])
def test_a_time_limit_out_of_range_is_refused_and_nothing_is_written(seconds: int) -> None:
    rota = Rota(people=1)
    with pytest.raises(ValidationError):
        runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                       week_start=MONDAY, weeks=1, time_limit=seconds)  # fmt: skip
    with tenant_context(rota.tenant):
        assert not BuildRun.objects.exists()


def test_demand_nobody_can_meet_is_a_clear_gap(django_capture_on_commit_callbacks: Any) -> None:
    rota = Rota(people=1)
    row = CoverageRow(site=rota.site, position=rota.cook, start_time=dt.time(6),
                      end_time=dt.time(14), mon=2)  # fmt: skip
    services.coverage_row_save(tenant=rota.tenant, actor=rota.manager, row=row)
    run = _run(rota, django_capture_on_commit_callbacks)
    assert run.status == BuildRun.Status.DONE
    (gap,) = run.result["gaps"]
    assert gap["missing"] == 2
    assert "nobody is qualified as Cook" in gap["reason"]


def test_cancel_of_a_queued_run_stops_it_and_frees_the_week() -> None:
    rota = Rota(people=1)
    _plan(rota, mon=1)
    run = runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                         week_start=MONDAY, weeks=1, time_limit=3)  # fmt: skip
    runs.run_cancel(tenant=rota.tenant, actor=rota.manager, run=run)
    assert rota.reload(run).status == BuildRun.Status.CANCELLED
    assert runs.run_execute(tenant=rota.tenant, run_id=run.pk) is None
    runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site, week_start=MONDAY,
                   weeks=1, time_limit=3)  # fmt: skip


def test_contradictory_locks_are_said_and_that_person_gets_nothing_new(
    django_capture_on_commit_callbacks: Any,
) -> None:
    rota = Rota(people=2)
    _plan(rota, tue=2)
    clash = rota.people[0]
    first = rota.shift(clash, at(MONDAY, 8), 8, status=Shift.Status.DRAFT)
    second = rota.shift(clash, at(MONDAY, 12), 8)  # overlaps the locked draft
    run = _run(rota, django_capture_on_commit_callbacks)
    result = run.result
    assert [e["name"] for e in result["excluded"]] == [clash.user.full_name]
    assert {a["person"] for a in result["assignments"]} == {str(rota.people[1].pk)}
    (gap,) = result["gaps"]
    assert "1 their fixed shifts already break a rule" in gap["reason"]
    runs.run_accept(tenant=rota.tenant, actor=rota.manager, run=run)
    for shift in (first, second):  # the locked and the published stay exactly as they were
        after = rota.reload(shift)
        assert (after.membership_id, after.start_at, after.status, after.version) == (
            shift.membership_id,
            shift.start_at,
            shift.status,
            shift.version,
        )


def test_auto_fill_gives_open_draft_shifts_to_people_and_makes_no_duplicates(
    django_capture_on_commit_callbacks: Any,
) -> None:
    rota = Rota(people=2)
    _plan(rota, mon=1)  # Monday 08:00-16:00, one person
    matching = rota.shift(None, at(MONDAY, 8), 8, status=Shift.Status.DRAFT, break_minutes=30)
    loose = rota.shift(None, at(MONDAY + dt.timedelta(days=2), 18), 6, status=Shift.Status.DRAFT)
    on_offer = rota.shift(None, at(MONDAY + dt.timedelta(days=3), 9), 6)  # published: left be
    run = _run(rota, django_capture_on_commit_callbacks)
    result = run.result
    filled = {a["open_shift"] for a in result["assignments"]}
    assert filled == {str(matching.pk), str(loose.pk)}  # the plan's Monday is the open draft
    assert result["coverage"] == {"needed": 2, "proposed": 2, "short": 0}
    made, _left = runs.run_accept(tenant=rota.tenant, actor=rota.manager, run=run)
    assert made == 2
    with tenant_context(rota.tenant):
        assert Shift.objects.count() == 3  # filled in place, nothing new
        for shift in (matching, loose):
            after = Shift.objects.get(pk=shift.pk)
            assert after.membership_id is not None and after.status == Shift.Status.DRAFT
        assert Shift.objects.get(pk=on_offer.pk).membership_id is None


def test_cancelling_a_run_whose_worker_died_frees_its_week() -> None:
    rota = Rota(people=1)
    run = runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site,
                         week_start=MONDAY, weeks=1, time_limit=3)  # fmt: skip
    with tenant_context(rota.tenant):
        BuildRun.objects.filter(pk=run.pk).update(status=BuildRun.Status.RUNNING)
    runs.run_cancel(tenant=rota.tenant, actor=rota.manager, run=run)
    assert rota.reload(run).status == BuildRun.Status.RUNNING  # a live worker stops it itself
    with tenant_context(rota.tenant):
        BuildRun.objects.filter(pk=run.pk).update(
            created_at=run.created_at - dt.timedelta(minutes=10))  # fmt: skip
    runs.run_cancel(tenant=rota.tenant, actor=rota.manager, run=run)
    assert rota.reload(run).status == BuildRun.Status.CANCELLED
    runs.run_start(tenant=rota.tenant, actor=rota.manager, site=rota.site, week_start=MONDAY,
                   weeks=1, time_limit=3)  # fmt: skip


def test_a_build_weighs_the_peoples_shift_wishes(django_capture_on_commit_callbacks: Any) -> None:
    """One carer a day Monday to Wednesday, two people: the first wishes to be off on Monday
    and Tuesday (it matters a lot), the second to work on them; the build follows the wishes."""
    from scheduling.models import ShiftWish, WishKind, WishStrength

    rota = Rota(people=2)
    first, second = rota.people
    _plan(rota, mon=1, tue=1, wed=1)
    with tenant_context(rota.tenant):
        for day in (MONDAY, MONDAY + dt.timedelta(days=1)):
            ShiftWish.objects.create(membership=first, date=day, kind=WishKind.OFF,
                                     strength=WishStrength.HIGH)  # fmt: skip
            ShiftWish.objects.create(membership=second, date=day, kind=WishKind.WORK)
    run = _run(rota, django_capture_on_commit_callbacks)
    assert run.status == BuildRun.Status.DONE, run.message
    names = {str(first.pk): "first", str(second.pk): "second"}
    given = {a["group"].split(":")[1]: names[a["person"]] for a in run.result["assignments"]}
    monday, tuesday, wednesday = (str(MONDAY + dt.timedelta(days=n)) for n in range(3))
    assert (given[monday], given[tuesday]) == ("second", "second")
    assert wednesday in given
    terms = {term["label"]: term["value"] for term in run.result["terms"]}
    assert [value for label, value in terms.items() if "wishes" in label] == [0]
