"""The managers' board (who is on, late, not turned up, breaks long, past the end of the shift),
clocking someone in or out from it with a reason, and the no-show notification."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from attendance.clocking import services
from attendance.clocking.services import Clocking
from attendance.models import AttendanceSettings, Punch, PunchEdit
from attendance.no_shows import no_shows_notify
from attendance.tasks import notify_no_shows
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db


def test_board_shows_who_is_on_late_and_not_turned_up(floor: Floor) -> None:
    late_start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=8)
    gone_start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=40)
    late = floor.new_person("Lara Late", positions=[floor.carer], sites=[floor.site])
    gone = floor.new_person("Nora Noshow", positions=[floor.carer], sites=[floor.site])
    floor.shift_for(late, late_start)
    floor.shift_for(gone, gone_start)
    services.punch_clock_in(tenant=floor.tenant, actor=floor.worker, membership=floor.worker,
                            clocking=Clocking())  # fmt: skip
    services.break_start(tenant=floor.tenant, membership=floor.worker)
    page = floor.client(floor.manager).get(f"/{floor.slug}/board/").content.decode()
    on_now = page.index("On now")
    assert page.index("Nora Noshow") < page.index("Lara Late") < on_now
    assert "Employee 000" in page[on_now:] and "On a break" in page
    with mock.patch("django.utils.timezone.now",
                    return_value=timezone.now() + dt.timedelta(minutes=45)):  # fmt: skip
        later = floor.client(floor.manager).get(f"/{floor.slug}/board/").content.decode()
    assert "Break running long" in later


def test_manager_clocks_someone_in_and_out_with_a_reason(floor: Floor) -> None:
    client = floor.client(floor.manager)
    data = {"membership": str(floor.worker.pk), "action": "in", "reason": ""}
    response = client.post(f"/{floor.slug}/board/", data, follow=True)
    assert "This field is required." in response.content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()
    data["reason"] = "Forgot their phone"
    response = client.post(f"/{floor.slug}/board/", data, follow=True)
    assert "Clocked in, with your reason." in response.content.decode()
    with tenant_context(floor.tenant):
        punch = Punch.objects.get()
        assert PunchEdit.objects.get(punch=punch).reason == "Forgot their phone"
    assert punch.shift_id == floor.now_shift.pk and punch.in_source == "manager"
    with mock.patch("django.utils.timezone.now",
                    return_value=timezone.now() + dt.timedelta(hours=1)):  # fmt: skip
        data = {"membership": str(floor.worker.pk), "action": "out", "reason": "Went home ill"}
        client.post(f"/{floor.slug}/board/", data)
    assert floor.reload(punch).clock_out_at is not None
    assert len(floor.audit("punch.clocked_for")) == 2


def test_board_needs_the_permission_and_refuses_another_companys_person(floor: Floor) -> None:
    assert floor.client(floor.worker).get(f"/{floor.slug}/board/").status_code == 403
    other = Floor("beta")
    response = floor.client(floor.manager).post(f"/{floor.slug}/board/", {
        "membership": str(other.worker.pk), "action": "in", "reason": "x"})  # fmt: skip
    assert response.status_code == 404
    with tenant_context(other.tenant):
        assert not Punch.objects.exists()


def test_no_show_managers_are_told_once_after_the_company_minutes(floor: Floor) -> None:
    with tenant_context(floor.tenant):
        AttendanceSettings.objects.create(no_show_minutes=15)
    now = timezone.now()
    assert no_shows_notify(floor.tenant, now) == 0  # five minutes in: not yet
    later = now + dt.timedelta(minutes=11)
    assert no_shows_notify(floor.tenant, later) == 1
    assert no_shows_notify(floor.tenant, later + dt.timedelta(minutes=5)) == 0  # once
    [note] = floor.notifications(floor.manager)
    assert "has not clocked in at Rosewood" in note.title and note.url == f"/{floor.slug}/board/"
    assert floor.notifications(floor.worker) == [] and floor.notifications(floor.admin)
    assert len(floor.audit("no_show.notified")) == 1


def test_no_show_is_not_reported_for_someone_who_clocked_in(floor: Floor) -> None:
    services.punch_clock_in(tenant=floor.tenant, actor=floor.worker, membership=floor.worker,
                            clocking=Clocking())  # fmt: skip
    with mock.patch("django.utils.timezone.now",
                    return_value=timezone.now() + dt.timedelta(minutes=30)):  # fmt: skip
        assert notify_no_shows() == 0
    assert floor.notifications(floor.manager) == []
