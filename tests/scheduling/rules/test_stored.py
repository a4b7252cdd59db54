"""The stored rule breaks (scheduling/rules/stored.py) always equal a full check from scratch,
whatever sequence of changes the services make: shifts added, changed, moved, deleted and
published, leave approved or asked for and withdrawn, availability set and removed, work
profiles and the company's rules changed."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduling.leave import services as leave_services
from scheduling.models import Availability, AvailabilityKind, LeaveType, Shift
from scheduling.rota import services as rota_services
from scheduling.rules.stored import full_check, refresh_company, stored, stored_violations
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, add_shift, at, build_rota

pytestmark = pytest.mark.django_db

_slugs = itertools.count()

PEOPLE = 2
DAYS = 14  # two weeks from MONDAY: the rules' windows reach across weeks and periods

person = st.one_of(st.none(), st.integers(0, PEOPLE - 1))
someone = st.integers(0, PEOPLE - 1)
day = st.integers(0, DAYS - 1)
which = st.integers(0, 50)  # one of the shifts made so far (modulo how many)

steps = st.one_of(
    st.tuples(
        st.just("add"), person, day, st.integers(0, 23), st.integers(4, 12), st.integers(0, 1)
    ),
    st.tuples(st.just("move"), which, person, day),
    st.tuples(st.just("edit"), which, st.integers(0, 23), st.integers(4, 12)),
    st.tuples(st.just("delete"), which),
    st.tuples(st.just("publish"), st.integers(0, 3)),
    st.tuples(st.just("leave"), someone, day, st.integers(0, 3)),
    st.tuples(st.just("leave_withdrawn"), someone, day),
    st.tuples(st.just("weekly"), someone, st.integers(0, 6), st.integers(0, 23)),
    st.tuples(st.just("date_off"), someone, day),
    st.tuples(st.just("available_again"), someone),
    st.tuples(
        st.just("profile"),
        someone,
        st.sampled_from([None, 2, 4]),
        st.sampled_from([None, Decimal(13)]),
        st.sampled_from([None, Decimal(20)]),
        st.booleans(),
    ),
    st.tuples(
        st.just("rules"),
        st.sampled_from([Decimal(11), Decimal(16)]),
        st.sampled_from([None, 3]),
        st.sampled_from([None, 2]),
        st.sampled_from([None, 1]),
        st.sampled_from([(None, None), (Decimal(30), None), (None, Decimal(20))]),
        st.sampled_from([1, 2]),
        st.sampled_from([[], ["late-early", "night-night"]]),
    ),
)


class Case:
    """One company, changed only through the services."""

    def __init__(self) -> None:
        self.rota: Rota = build_rota(f"stored{next(_slugs)}", people=PEOPLE)
        with tenant_context(self.rota.tenant):
            self.sick = LeaveType.objects.create(name="Sick", deducts=False)
        self.shifts: list[Any] = []
        # A rota to change: most changes then touch someone's shifts.
        for who, days, hour in ((0, (0, 1, 2, 3, 4, 7, 8), 9), (1, (0, 2, 4, 6, 8, 10), 14)):
            for on in days:
                self.apply(("add", who, on, hour, 8, 0))

    def person(self, index: int | None) -> Any:
        return None if index is None else self.rota.people[index]

    def shift(self, index: int) -> Shift | None:
        if not self.shifts:
            return None
        pk = self.shifts[index % len(self.shifts)]
        with tenant_context(self.rota.tenant):
            return Shift.objects.filter(pk=pk).first()

    def apply(self, step: tuple[Any, ...]) -> None:
        rota, tenant = self.rota, self.rota.tenant
        kind, *args = step
        if kind == "add":
            who, on, hour, hours, site = args
            made = add_shift(rota, self.person(who), at(MONDAY + dt.timedelta(days=on), hour),
                             hours, site=[rota.site, rota.other_site][site])  # fmt: skip
            self.shifts.append(made.pk)
        elif kind in ("move", "edit", "delete"):
            shift = self.shift(args[0])
            if shift is None:
                return
            if kind == "move":
                rota_services.shift_move(
                    tenant=tenant, actor=rota.admin, shift=shift, membership=self.person(args[1]),
                    day=MONDAY + dt.timedelta(days=args[2]), version=shift.version,
                )  # fmt: skip
            elif kind == "edit":
                with tenant_context(tenant):
                    site, position = shift.site, shift.position
                    member = shift.membership
                start = at(shift.start_at.astimezone(at(MONDAY, 0).tzinfo).date(), args[1])
                rota_services.shift_save(
                    tenant=tenant, actor=rota.admin, shift=shift, version=shift.version,
                    data=rota_services.ShiftInput(
                        site=site, position=position, membership=member, start_at=start,
                        end_at=start + dt.timedelta(hours=args[2]), break_minutes=30,
                    ),
                    override_reason="checked",
                )  # fmt: skip
            else:
                rota_services.shift_delete(
                    tenant=tenant, actor=rota.admin, shift=shift, version=shift.version
                )
        elif kind == "publish":
            rota_services.week_publish(
                tenant=tenant, actor=rota.admin, week_start=MONDAY + dt.timedelta(weeks=args[0]),
                override_reason="checked",
            )  # fmt: skip
        elif kind in ("leave", "leave_withdrawn"):
            first = MONDAY + dt.timedelta(days=args[1])
            last = first + dt.timedelta(days=args[2] if kind == "leave" else 0)
            asked = leave_services.leave_request(
                tenant=tenant, membership=self.person(args[0]), leave_type_id=self.sick.pk,
                start=first, end=last,
            )  # fmt: skip
            if kind == "leave":
                leave_services.leave_decide(tenant=tenant, actor=rota.admin, leave=asked,
                                            approve=True, comment="")  # fmt: skip
            else:
                leave_services.leave_cancel(tenant=tenant, membership=self.person(args[0]),
                                            leave=asked)  # fmt: skip
        elif kind == "weekly":
            leave_services.weekly_add(
                tenant=tenant, membership=self.person(args[0]), weekday=args[1],
                start=dt.time(args[2]), end=None, kind=AvailabilityKind.UNAVAILABLE,
            )  # fmt: skip
        elif kind == "date_off":
            leave_services.exception_add(
                tenant=tenant, membership=self.person(args[0]),
                day=MONDAY + dt.timedelta(days=args[1]), kind=AvailabilityKind.UNAVAILABLE,
                note="Dentist", today=MONDAY,
            )  # fmt: skip
        elif kind == "available_again":
            with tenant_context(tenant):
                slot = Availability.objects.filter(membership=self.person(args[0])).first()
            if slot is not None:
                leave_services.remove(tenant=tenant, membership=self.person(args[0]),
                                      row_id=slot.pk)  # fmt: skip
        elif kind == "profile":
            who, days_in_a_row, rest, weekly, both_sites = args
            sites = [rota.site, rota.other_site] if both_sites else [rota.site]
            setup_services.work_profile_save(
                tenant=tenant, actor=rota.admin, membership=self.person(who),
                positions=[rota.carer], sites=sites, contracted_hours=Decimal(30),
                max_hours_7_days=weekly, min_rest_hours=rest,
                max_consecutive_days=days_in_a_row,
            )  # fmt: skip
        elif kind == "rules":
            rest, days_in_a_row, days_off, weekends, (most, least), weeks, successions = args
            rota.settings(
                min_rest_hours=rest, max_consecutive_days=days_in_a_row, min_days_off=days_off,
                max_weekends=weekends, weekends_period_weeks=2, period_max_hours=most,
                period_min_hours=least, hours_period_weeks=weeks,
                forbidden_successions=successions,
            )  # fmt: skip

    def check(self) -> None:
        with tenant_context(self.rota.tenant):
            assert stored(self.rota.tenant) == full_check(self.rota.tenant)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(changes=st.lists(steps, min_size=1, max_size=16))
def test_stored_breaks_always_equal_a_full_check(changes: list[tuple[Any, ...]]) -> None:
    case = Case()
    for step in changes:
        # Refused (a clash, a stale edit, nothing to publish): nothing changed.
        with contextlib.suppress(ValidationError):
            case.apply(step)
        case.check()


def test_the_check_finds_breaks_and_the_readers_see_them() -> None:
    """Not a vacuous equality: shifts that break rules are stored with their breaks, read back
    per shift in the engine's order, and filling the table again changes nothing."""
    case = Case()
    made: tuple[tuple[Any, ...], ...] = (
        ("rules", Decimal(11), 3, None, None, (None, Decimal(40)), 1, []),
        ("add", 0, 0, 9, 8, 0),
        ("add", 0, 0, 12, 4, 0),  # overlaps the first
        ("add", 0, 1, 1, 6, 1),  # too little rest, at a site not in the profile
        ("leave", 1, 3, 0),
        ("add", 1, 3, 9, 8, 0),  # on leave
    )
    for step in made:
        case.apply(step)
        case.check()
    tenant = case.rota.tenant
    with tenant_context(tenant):
        found = stored(tenant)
        codes = {each.code for each in found}
        assert {"overlap", "rest", "site", "leave", "period_min_hours"} <= codes
        by_shift = stored_violations(tenant, case.shifts)
        assert by_shift[case.shifts[0]][0].code == "overlap"
        assert all(v.code != "period_min_hours" for vs in by_shift.values() for v in vs)
        settled = at(MONDAY + dt.timedelta(days=7), 0)
        later = stored_violations(tenant, case.shifts, settled=settled)
        assert any(v.code == "period_min_hours" for vs in later.values() for v in vs)
        refresh_company(tenant)
        assert stored(tenant) == found
