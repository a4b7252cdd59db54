"""A manager limited to some sites sees, corrects, approves, clocks and turns off kiosks only
for the people and sites they manage; another site's person or kiosk is a 404, nothing changed.
A manager's own timesheet is approved by someone else; a read-only company's kiosk records
nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from attendance.kiosk import services as kiosk_services
from attendance.models import Kiosk, Punch
from attendance.timesheets import services as timesheet_services
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tenancy.models import Tenant
from tests.attendance.conftest import Floor
from tests.attendance.test_kiosk import enrolled

pytestmark = pytest.mark.django_db


@pytest.fixture
def maple(floor: Floor):  # type: ignore[no-untyped-def]
    """The manager schedules Maple only; the worker and colleague work at Rosewood."""
    setup_services.member_sites_set(tenant=floor.tenant, actor=floor.admin,
                                    membership=floor.manager, all_sites=False,
                                    sites=[floor.other_site])  # fmt: skip
    floor.manager.all_sites = False  # as saved (a reload would drop the cached account)
    return floor


def test_timesheets_of_another_sites_people_are_not_found(maple: Floor) -> None:
    floor = maple
    start = timezone.now() - dt.timedelta(days=1)
    with tenant_context(floor.tenant):
        Punch.objects.create(membership=floor.worker, site=floor.site, clock_in_at=start,
                             clock_out_at=start + dt.timedelta(hours=8))  # fmt: skip
    client = floor.client(floor.manager)
    listing = client.get(f"/{floor.slug}/timesheets/").content.decode()
    assert "Employee 000" not in listing
    assert client.get(f"/{floor.slug}/timesheets/{floor.worker.pk}/").status_code == 404
    page = client.post(f"/{floor.slug}/timesheets/{floor.worker.pk}/", {"action": "approve"})
    assert page.status_code == 404
    with pytest.raises(Http404):
        timesheet_services.timesheet_approve(tenant=floor.tenant, actor=floor.manager,
                                             membership=floor.worker, day=start.date())  # fmt: skip
    assert floor.audit("timesheet.approved") == []
    # The admin, who schedules every site, sees and approves them.
    assert floor.client(floor.admin).get(
        f"/{floor.slug}/timesheets/{floor.worker.pk}/").status_code == 200  # fmt: skip


def test_the_board_clocks_only_the_managers_people(maple: Floor) -> None:
    floor = maple
    response = floor.client(floor.manager).post(
        f"/{floor.slug}/board/",
        {"membership": str(floor.worker.pk), "action": "in", "reason": "Forgot the phone"},
    )
    assert response.status_code == 404
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()


def test_a_manager_turns_off_only_the_kiosks_of_their_sites(maple: Floor) -> None:
    floor = maple
    made = kiosk_services.kiosk_create(tenant=floor.tenant, actor=floor.admin,
                                       site=floor.site, name="Rosewood door")  # fmt: skip
    enrolled(floor, made, floor.admin)
    with tenant_context(floor.tenant):
        before = Kiosk.objects.get(pk=made.pk)
    for action in ("revoke", "revoke_device", "enrol"):
        response = floor.client(floor.manager).post(
            f"/{floor.slug}/kiosks/", {"action": action, "kiosk": str(made.pk)}
        )
        assert response.status_code == 404, action
    with tenant_context(floor.tenant):
        after = Kiosk.objects.get(pk=made.pk)
    assert after.revoked_at is None and after.enrolled_at == before.enrolled_at
    assert (after.token_hash, after.enrol_hash) == (before.token_hash, "")


def test_a_manager_does_not_approve_their_own_timesheet_an_admin_may(floor: Floor) -> None:
    day = timezone.now().date()
    with pytest.raises(ValidationError, match="Ask another manager"):
        timesheet_services.timesheet_approve(tenant=floor.tenant, actor=floor.manager,
                                             membership=floor.manager, day=day)  # fmt: skip
    assert floor.audit("timesheet.approved") == []
    timesheet_services.timesheet_approve(tenant=floor.tenant, actor=floor.admin,
                                         membership=floor.admin, day=day)  # fmt: skip
    assert len(floor.audit("timesheet.approved")) == 1


def test_a_read_only_company_kiosk_records_nothing(floor: Floor, settings: Any) -> None:
    settings.ENTITLEMENTS_ENFORCED = True
    made = kiosk_services.kiosk_create(tenant=floor.tenant, actor=floor.admin,
                                       site=floor.site, name="Front door")  # fmt: skip
    tablet = enrolled(floor, made, floor.admin)
    kiosk_services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="4821")
    with tenant_context(floor.tenant):
        Tenant.objects.filter(pk=floor.tenant.pk).update(status=Tenant.Status.READ_ONLY)
    page = tablet.post(f"/{floor.slug}/kiosk/",
                         {"person": str(floor.worker.pk), "pin": "4821", "action": "in"},
                         follow=True)  # fmt: skip
    assert "read-only: clocking is paused" in page.content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()
