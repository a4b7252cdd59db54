"""Reads of leave and availability: allowances, balances, requests, approvers, weekly slots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet, Sum

from scheduling.models import (
    Availability,
    AvailabilityException,
    LeaveAllowance,
    LeaveRequest,
    LeaveUnit,
    ShiftWish,
    WorkProfile,
)
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission

DEFAULT_DAY_HOURS = Decimal("7.5")


TWO_PLACES = Decimal("0.01")


def day_hours(tenant: Tenant, membership: Membership) -> Decimal:
    """The hours of one working day: a fifth of the contracted week, else 7.5."""
    with tenant_context(tenant):
        hours = (
            WorkProfile.objects.filter(tenant=tenant, membership=membership)
            .values_list("contracted_hours", flat=True)
            .first()
        )
    return (hours / 5).quantize(TWO_PLACES) if hours else DEFAULT_DAY_HOURS


def allowance_of(tenant: Tenant, membership: Membership, year: int) -> LeaveAllowance | None:
    with tenant_context(tenant):
        return LeaveAllowance.objects.filter(
            tenant=tenant, membership=membership, year=year
        ).first()


def leave_amount(
    *, tenant: Tenant, membership: Membership, start: dt.date, end: dt.date,
    start_time: dt.time | None, end_time: dt.time | None, unit: str,
) -> Decimal:  # fmt: skip
    """What a request takes from the allowance: every calendar day of a whole-day request is a
    day; a part day is its hours (or those hours as a share of a working day)."""
    hours_a_day = day_hours(tenant, membership)
    if start_time is not None and end_time is not None:
        minutes = (
            dt.datetime.combine(start, end_time) - dt.datetime.combine(start, start_time)
        ).total_seconds() / 60
        hours = Decimal(int(minutes)) / 60
        if unit == LeaveUnit.HOURS:
            return hours.quantize(TWO_PLACES, ROUND_HALF_UP)
        return min(Decimal(1), hours / hours_a_day).quantize(TWO_PLACES, ROUND_HALF_UP)
    days = Decimal((end - start).days + 1)
    return days if unit == LeaveUnit.DAYS else (days * hours_a_day).quantize(TWO_PLACES)


@dataclass(frozen=True)
class Balance:
    year: int
    unit: str
    allowance: Decimal
    taken: Decimal  # approved, of types that count
    pending: Decimal  # waiting for a decision, of types that count

    @property
    def remaining(self) -> Decimal:
        return self.allowance - self.taken

    @property
    def unit_label(self) -> str:
        return str(LeaveUnit(self.unit).label)


def balance(tenant: Tenant, membership: Membership, year: int) -> Balance | None:
    """The year's allowance and what is taken and pending; None when no allowance is set."""
    allowance = allowance_of(tenant, membership, year)
    if allowance is None:
        return None
    with tenant_context(tenant):
        rows = (
            LeaveRequest.objects.filter(
                tenant=tenant, membership=membership, leave_type__deducts=True,
                start_date__year=year, unit=allowance.unit,
                status__in=[LeaveRequest.Status.APPROVED, LeaveRequest.Status.PENDING],
            )
            .values("status")
            .annotate(total=Sum("amount"))
        )  # fmt: skip
        totals = {row["status"]: row["total"] or Decimal(0) for row in rows}
    return Balance(
        year=year, unit=allowance.unit, allowance=allowance.amount,
        taken=totals.get(LeaveRequest.Status.APPROVED, Decimal(0)),
        pending=totals.get(LeaveRequest.Status.PENDING, Decimal(0)),
    )  # fmt: skip


def approvers(tenant: Tenant) -> list[Membership]:
    with tenant_context(tenant):
        roles = [
            r.pk for r in Role.objects.filter(tenant=tenant) if r.has(Permission.APPROVE_LEAVE)
        ]
        return list(
            Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE,
                                      role__in=roles, user__is_active=True)
            .select_related("user")
        )  # fmt: skip


def requests_of(tenant: Tenant, membership: Membership) -> list[LeaveRequest]:
    with tenant_context(tenant):
        return list(
            LeaveRequest.objects.filter(tenant=tenant, membership=membership)
            .select_related("leave_type")
            .order_by("-start_date")[:50]
        )


def pending_requests(tenant: Tenant) -> list[LeaveRequest]:
    with tenant_context(tenant):
        return list(
            LeaveRequest.objects.filter(tenant=tenant, status=LeaveRequest.Status.PENDING)
            .select_related("leave_type", "membership__user")
            .order_by("start_date")[:200]
        )


def decided_requests(tenant: Tenant) -> QuerySet[LeaveRequest]:
    return (
        LeaveRequest.objects.filter(tenant=tenant)
        .filter(Q(status=LeaveRequest.Status.APPROVED) | Q(status=LeaveRequest.Status.DECLINED))
        .select_related("leave_type", "membership__user", "decided_by__user")
        .order_by("-decided_at")
    )


def weekly_of(tenant: Tenant, membership: Membership) -> list[Availability]:
    with tenant_context(tenant):
        return list(Availability.objects.filter(tenant=tenant, membership=membership))


def exceptions_of(
    tenant: Tenant, membership: Membership, *, since: dt.date
) -> list[AvailabilityException]:
    with tenant_context(tenant):
        return list(
            AvailabilityException.objects.filter(
                tenant=tenant, membership=membership, date__gte=since
            )[:100]
        )


def wishes_of(tenant: Tenant, membership: Membership, *, since: dt.date) -> list[ShiftWish]:
    with tenant_context(tenant):
        return list(
            ShiftWish.objects.filter(tenant=tenant, membership=membership, date__gte=since)[:100]
        )


def own_availability(
    tenant: Tenant, membership: Membership, *, since: dt.date
) -> tuple[list[Availability], list[AvailabilityException], list[ShiftWish]]:
    """What My availability lists: weekly times, date changes and wishes from `since` on (the
    next 100 of each), read in one tenant context."""
    with tenant_context(tenant):
        mine = {"tenant": tenant, "membership": membership}
        return (
            list(Availability.objects.filter(**mine)),
            list(AvailabilityException.objects.filter(**mine, date__gte=since)[:100]),
            list(ShiftWish.objects.filter(**mine, date__gte=since)[:100]),
        )
