"""Clocking in and out and breaks, from My shifts: matched to the shift, server time only, one
open punch per person whatever the devices do, and bad input refused with a clear message."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from attendance.clocking import services
from attendance.clocking.location import Fix
from attendance.clocking.services import Clocking
from attendance.models import Break, Punch, PunchEdit
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db


def punches(floor: Floor, **filters: object) -> list[Punch]:
    with tenant_context(floor.tenant):
        return list(Punch.objects.filter(**filters).order_by("clock_in_at"))


def clock(floor: Floor, action: str, who=None, **data: object):  # type: ignore[no-untyped-def]
    client = floor.client(who or floor.worker)
    return client.post(f"/{floor.slug}/clock/", {"action": action, "back": "my-shifts", **data},
                       follow=True)  # fmt: skip


def test_employee_clocks_in_from_my_shifts_matched_to_their_shift(floor: Floor) -> None:
    page = floor.client(floor.worker).get(f"/{floor.slug}/my-shifts/")
    assert b'value="in"' in page.content and b"Clock in" in page.content
    response = clock(floor, "in")
    assert response.redirect_chain[-1][0] == f"/{floor.slug}/my-shifts/"
    assert "Clocked in." in response.content.decode()
    [punch] = punches(floor)
    assert punch.shift_id == floor.now_shift.pk and punch.site_id == floor.site.pk
    assert punch.membership_id == floor.worker.pk and punch.clock_out_at is None
    assert b"Clock out" in response.content and b"Start break" in response.content
    sites = [e.additional_data["site"] for e in floor.audit("punch.clocked_in")]
    assert sites == [str(floor.site.pk)]


def test_the_server_clock_is_used_and_a_device_a_day_wrong_is_flagged(floor: Floor) -> None:
    day_ahead = int((timezone.now() + dt.timedelta(days=1)).timestamp() * 1000)
    before = timezone.now()
    clock(floor, "in", device_ms=day_ahead)
    [punch] = punches(floor)
    assert before <= punch.clock_in_at <= timezone.now()  # not the device's time
    assert punch.device_skew_minutes is not None and 1430 <= punch.device_skew_minutes <= 1450
    # A device within a few minutes is not flagged.
    floor2 = Floor("beta")
    clock(floor2, "in", device_ms=int(timezone.now().timestamp() * 1000))
    assert punches(floor2)[0].device_skew_minutes is None


def test_second_clock_in_is_refused_with_a_clear_message_and_nothing_changes(floor: Floor) -> None:
    clock(floor, "in")
    response = clock(floor, "in")
    text = response.content.decode()
    assert "Already clocked in since" in text and "Rosewood" in text and "clock out first" in text
    assert len(punches(floor)) == 1


def test_clock_out_before_clock_in_is_refused_and_nothing_is_made(floor: Floor) -> None:
    response = clock(floor, "out")
    assert "You are not clocked in, so there is nothing to clock out." in response.content.decode()
    assert punches(floor) == []
    with pytest.raises(ValidationError):
        services.break_start(tenant=floor.tenant, membership=floor.worker)


def test_the_database_refuses_a_second_open_punch_and_an_out_before_in(floor: Floor) -> None:
    now = timezone.now()
    with tenant_context(floor.tenant):
        Punch.objects.create(membership=floor.worker, site=floor.site, clock_in_at=now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Punch.objects.create(membership=floor.worker, site=floor.site, clock_in_at=now)
        with pytest.raises(IntegrityError), transaction.atomic():
            Punch.objects.create(membership=floor.colleague, site=floor.site, clock_in_at=now,
                                 clock_out_at=now - dt.timedelta(minutes=1))  # fmt: skip


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_devices_at_once_make_one_record() -> None:
    floor = Floor()
    results: list[str] = []
    barrier = threading.Barrier(2)

    def press() -> None:
        try:
            barrier.wait()
            services.punch_clock_in(tenant=floor.tenant, actor=floor.worker,
                                    membership=floor.worker, clocking=Clocking())  # fmt: skip
            results.append("made")
        except ValidationError as error:
            results.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results)[0].startswith("Already clocked in") and "made" in results
    assert len(punches(floor)) == 1


def test_breaks_start_and_end_and_clock_out_closes_a_running_one(floor: Floor) -> None:
    clock(floor, "in")
    response = clock(floor, "break_start")
    assert "Break started." in response.content.decode() and b"End break" in response.content
    assert "already started" in clock(floor, "break_start").content.decode()
    later = timezone.now() + dt.timedelta(minutes=20)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "Break ended." in clock(floor, "break_end").content.decode()
        assert "not on a break" in clock(floor, "break_end").content.decode()
        clock(floor, "break_start")
    with mock.patch("django.utils.timezone.now", return_value=later + dt.timedelta(hours=1)):
        assert "Clocked out." in clock(floor, "out").content.decode()
    [punch] = punches(floor)
    with tenant_context(floor.tenant):
        breaks = list(Break.objects.filter(punch=punch).order_by("start_at"))
    assert len(breaks) == 2 and all(b.end_at is not None for b in breaks)
    assert breaks[1].end_at == punch.clock_out_at
    assert len(floor.audit("punch.break_started")) == 2
    assert len(floor.audit("punch.clocked_out")) == 1


def test_no_shift_now_is_unscheduled_at_a_chosen_site_and_flagged(floor: Floor) -> None:
    response = floor.client(floor.colleague).get(f"/{floor.slug}/clock/")
    assert b"You have no shift now" in response.content and b"Choose a site" in response.content
    refused = clock(floor, "in", who=floor.colleague)
    assert "choose the site" in refused.content.decode() and punches(floor) == []
    made = clock(floor, "in", who=floor.colleague, site=str(floor.site.pk))
    assert b"Unscheduled" in made.content
    [punch] = punches(floor)
    assert punch.shift_id is None and punch.site_id == floor.site.pk


def test_a_punch_at_another_companys_site_is_refused(floor: Floor) -> None:
    other = Floor("beta")
    response = clock(floor, "in", who=floor.colleague, site=str(other.site.pk))
    assert "Select a valid choice" in response.content.decode()
    assert punches(floor) == [] and punches(other) == []


def test_a_shift_not_yet_published_is_not_matched(floor: Floor) -> None:
    with tenant_context(floor.tenant):
        floor.now_shift.status = "draft"
        floor.now_shift.save(update_fields=["status"])
    clock(floor, "in", site=str(floor.site.pk))
    assert punches(floor)[0].shift_id is None


def test_clocking_someone_else_needs_the_permission_and_a_reason(floor: Floor) -> None:
    with pytest.raises(PermissionDenied):
        services.punch_clock_in(tenant=floor.tenant, actor=floor.colleague,
                                membership=floor.worker, clocking=Clocking())  # fmt: skip
    with pytest.raises(ValidationError, match="Say why"):
        services.punch_clock_in(
            tenant=floor.tenant,
            actor=floor.manager,
            membership=floor.worker,
            clocking=Clocking(),
            reason="  ",
        )
    assert punches(floor) == []
    punch = services.punch_clock_in(tenant=floor.tenant, actor=floor.manager,
                                    membership=floor.worker, clocking=Clocking(),
                                    reason="Phone battery dead")  # fmt: skip
    assert punch.in_source == "manager" and punch.created_by_id == floor.manager.pk
    with tenant_context(floor.tenant):
        [edit] = PunchEdit.objects.filter(punch=punch)
    assert edit.reason == "Phone battery dead" and edit.editor_id == floor.manager.pk
    [entry] = floor.audit("punch.clocked_for")
    assert entry.additional_data["member"] == str(floor.worker.pk)
    assert "reason" not in entry.additional_data


def test_another_companys_person_cannot_be_clocked(floor: Floor) -> None:
    other = Floor("beta")
    with pytest.raises(ValidationError):
        services.punch_clock_in(
            tenant=floor.tenant,
            actor=floor.manager,
            membership=other.worker,
            clocking=Clocking(),
            reason="x",
        )
    assert punches(floor) == [] and punches(other) == []


def test_a_get_shows_the_buttons_and_other_methods_are_refused(floor: Floor) -> None:
    client = floor.client(floor.worker)
    assert client.get(f"/{floor.slug}/clock/").status_code == 200
    assert client.put(f"/{floor.slug}/clock/").status_code == 405
    assert client.post(f"/{floor.slug}/clock/", {"action": "dance"}).status_code == 302
    assert punches(floor) == []


def test_device_position_is_never_stored_without_a_site_check(floor: Floor) -> None:
    clock(floor, "in", latitude="51.5", longitude="-0.12")
    [punch] = punches(floor)
    assert (punch.in_place, punch.in_distance_m) == ("", None)
    assert Fix(51.5, -0.12)  # the form turns the two fields into one position
