"""The demo is relative to today: loaded at awkward moments (a Sunday evening just before
midnight, just after midnight on a Monday, a Wednesday noon), every role has something to see,
read through the selectors the pages use; and loading it again adds nothing."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from collections.abc import Iterator
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command

from parim.demo_people import DEMO_TENANTS
from scheduling.employee.selectors import my_schedule
from scheduling.home import panels
from scheduling.marketplace import selectors as marketplace
from scheduling.marketplace import services as marketplace_services
from scheduling.models import Shift, ShiftClaim
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

LONDON = zoneinfo.ZoneInfo("Europe/London")
MOMENTS = {
    "sunday-23:30": dt.datetime(2026, 3, 22, 23, 30, tzinfo=LONDON),
    "monday-00:10": dt.datetime(2026, 11, 2, 0, 10, tzinfo=LONDON),
    "wednesday-noon": dt.datetime(2026, 7, 15, 12, 0, tzinfo=LONDON),
}


@pytest.fixture(params=list(MOMENTS), ids=list(MOMENTS))
def moment(request: pytest.FixtureRequest) -> Iterator[dt.datetime]:
    """The clock stands still at the moment (what `timezone.now()` answers everywhere)."""
    at = MOMENTS[request.param].astimezone(dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield at


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--no-sign-ins", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=False)
def test_every_role_has_something_to_see_whenever_the_demo_is_loaded(moment: dt.datetime) -> None:
    first = _seed()
    assert "Loading the demo: Acme Care Homes…" in first
    with tenant_context(Tenant.objects.get(slug="acme")):
        shifts = Shift.objects.count()
    # Loading it again, at the same moment, adds nothing.
    assert "Demo data ready (0 new records)." in _seed()
    with tenant_context(Tenant.objects.get(slug="acme")):
        assert Shift.objects.count() == shifts
    for demo in DEMO_TENANTS:
        tenant = Tenant.objects.get(slug=demo.slug)
        with tenant_context(tenant):
            employee = Membership.objects.select_related("tenant", "user").get(
                user__email=f"employee@{demo.domain}"
            )
            manager = Membership.objects.select_related("tenant", "user", "role").get(
                user__email=f"manager@{demo.domain}"
            )
            _the_manager_has_today_tomorrow_and_approvals(tenant, manager, demo.slug)
            _the_employee_has_shifts_to_work_claim_and_swap(tenant, employee, moment, demo.slug)


def _the_employee_has_shifts_to_work_claim_and_swap(
    tenant: Tenant, employee: Membership, now: dt.datetime, slug: str
) -> None:
    # My shifts and the home page: published shifts to come.
    upcoming = [shift for shift, _colleagues in my_schedule(employee)["upcoming"]]
    assert upcoming, f"{slug}: the demo employee has no published shift to come"
    assert all(s.status == Shift.Status.PUBLISHED and s.end_at > now for s in upcoming)
    home = panels.next_shifts(SimpleNamespace(tenant=tenant, membership=employee))  # type: ignore[arg-type]
    assert home is not None and home["next"] is not None
    # Open shifts: one offered to them that the rules let them claim, and the claim succeeds.
    offered = [s for s in marketplace.open_shifts_for(employee) if not getattr(s, "my_claim", 0)]
    claimable = [o.shift for o in marketplace.claim_outlooks(employee, offered) if o.can_claim]
    assert claimable, f"{slug}: no open shift the demo employee may claim"
    assert claimable[0].start_at > now
    claim = marketplace_services.claim_create(
        tenant=tenant, membership=employee, shift=claimable[0]
    )
    assert claim.status in {ShiftClaim.Status.PENDING, ShiftClaim.Status.APPROVED}
    # Swaps: a shift of theirs to come that is not offered yet, and offering it works.
    mine = marketplace.my_future_shifts(employee)
    offered_already = marketplace.open_swaps_by_shift(employee, [s.pk for s in mine])
    free = [s for s in mine if s.pk not in offered_already]
    assert free, f"{slug}: no shift the demo employee could offer for a swap"
    swap = marketplace_services.swap_offer(
        tenant=tenant, membership=employee, shift=free[-1], offered_to=None
    )
    assert swap.pk is not None


def _the_manager_has_today_tomorrow_and_approvals(
    tenant: Tenant, manager: Membership, slug: str
) -> None:
    request = SimpleNamespace(tenant=tenant, membership=manager)
    board = panels.today_and_tomorrow(request)  # type: ignore[arg-type]
    assert board is not None
    for index, label in enumerate(("today", "tomorrow")):
        total = sum(len(days[index].on) + days[index].drafts for _site, days in board["sites"])
        assert total > 0, f"{slug}: the manager has no shift {label}"
    waiting = panels.waiting_for_you(request)  # type: ignore[arg-type]
    assert waiting is not None and waiting["total"] > 0, f"{slug}: nothing waits for the manager"
    counts = {label: count for label, count, _url in waiting["items"]}
    assert counts["Leave requests"] > 0
    assert counts["Claims on open shifts"] + counts["Shift swaps"] > 0


@pytest.mark.django_db(transaction=False)
def test_loaded_again_ten_days_later_the_weeks_since_are_added() -> None:
    first = MOMENTS["monday-00:10"].astimezone(dt.UTC)
    with mock.patch("django.utils.timezone.now", return_value=first):
        _seed()
    later = first + dt.timedelta(days=10)  # Thursday of the week after next
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "0 new records" not in _seed()
        assert "Demo data ready (0 new records)." in _seed()  # and once is enough
        for demo in DEMO_TENANTS:
            tenant = Tenant.objects.get(slug=demo.slug)
            with tenant_context(tenant):
                employee = Membership.objects.select_related("tenant", "user").get(
                    user__email=f"employee@{demo.domain}"
                )
                next_week = Shift.objects.filter(start_at__gte=later + dt.timedelta(days=4))
                assert next_week.exists(), f"{demo.slug}: no rota for next week"
                _the_employee_has_shifts_to_work_claim_and_swap(tenant, employee, later, demo.slug)
