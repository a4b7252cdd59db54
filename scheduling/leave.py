"""Leave: types, yearly allowances, requests and their decisions, balances, and approved leave
as intervals for the rota and the working-time rules (a shift over approved leave is a hard
break)."""

from __future__ import annotations

import datetime as dt
import functools
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import emit
from scheduling.models import LeaveAllowance, LeaveRequest, LeaveType, LeaveUnit, WorkProfile
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission

# name, counts against the allowance, may go beyond the balance
DEFAULT_TYPES = [
    ("Annual leave", True, False),
    ("Sick leave", False, True),
    ("Unpaid leave", False, True),
    ("Other", False, True),
]
DEFAULT_DAY_HOURS = Decimal("7.5")
TWO_PLACES = Decimal("0.01")


def leave_types(tenant: Tenant, *, active_only: bool = False) -> list[LeaveType]:
    """The company's leave types, creating the four defaults on first use."""
    with tenant_context(tenant):
        types = list(LeaveType.objects.filter(tenant=tenant))
        if not types:
            for name, deducts, beyond in DEFAULT_TYPES:
                LeaveType.objects.get_or_create(
                    tenant=tenant, name=str(name),
                    defaults={"deducts": deducts, "allow_beyond_balance": beyond},
                )  # fmt: skip
            types = list(LeaveType.objects.filter(tenant=tenant))
    return [t for t in types if t.is_active or not active_only]


def leave_type_save(
    *, tenant: Tenant, actor: Membership, leave_type: LeaveType | None, name: str,
    deducts: bool, allow_beyond_balance: bool, is_active: bool = True,
) -> LeaveType:  # fmt: skip
    with tenant_context(tenant):
        row = leave_type or LeaveType()
        row.name, row.deducts = name.strip(), deducts
        row.allow_beyond_balance, row.is_active = allow_beyond_balance, is_active
        row.full_clean(exclude=["tenant"])
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError(
                {"name": _("There is already a leave type with this name.")}
            ) from None
    return row


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


def allowance_set(
    *, tenant: Tenant, actor: Membership, membership: Membership, year: int, amount: Decimal,
    unit: str,
) -> LeaveAllowance:  # fmt: skip
    with tenant_context(tenant), transaction.atomic():
        row = allowance_of(tenant, membership, year) or LeaveAllowance(
            membership=membership, year=year
        )
        row.amount, row.unit = amount, unit
        row.full_clean(exclude=["tenant", "membership"])
        row.save()
    return row


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


def _check_balance(
    tenant: Tenant, membership: Membership, leave_type: LeaveType, year: int,
    amount: Decimal, *, pending_counts: bool,
) -> None:  # fmt: skip
    if not leave_type.deducts or leave_type.allow_beyond_balance:
        return
    found = balance(tenant, membership, year)
    if found is None:
        raise ValidationError(
            _("No %(type)s allowance is set for you for %(year)d yet: ask your manager.")
            % {"type": leave_type.name.lower(), "year": year}
        )
    left = found.remaining - (found.pending if pending_counts else Decimal(0))
    if amount > left:
        raise ValidationError(
            _("That is %(amount)s %(unit)s, but only %(left)s %(unit)s of the %(year)d allowance "
              "remain (counting requests waiting for a decision).")
            % {"amount": _number(amount), "left": _number(max(left, Decimal(0))),
               "unit": found.unit_label, "year": year}
        )  # fmt: skip


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def leave_request(
    *, tenant: Tenant, membership: Membership, leave_type_id: uuid.UUID | str,
    start: dt.date, end: dt.date, start_time: dt.time | None = None,
    end_time: dt.time | None = None, note: str = "",
) -> LeaveRequest:  # fmt: skip
    """Ask for leave. Refused with a message: the last day before the first, a part day over
    several days or ending before it starts, leave overlapping leave already asked for or
    approved, a year boundary inside one request, or more than the remaining allowance."""
    if end < start:
        raise ValidationError({"end_date": _("The last day is before the first day.")})
    if (start_time is None) != (end_time is None):
        raise ValidationError(_("For part of a day, give both times."))
    if start_time is not None and end_time is not None:
        if start != end:
            raise ValidationError(_("Part of a day is for one day only: make the last day the "
                                    "same as the first."))  # fmt: skip
        if end_time <= start_time:
            raise ValidationError({"end_time": _("The end time is before the start time.")})
    if start.year != end.year:
        raise ValidationError(_("Leave across the new year: ask for each year's days separately."))
    if (end - start).days > 366:
        raise ValidationError(_("Ask for at most a year at a time."))
    with tenant_context(tenant), transaction.atomic():
        # One person's requests one at a time, so two at once cannot both pass the balance.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        leave_type = LeaveType.objects.filter(
            tenant=tenant, pk=leave_type_id, is_active=True
        ).first()
        if leave_type is None:
            raise ValidationError({"leave_type": _("Choose a type of leave from the list.")})
        clash = LeaveRequest.objects.filter(
            tenant=tenant, membership=membership, start_date__lte=end, end_date__gte=start,
            status__in=[LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED],
        ).first()  # fmt: skip
        if clash is not None:
            raise ValidationError(
                _("You already have leave %(status)s from %(start)s to %(end)s.")
                % {"status": clash.get_status_display().lower(),
                   "start": f"{clash.start_date:%d %b}", "end": f"{clash.end_date:%d %b %Y}"}
            )  # fmt: skip
        allowance = allowance_of(tenant, membership, start.year)
        unit = allowance.unit if allowance else LeaveUnit.DAYS
        amount = leave_amount(tenant=tenant, membership=membership, start=start, end=end,
                              start_time=start_time, end_time=end_time, unit=unit)  # fmt: skip
        _check_balance(tenant, membership, leave_type, start.year, amount, pending_counts=True)
        row = LeaveRequest(
            membership=membership, leave_type=leave_type, start_date=start, end_date=end,
            start_time=start_time, end_time=end_time, amount=amount, unit=unit,
            note=note.strip(),
        )  # fmt: skip
        row.full_clean(exclude=["tenant", "membership", "leave_type"])
        row.save()
        emit("leave.requested", tenant=tenant, user=membership.user, target=row,
             data={"type": leave_type.name, "amount": str(amount), "unit": unit})  # fmt: skip
        _email_approvers(tenant, membership, row)
    return row


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


def _email_approvers(tenant: Tenant, membership: Membership, row: LeaveRequest) -> None:
    name = membership.user.display_name
    subject = _("Leave request from %(name)s") % {"name": name}
    body = _(
        "%(name)s asks for %(type)s from %(start)s to %(end)s. Answer it in %(company)s, "
        "under Leave."
    ) % {
        "name": name, "type": row.leave_type.name.lower(), "start": f"{row.start_date:%d %B}",
        "end": f"{row.end_date:%d %B %Y}", "company": tenant.name,
    }  # fmt: skip
    for person in approvers(tenant):
        if person.pk != membership.pk:
            transaction.on_commit(functools.partial(
                send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [person.user.email]
            ))  # fmt: skip


def leave_decide(
    *, tenant: Tenant, actor: Membership, leave: LeaveRequest, approve: bool, comment: str,
) -> LeaveRequest:  # fmt: skip
    """Approve or decline a pending request (declining needs a comment). Approving checks the
    balance again, as other leave may have been approved meanwhile."""
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why you decline; the person sees it.")})
    with tenant_context(tenant), transaction.atomic():
        row = (
            LeaveRequest.objects.select_for_update(of=("self",))
            .select_related("leave_type", "membership__user")
            .get(tenant=tenant, pk=leave.pk)
        )
        if row.status != LeaveRequest.Status.PENDING:
            raise ValidationError(
                _("This request is already %(status)s.")
                % {"status": row.get_status_display().lower()}
            )
        if row.membership_id == actor.pk:
            raise ValidationError(_("Someone else must decide on your own leave."))
        if approve:
            _check_balance(tenant, row.membership, row.leave_type, row.start_date.year,
                           row.amount, pending_counts=False)  # fmt: skip
        row.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.DECLINED
        row.decided_by, row.decided_at, row.decision_comment = actor, timezone.now(), comment
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        emit("leave.approved" if approve else "leave.declined", tenant=tenant, user=actor.user,
             target=row)  # fmt: skip
        verdict = _("approved") if approve else _("declined")
        subject = _("Your leave request was %(verdict)s") % {"verdict": verdict}
        body = _("%(type)s from %(start)s to %(end)s: %(verdict)s.") % {
            "type": row.leave_type.name, "start": f"{row.start_date:%d %B}",
            "end": f"{row.end_date:%d %B %Y}", "verdict": verdict,
        }  # fmt: skip
        if comment:
            body += "\n\n" + comment
        transaction.on_commit(functools.partial(
            send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, [row.membership.user.email]
        ))  # fmt: skip
    return row


def leave_cancel(*, tenant: Tenant, membership: Membership, leave: LeaveRequest) -> bool:
    """The person withdraws a request still waiting for a decision."""
    with tenant_context(tenant), transaction.atomic():
        updated = LeaveRequest.objects.filter(
            tenant=tenant, pk=leave.pk, membership=membership, status=LeaveRequest.Status.PENDING
        ).update(status=LeaveRequest.Status.CANCELLED, decided_at=timezone.now())
        if updated:
            emit("leave.cancelled", tenant=tenant, user=membership.user, target=leave)
    return bool(updated)


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


Interval = tuple[dt.datetime, dt.datetime, str]


def approved_leave(
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    members: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[Interval]]:
    """Approved leave overlapping [start, end), per membership (of `members`, None: everyone),
    as UTC intervals in the company's time zone (a whole day is midnight to midnight). One
    query; call it inside the tenant's context (the rules read it for every check)."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    query = LeaveRequest.objects.filter(
        tenant=tenant, status=LeaveRequest.Status.APPROVED, start_date__lte=last,
        end_date__gte=first,
    )  # fmt: skip
    if members is not None:
        query = query.filter(membership_id__in=list(members))
    # Plain values, not model instances: every rule check and the rota read this.
    rows = query.order_by("start_date", "start_time").values_list(
        "membership_id", "start_date", "start_time", "end_date", "end_time", "leave_type__name"
    )
    found: dict[uuid.UUID, list[Interval]] = {}
    for member_id, start_date, start_time, end_date, end_time, label in rows:
        begin = dt.datetime.combine(start_date, start_time or dt.time.min, tzinfo=zone)
        found.setdefault(member_id, []).append(
            (begin.astimezone(dt.UTC), _end_of(end_date, end_time, zone), label)
        )
    return found


def _end_of(end_date: dt.date, end_time: dt.time | None, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    if end_time is not None:
        return dt.datetime.combine(end_date, end_time, tzinfo=zone).astimezone(dt.UTC)
    next_day = end_date + dt.timedelta(days=1)
    return dt.datetime.combine(next_day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)
