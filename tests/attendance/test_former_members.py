"""People who left during a pay period are on the managers' timesheet list for it (marked "left
on <date>"), so that their last hours can be approved and paid; within the manager's sites."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404
from django.utils import timezone

from attendance.timesheets import services
from scheduling.setup import services as setup_services
from tenancy import services as tenancy_services
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.attendance.conftest import Floor
from tests.attendance.test_payroll import export
from tests.attendance.test_timesheets import last_monday, punch, url
from tests.builders import at

pytestmark = pytest.mark.django_db


def leave(floor: Floor, person: Membership, when: dt.datetime | None = None) -> None:
    tenancy_services.membership_set_status(
        tenant=floor.tenant, actor=floor.admin, membership=person, status=Membership.Status.LEFT
    )
    if when is not None:
        with tenant_context(floor.tenant):
            Membership.objects.filter(pk=person.pk).update(left_at=when)


def listing(floor: Floor, who: Membership, monday: dt.date) -> str:
    response = floor.client(who).get(f"/{floor.slug}/timesheets/?start={monday}")
    assert response.status_code == 200
    return response.content.decode()


def test_someone_who_left_in_the_period_is_listed_approved_and_paid(floor: Floor) -> None:
    monday = last_monday(floor)
    shift = floor.shift_for(floor.worker, at(monday, 9))
    punch(floor, floor.worker, at(monday, 9), at(monday, 17), shift)
    left = at(monday + dt.timedelta(days=2), 18)
    leave(floor, floor.worker, left)
    text = listing(floor, floor.manager, monday)
    assert "Employee 000" in text and f"Left on {left:%-d %b %Y}" in text
    page = floor.client(floor.manager).get(url(floor, floor.worker, monday)).content.decode()
    assert "Left on" in page and "Approve timesheet" in page
    done = floor.client(floor.manager).post(url(floor, floor.worker, monday), {"action": "approve"},
                                            follow=True)  # fmt: skip
    assert "Timesheet approved and locked." in done.content.decode()
    [row] = [r for r in export(floor, floor.admin, monday, monday)
             if r["membership_id"] == str(floor.worker.pk)]  # fmt: skip
    assert (row["basis"], row["paid_hours"]) == ("approved actual", "8.00")
    # The week after they left, they are not on the list (no hours there).
    assert "Employee 000" not in listing(floor, floor.manager, monday + dt.timedelta(days=7))


def test_someone_who_left_before_the_period_or_with_no_hours_is_not_listed(
    floor: Floor,
) -> None:
    monday = last_monday(floor)
    leave(floor, floor.colleague, timezone.now() - dt.timedelta(days=60))  # long gone
    floor.shift_for(floor.colleague, at(monday, 9))  # a stray shift left on the rota
    leave(floor, floor.worker, at(monday, 12))  # left in the period, but worked no hours
    text = listing(floor, floor.manager, monday)
    assert "Employee 000" not in text and "Employee 001" not in text


def test_a_manager_of_other_sites_does_not_see_someone_who_left_from_another_site(
    floor: Floor,
) -> None:
    monday = last_monday(floor)
    punch(floor, floor.worker, at(monday, 9), at(monday, 17))  # at Rosewood
    leave(floor, floor.worker, at(monday, 20))
    setup_services.member_sites_set(tenant=floor.tenant, actor=floor.admin,
                                    membership=floor.manager, all_sites=False,
                                    sites=[floor.other_site])  # fmt: skip
    floor.manager.all_sites = False
    assert "Employee 000" not in listing(floor, floor.manager, monday)
    assert floor.client(floor.manager).get(url(floor, floor.worker, monday)).status_code == 404
    assert "Employee 000" in listing(floor, floor.admin, monday)
    # Approving them stays out of this manager's reach.
    with pytest.raises(Http404):
        services.timesheet_approve(tenant=floor.tenant, actor=floor.manager,
                                   membership=floor.worker, day=monday)  # fmt: skip
