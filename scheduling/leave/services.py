"""Writes of leave and availability: leave types, allowances, requests and decisions (each
notified through the one notify path), weekly availability, dated changes and shift wishes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling.leave.selectors import allowance_of, approvers, balance, leave_amount
from scheduling.messaging.services import notify
from scheduling.models import (
    Availability,
    AvailabilityException,
    LeaveAllowance,
    LeaveRequest,
    LeaveType,
    LeaveUnit,
    NotificationKind,
    ShiftWish,
)
from scheduling.rules.stored import Span, refresh_breaks, refresh_people, span_of_dates
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

# name, counts against the allowance, may go beyond the balance
DEFAULT_TYPES = [
    ("Annual leave", True, False),
    ("Sick leave", False, True),
    ("Unpaid leave", False, True),
    ("Other", False, True),
]


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
        renamed = row.pk is not None and row.name != name.strip()
        row.name, row.deducts = name.strip(), deducts
        row.allow_beyond_balance, row.is_active = allow_beyond_balance, is_active
        row.full_clean(exclude=["tenant"])
        try:
            with transaction.atomic():
                row.save()
                if renamed:  # the stored rule breaks name the leave ("on leave (Holiday)")
                    refresh_people(tenant, set(LeaveRequest.objects.filter(
                        tenant=tenant, leave_type=row, status=LeaveRequest.Status.APPROVED,
                    ).values_list("membership_id", flat=True)))  # fmt: skip
        except IntegrityError:
            raise ValidationError(
                {"name": _("There is already a leave type with this name.")}
            ) from None
    return row


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
        emit(Event.LEAVE_REQUESTED, tenant=tenant, user=membership.user, target=row,
             data={"type": leave_type.name, "amount": str(amount), "unit": unit,
                   "from": start.isoformat(), "to": end.isoformat()})  # fmt: skip
        _notify_approvers(tenant, membership, row)
    return row


def _notify_approvers(tenant: Tenant, membership: Membership, row: LeaveRequest) -> None:
    """Ask those who approve leave to decide; the notification names the person only as its
    actor, so an erasure leaves no copy of the name."""
    values = {"type": row.leave_type.name, "start": f"{row.start_date:%d %B}",
              "end": f"{row.end_date:%d %B %Y}"}  # fmt: skip
    notify(
        tenant=tenant, recipients=approvers(tenant), kind=NotificationKind.REQUEST,
        actor=membership, title=_("A leave request is waiting for you"),
        body=_("%(type)s from %(start)s to %(end)s.") % values,
        url=reverse("leave-requests", kwargs={"tenant_slug": tenant.slug}),
    )  # fmt: skip


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
        if approve:
            refresh_breaks(tenant, [_leave_span(tenant, row)])
        event = Event.LEAVE_APPROVED if approve else Event.LEAVE_DECLINED
        emit(event, tenant=tenant, user=actor.user, target=row, data={
            "member": str(row.membership_id), "type": row.leave_type.name,
            "from": row.start_date.isoformat(), "to": row.end_date.isoformat(),
        })  # fmt: skip
        verdict = _("approved") if approve else _("declined")
        body = _("%(type)s from %(start)s to %(end)s: %(verdict)s.") % {
            "type": row.leave_type.name, "start": f"{row.start_date:%d %B}",
            "end": f"{row.end_date:%d %B %Y}", "verdict": verdict,
        }  # fmt: skip
        if comment:
            body += "\n\n" + comment
        notify(
            tenant=tenant, recipients=[row.membership], kind=NotificationKind.DECISION,
            actor=actor, title=_("Your leave request was %(verdict)s") % {"verdict": verdict},
            body=body, url=reverse("my-leave", kwargs={"tenant_slug": tenant.slug}),
        )  # fmt: skip
    return row


def _leave_span(tenant: Tenant, row: LeaveRequest) -> Span:
    """The days of `row` as a span for the stored rule breaks."""
    return span_of_dates(tenant, row.membership_id, row.start_date, row.end_date)


def leave_cancel(*, tenant: Tenant, membership: Membership, leave: LeaveRequest) -> bool:
    """The person withdraws a request still waiting for a decision."""
    with tenant_context(tenant), transaction.atomic():
        updated = LeaveRequest.objects.filter(
            tenant=tenant, pk=leave.pk, membership=membership, status=LeaveRequest.Status.PENDING
        ).update(status=LeaveRequest.Status.CANCELLED, decided_at=timezone.now())
        if updated:
            emit(Event.LEAVE_CANCELLED, tenant=tenant, user=membership.user, target=leave)
    return bool(updated)


def _check_times(start: dt.time | None, end: dt.time | None) -> None:
    if start is not None and end is not None and end <= start:
        raise ValidationError({"end_time": _("The end time is before the start time.")})


def weekly_add(
    *, tenant: Tenant, membership: Membership, weekday: int, start: dt.time,
    end: dt.time | None, kind: str,
) -> Availability:  # fmt: skip
    """A recurring slot; `end` None runs to midnight. Refused if it overlaps another slot of
    the same day."""
    _check_times(start, end)
    with tenant_context(tenant), transaction.atomic():
        for other in Availability.objects.filter(tenant=tenant, membership=membership,
                                                 weekday=weekday):  # fmt: skip
            other_end = other.end_time or dt.time.max
            if start < other_end and other.start_time < (end or dt.time.max):
                raise ValidationError(_("That overlaps a time you already gave for that day."))
        row = Availability(membership=membership, weekday=weekday, start_time=start,
                           end_time=end, kind=kind)  # fmt: skip
        row.full_clean(exclude=["tenant", "membership"])
        row.save()
        refresh_people(tenant, [membership.pk])
        emit(Event.AVAILABILITY_CHANGED, tenant=tenant, user=membership.user, target=row)
    return row


def exception_add(
    *, tenant: Tenant, membership: Membership, day: dt.date, kind: str,
    start: dt.time | None = None, end: dt.time | None = None, note: str = "", today: dt.date,
) -> AvailabilityException:  # fmt: skip
    if day < today:
        raise ValidationError({"date": _("Choose today or a later date.")})
    if (start is None) != (end is None):
        raise ValidationError(_("For part of the day give both times; for all day, neither."))
    _check_times(start, end)
    with tenant_context(tenant), transaction.atomic():
        row = AvailabilityException(membership=membership, date=day, kind=kind,
                                    start_time=start, end_time=end, note=note.strip())  # fmt: skip
        row.full_clean(exclude=["tenant", "membership"])
        row.save()
        refresh_breaks(tenant, [span_of_dates(tenant, membership.pk, day, day)])
        emit(Event.AVAILABILITY_CHANGED, tenant=tenant, user=membership.user, target=row)
    return row


# How far ahead a wish may be made: the auto-scheduler plans weeks, not years.
WISH_DAYS_AHEAD = 366


def wish_save(
    *, tenant: Tenant, membership: Membership, day: dt.date, kind: str, strength: int,
    start: dt.time | None = None, end: dt.time | None = None, note: str = "", today: dt.date,
) -> tuple[ShiftWish, bool]:  # fmt: skip
    """The person's wish for `day` (all day, or from `start` until `end`): a new one, or the
    one they had for that date changed (one a day). Returns it and whether it was new."""
    if day < today:
        raise ValidationError({"date": _("Choose today or a later date.")})
    if day > today + dt.timedelta(days=WISH_DAYS_AHEAD):
        raise ValidationError({"date": _("Choose a date within the next year.")})
    if (start is None) != (end is None):
        raise ValidationError(_("For part of the day give both times; for all day, neither."))
    _check_times(start, end)
    with transaction.atomic(), tenant_context(tenant):
        row = (
            ShiftWish.objects.select_for_update()
            .filter(tenant=tenant, membership=membership, date=day)
            .first()
        )
        created = row is None
        if row is None:
            row = ShiftWish(membership=membership, date=day)
        row.kind, row.strength, row.start_time, row.end_time = kind, strength, start, end
        row.note = note.strip()
        row.full_clean(exclude=["tenant", "membership"], validate_unique=False)
        row.save()
        emit(Event.SHIFT_WISH_CHANGED, tenant=tenant, user=membership.user, target=row)
    return row, created


def remove(*, tenant: Tenant, membership: Membership, row_id: uuid.UUID | str) -> bool:
    """Delete one of the person's own slots, date changes or wishes."""
    with tenant_context(tenant), transaction.atomic():
        for model, event in (
            (Availability, Event.AVAILABILITY_CHANGED),
            (AvailabilityException, Event.AVAILABILITY_CHANGED),
            (ShiftWish, Event.SHIFT_WISH_CHANGED),
        ):
            row = model.objects.filter(tenant=tenant, membership=membership, pk=row_id).first()
            if row is not None:
                row.delete()
                if isinstance(row, Availability):
                    refresh_people(tenant, [membership.pk])
                elif isinstance(row, AvailabilityException):
                    day = row.date
                    refresh_breaks(tenant, [span_of_dates(tenant, membership.pk, day, day)])
                emit(event, tenant=tenant, user=membership.user, target=membership)
                return True
    return False
