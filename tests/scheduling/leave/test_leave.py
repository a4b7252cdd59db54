"""Leave (types, allowance, requests, decisions, balance) and availability: services and pages,
including the bad input the issue names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse

from audit.models import AuditEntry
from scheduling.leave import selectors as leave_selectors
from scheduling.leave import services as leave_services
from scheduling.models import LeaveRequest, LeaveType, LeaveUnit, Position, Shift, Site
from scheduling.rota.services import RulesBlockedError, week_publish
from scheduling.rules import facts as rules_facts
from scheduling.rules.checks import violations_for
from scheduling.setup.services import settings_save, work_profile_save
from tenancy.context import tenant_context
from tests.builders import Company
from tests.factories import member

pytestmark = pytest.mark.django_db

YEAR = 2027
MON = dt.date(YEAR, 3, 1)  # a Monday


class World(Company):
    """Sam, an employee with 5 days of annual leave in 2027, and a manager who decides."""

    def __init__(self) -> None:
        super().__init__("alpha", manager_email="boss@alpha.test")
        self.sam = self.new_person("Sam Taylor", "sam@alpha.test")
        types = leave_services.leave_types(self.tenant)
        self.annual = next(t for t in types if t.name == "Annual leave")
        self.sick = next(t for t in types if t.name == "Sick leave")
        leave_services.allowance_set(tenant=self.tenant, actor=self.manager, membership=self.sam,
                                     year=YEAR, amount=Decimal(5), unit=LeaveUnit.DAYS)  # fmt: skip

    def ask(self, start: dt.date, end: dt.date, *, kind: LeaveType | None = None,
            **kwargs: Any) -> LeaveRequest:  # fmt: skip
        return leave_services.leave_request(tenant=self.tenant, membership=self.sam,
                                            leave_type_id=(kind or self.annual).pk, start=start,
                                            end=end, **kwargs)  # fmt: skip


@pytest.fixture
def world() -> World:
    return World()


def test_the_four_default_types_are_created_once(world: World) -> None:
    names = sorted(t.name for t in leave_services.leave_types(world.tenant))
    assert names == ["Annual leave", "Other", "Sick leave", "Unpaid leave"]
    leave_services.leave_types(world.tenant)
    with tenant_context(world.tenant):
        assert LeaveType.objects.count() == 4


def test_a_request_counts_against_the_balance_once_approved(world: World) -> None:
    request = world.ask(MON, MON + dt.timedelta(days=2))
    assert request.amount == Decimal(3)
    found = leave_selectors.balance(world.tenant, world.sam, YEAR)
    assert found is not None
    assert (found.taken, found.pending, found.remaining) == (Decimal(0), Decimal(3), Decimal(5))
    with TestCase.captureOnCommitCallbacks(execute=True):
        leave_services.leave_decide(
            tenant=world.tenant, actor=world.manager, leave=request, approve=True, comment=""
        )
    assert mail.outbox[-1].to == ["sam@alpha.test"] and "approved" in mail.outbox[-1].subject
    found = leave_selectors.balance(world.tenant, world.sam, YEAR)
    assert found is not None
    assert (found.taken, found.pending, found.remaining) == (Decimal(3), Decimal(0), Decimal(2))
    with tenant_context(world.tenant):
        assert AuditEntry.objects.filter(event="leave.approved").count() == 1


def test_leave_beyond_the_balance_is_refused_unless_the_type_allows_it(world: World) -> None:
    world.ask(MON, MON + dt.timedelta(days=3))  # 4 of 5, pending
    with pytest.raises(ValidationError, match="only 1 days of the 2027 allowance remain"):
        world.ask(MON + dt.timedelta(days=7), MON + dt.timedelta(days=8))
    sick = world.ask(MON + dt.timedelta(days=7), MON + dt.timedelta(days=20), kind=world.sick)
    assert sick.status == LeaveRequest.Status.PENDING
    with tenant_context(world.tenant):
        assert LeaveRequest.objects.count() == 2


def test_bad_dates_and_overlaps_are_refused_and_nothing_is_saved(world: World) -> None:
    cases = [
        ((MON, MON - dt.timedelta(days=1)), {}, "before the first day"),
        ((MON, MON + dt.timedelta(days=1)), {"start_time": dt.time(9), "end_time": dt.time(12)},
         "one day only"),
        ((MON, MON), {"start_time": dt.time(12), "end_time": dt.time(9)}, "before the start"),
        ((MON, MON), {"start_time": dt.time(12)}, "give both times"),
        ((dt.date(YEAR, 12, 31), dt.date(YEAR + 1, 1, 2)), {}, "new year"),
    ]  # fmt: skip
    for (start, end), extra, message in cases:
        with pytest.raises(ValidationError, match=message):
            world.ask(start, end, **dict[str, Any](extra))
    world.ask(MON, MON)
    with pytest.raises(ValidationError, match="already have leave pending"):
        world.ask(MON, MON + dt.timedelta(days=1), kind=world.sick)
    with tenant_context(world.tenant):
        assert LeaveRequest.objects.count() == 1


def test_a_part_day_counts_its_share_of_a_working_day(world: World) -> None:
    work_profile_save(tenant=world.tenant, actor=world.manager, membership=world.sam,
                      positions=[], sites=[], contracted_hours=Decimal(40), hourly_rate=None,
                      max_hours_7_days=None, min_rest_hours=None)  # fmt: skip
    part = world.ask(MON, MON, start_time=dt.time(9), end_time=dt.time(13))
    assert part.amount == Decimal("0.50")  # 4 of 8 hours


def test_declining_needs_a_comment_and_nobody_decides_their_own(world: World) -> None:
    request = world.ask(MON, MON)
    with pytest.raises(ValidationError, match="Say why"):
        leave_services.leave_decide(tenant=world.tenant, actor=world.manager, leave=request,
                           approve=False, comment=" ")  # fmt: skip
    with pytest.raises(ValidationError, match="Someone else"):
        leave_services.leave_decide(
            tenant=world.tenant, actor=world.sam, leave=request, approve=True, comment=""
        )
    leave_services.leave_decide(
        tenant=world.tenant,
        actor=world.manager,
        leave=request,
        approve=False,
        comment="Short-staffed that week",
    )
    page = world.client(world.sam).get(reverse("my-leave", kwargs={"tenant_slug": "alpha"}))
    assert "Short-staffed that week" in page.content.decode()
    with pytest.raises(ValidationError, match="already declined"):
        leave_services.leave_decide(tenant=world.tenant, actor=world.manager, leave=request,
                           approve=True, comment="")  # fmt: skip


def test_the_employee_cancels_a_pending_request_from_the_page(world: World) -> None:
    request = world.ask(MON, MON)
    client = world.client(world.sam)
    url = reverse("my-leave", kwargs={"tenant_slug": "alpha"})
    assert client.post(url, {"cancel": str(request.pk)}).status_code == 302
    with tenant_context(world.tenant):
        request.refresh_from_db()
    assert request.status == LeaveRequest.Status.CANCELLED
    # Someone else's request cannot be cancelled by another employee.
    other = member(world.tenant)
    theirs = leave_services.leave_request(tenant=world.tenant, membership=other,
                                 leave_type_id=world.sick.pk, start=MON, end=MON)  # fmt: skip
    client.post(url, {"cancel": str(theirs.pk)})
    with tenant_context(world.tenant):
        theirs.refresh_from_db()
    assert theirs.status == LeaveRequest.Status.PENDING


def test_the_request_form_shows_errors_and_the_manager_page_needs_the_permission(
    world: World,
) -> None:
    client = world.client(world.sam)
    url = reverse("my-leave", kwargs={"tenant_slug": "alpha"})
    response = client.post(url, {"request": "1", "leave_type": str(world.annual.pk),
                                 "start_date": "2027-03-05", "end_date": "2027-03-01"})  # fmt: skip
    assert response.status_code == 400
    assert "The last day is before the first day." in response.content.decode()
    leave_page = reverse("leave-requests", kwargs={"tenant_slug": "alpha"})
    assert client.get(leave_page).status_code == 403
    assert world.client(world.manager).get(leave_page).status_code == 200


def test_approved_leave_becomes_utc_intervals_in_the_company_time_zone(world: World) -> None:
    summer = dt.date(YEAR, 7, 5)
    request = world.ask(summer, summer, kind=world.sick)
    leave_services.leave_decide(
        tenant=world.tenant, actor=world.manager, leave=request, approve=True, comment=""
    )
    start = dt.datetime(YEAR, 7, 1, tzinfo=dt.UTC)
    with tenant_context(world.tenant):
        found = rules_facts.approved_leave(world.tenant, start, start + dt.timedelta(days=14))
    ((begin, end, label),) = found[world.sam.pk]
    assert begin == dt.datetime(YEAR, 7, 4, 23, tzinfo=dt.UTC)  # midnight in London (BST)
    assert end == dt.datetime(YEAR, 7, 5, 23, tzinfo=dt.UTC)
    assert label == "Sick leave"


# Availability --------------------------------------------------------------------------------


def test_weekly_unavailability_with_a_date_lifted_and_a_one_off(world: World) -> None:
    tenant, sam = world.tenant, world.sam
    leave_services.weekly_add(tenant=tenant, membership=sam, weekday=0, start=dt.time(18),
                            end=None, kind="unavailable")  # fmt: skip
    with pytest.raises(ValidationError, match="overlaps"):
        leave_services.weekly_add(tenant=tenant, membership=sam, weekday=0, start=dt.time(20),
                                end=dt.time(22), kind="preferred")  # fmt: skip
    today = dt.date(YEAR, 2, 1)
    leave_services.exception_add(tenant=tenant, membership=sam, day=MON, kind="available",
                               today=today)  # fmt: skip
    leave_services.exception_add(tenant=tenant, membership=sam, day=MON + dt.timedelta(days=2),
                               kind="unavailable", start=dt.time(9), end=dt.time(12),
                               note="Dentist", today=today)  # fmt: skip
    with pytest.raises(ValidationError, match="today or a later date"):
        leave_services.exception_add(tenant=tenant, membership=sam, day=today - dt.timedelta(1),
                                   kind="unavailable", today=today)  # fmt: skip
    start = dt.datetime(YEAR, 3, 1, tzinfo=dt.UTC)
    with tenant_context(tenant):
        found = rules_facts.unavailable(tenant, start, start + dt.timedelta(days=14))[sam.pk]
    starts = sorted(a for a, _b, _label in found)
    # Monday 1 March lifted; Wednesday's dentist; Monday 8 March 18:00 (GMT) to midnight.
    assert starts == [dt.datetime(YEAR, 3, 3, 9, tzinfo=dt.UTC),
                      dt.datetime(YEAR, 3, 8, 18, tzinfo=dt.UTC),
                      dt.datetime(YEAR, 3, 15, 18, tzinfo=dt.UTC)]  # fmt: skip


def test_the_availability_page_adds_and_removes(world: World) -> None:
    client = world.client(world.sam)
    url = reverse("my-availability", kwargs={"tenant_slug": "alpha"})
    response = client.post(url, {"add_weekly": "1", "weekly-weekday": "2",
                                 "weekly-start_time": "17:00", "weekly-end_time": "09:00",
                                 "weekly-kind": "unavailable"})  # fmt: skip
    assert response.status_code == 400
    assert "The end time is before the start time." in response.content.decode()
    client.post(url, {"add_weekly": "1", "weekly-weekday": "2", "weekly-start_time": "17:00",
                      "weekly-end_time": "", "weekly-kind": "unavailable"})  # fmt: skip
    (slot,) = leave_selectors.weekly_of(world.tenant, world.sam)
    page = client.get(url).content.decode()
    assert "Wednesday 17:00\u201324:00" in page
    other = Client()
    other.force_login(world.manager.user)
    other.post(url, {"remove": str(slot.pk)})  # someone else's slot: not theirs to remove
    assert leave_selectors.weekly_of(world.tenant, world.sam)
    client.post(url, {"remove": str(slot.pk)})
    assert leave_selectors.weekly_of(world.tenant, world.sam) == []


# Leave and availability in the rules and on the rota -----------------------------------------


def _shift_for_sam(world: World, day: dt.date, start: int, end: int) -> Shift:
    """A draft shift for Sam, who works the site and position (so only time off can break)."""
    with tenant_context(world.tenant):
        site = Site.objects.get_or_create(name="North")[0]
        position = Position.objects.get_or_create(name="Carer")[0]
    work_profile_save(tenant=world.tenant, actor=world.manager, membership=world.sam,
                      positions=[position], sites=[site], contracted_hours=None,
                      hourly_rate=None, max_hours_7_days=None, min_rest_hours=None)  # fmt: skip
    zone = ZoneInfo(world.tenant.time_zone)
    with tenant_context(world.tenant):
        return Shift.objects.create(
            site=site, position=position, membership=world.sam,
            start_at=dt.datetime.combine(day, dt.time(start), tzinfo=zone),
            end_at=dt.datetime.combine(day, dt.time(end), tzinfo=zone),
        )  # fmt: skip


def _codes(world: World, shift: Shift) -> list[tuple[str, bool]]:
    with tenant_context(world.tenant):
        found = violations_for(world.tenant, [shift])
    return [(v.code, v.hard) for v in found.get(shift.pk, [])]


def test_a_shift_over_approved_leave_blocks_publishing(world: World) -> None:
    shift = _shift_for_sam(world, MON + dt.timedelta(days=1), 9, 17)
    request = world.ask(MON, MON + dt.timedelta(days=2))
    assert _codes(world, shift) == []  # pending leave is no rule break yet
    leave_services.leave_decide(
        tenant=world.tenant, actor=world.manager, leave=request, approve=True, comment=""
    )

    assert _codes(world, shift) == [("leave", True)]
    with pytest.raises(RulesBlockedError):
        week_publish(tenant=world.tenant, actor=world.manager, week_start=MON)
    with tenant_context(world.tenant):
        assert Shift.objects.get(pk=shift.pk).status == Shift.Status.DRAFT


def test_unavailability_warns_unless_the_company_makes_it_block(world: World) -> None:
    shift = _shift_for_sam(world, MON, 16, 22)
    leave_services.weekly_add(tenant=world.tenant, membership=world.sam, weekday=0,
                            start=dt.time(18), end=None, kind="unavailable")  # fmt: skip
    assert _codes(world, shift) == [("unavailable", False)]
    publication = week_publish(tenant=world.tenant, actor=world.manager, week_start=MON)
    assert publication.shift_count == 1  # a warning does not block

    settings_save(tenant=world.tenant, actor=world.manager, unavailability_is_hard=True)
    assert _codes(world, shift) == [("unavailable", True)]
    # "Available after all" on that date lifts it.
    leave_services.exception_add(tenant=world.tenant, membership=world.sam, day=MON,
                               kind="available", today=MON)  # fmt: skip
    assert _codes(world, shift) == []


def test_the_rota_shows_leave_and_unavailability_on_their_days(world: World) -> None:
    _shift_for_sam(world, MON + dt.timedelta(days=4), 9, 17)
    request = world.ask(MON + dt.timedelta(days=1), MON + dt.timedelta(days=2))
    leave_services.leave_decide(
        tenant=world.tenant, actor=world.manager, leave=request, approve=True, comment=""
    )
    leave_services.exception_add(tenant=world.tenant, membership=world.sam, day=MON,
                               kind="unavailable", start=dt.time(9), end=dt.time(12),
                               note="Dentist", today=MON)  # fmt: skip
    page = world.client(world.manager).get(f"/alpha/rota/?week={MON}").content.decode()

    row = page[page.index('data-member="' + str(world.sam.pk)) :]
    row = row[: row.index("</tr>")]
    cells = row.split("<td")[1:8]
    assert (
        '<span class="away away--unavailable">Unavailable: Dentist 09:00\u201312:00</span>'
        in (cells[0])
    )
    assert all('<span class="away away--leave">Annual leave</span>' in c for c in cells[1:3])
    assert not any("away" in c for c in cells[3:])
