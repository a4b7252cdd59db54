"""Writes of timesheets: a manager's correction of a punch (with a reason, the original kept),
approval (which locks the period), unlocking (a permission of its own), and the person's answer."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from attendance.access import require_managed
from attendance.models import Break, Punch, PunchEdit, Timesheet
from attendance.periods import locked_on, period_for
from attendance.settings import attendance_settings
from attendance.timesheets.selectors import sheets
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import Permission


def _require(actor: Membership, permission: Permission) -> None:
    if not actor.has(permission):
        raise PermissionDenied


def _not_own(actor: Membership, person_id: object) -> None:
    """A manager's own hours are corrected and approved by someone else; those who may unlock
    approved timesheets (owners and admins) may do their own."""
    if actor.pk == person_id and not actor.has(Permission.UNLOCK_TIMESHEETS):
        raise ValidationError(_("Ask another manager to correct or approve your own timesheet."))


def _period_row(
    tenant: Tenant, membership: Membership, day: dt.date
) -> tuple[dt.date, dt.date, Timesheet | None]:
    """The person's pay period holding `day`: an approved one as stored, else by the current
    settings (cut short where it meets an approved one); its row locked for the write."""
    return period_for(tenant, attendance_settings(tenant), membership.pk, day, lock=True)


def _locked_message() -> ValidationError:
    return ValidationError(
        _("This timesheet is approved and locked: nothing in it can change until someone who "
          "may unlock timesheets unlocks it.")
    )  # fmt: skip


def punch_correct(
    *,
    tenant: Tenant,
    actor: Membership,
    punch: Punch,
    clock_in_at: dt.datetime,
    clock_out_at: dt.datetime | None,
    reason: str,
    request: HttpRequest | None = None,
) -> PunchEdit:
    """Change a punch's times (a missed clock-out, a wrong clock-in). The reason is required,
    the times before and after are kept, and nothing changes in an approved period."""
    _require(actor, Permission.APPROVE_TIMESHEETS)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why you are changing the times."))
    if clock_out_at is not None and clock_out_at <= clock_in_at:
        raise ValidationError(_("Clocking out must come after clocking in."))
    if clock_in_at > timezone.now() or (clock_out_at and clock_out_at > timezone.now()):
        raise ValidationError(_("A punch cannot be in the future."))
    with tenant_context(tenant), transaction.atomic():
        # The person first, as approval does: a correction and an approval of the same period
        # at once are then one after the other, never both.
        person = (
            Membership.objects.select_for_update()
            .filter(tenant=tenant, pk=punch.membership_id)
            .first()
        )
        if person is None:
            raise ValidationError(_("This punch is no longer there."))
        require_managed(actor, person)
        _not_own(actor, person.pk)
        row = Punch.objects.select_for_update().select_related("site").get(tenant=tenant,
                                                                           pk=punch.pk)  # fmt: skip
        zone = zoneinfo.ZoneInfo(row.site.time_zone)
        days = [instant.astimezone(zone).date() for instant in (row.clock_in_at, clock_in_at)]
        if locked_on(tenant, row.membership_id, days):  # by the stored approved periods
            raise _locked_message()
        if clock_out_at is None and row.clock_out_at is not None:
            raise ValidationError(_("Give the time they clocked out."))
        overlapping = Punch.objects.filter(
            tenant=tenant, membership=row.membership, clock_in_at__lt=clock_out_at or clock_in_at,
            clock_out_at__gt=clock_in_at,
        ).exclude(pk=row.pk)  # fmt: skip
        if clock_out_at is not None and overlapping.exists():
            raise ValidationError(_("These times overlap another punch of the same person."))
        edit = PunchEdit(
            tenant=tenant, punch=row, editor=actor, reason=reason,
            before_in=row.clock_in_at, before_out=row.clock_out_at,
            after_in=clock_in_at, after_out=clock_out_at,
        )  # fmt: skip
        edit.full_clean()
        edit.save()
        row.clock_in_at, row.clock_out_at, row.edited = clock_in_at, clock_out_at, True
        row.save(update_fields=["clock_in_at", "clock_out_at", "edited"])
        if clock_out_at is not None:  # a break left running ends with the punch
            Break.objects.filter(tenant=tenant, punch=row, end_at__isnull=True).update(
                end_at=clock_out_at
            )
        emit(Event.PUNCH_CORRECTED, tenant=tenant, user=actor.user, request=request, target=row,
             data={"member": str(row.membership_id),
                   "day": clock_in_at.astimezone(zone).date().isoformat()})  # fmt: skip
    return edit


def timesheet_approve(
    *,
    tenant: Tenant,
    actor: Membership,
    membership: Membership,
    day: dt.date,
    request: HttpRequest | None = None,
) -> Timesheet:
    """Approve the person's pay period holding `day`: its paid and overtime minutes are kept
    for payroll and the period is locked. Refused while a punch is still open."""
    _require(actor, Permission.APPROVE_TIMESHEETS)
    with tenant_context(tenant), transaction.atomic():
        require_managed(actor, membership)
        _not_own(actor, membership.pk)
        Membership.objects.select_for_update().filter(tenant=tenant, pk=membership.pk).first()
        start, end, row = _period_row(tenant, membership, day)
        if row is not None and row.is_locked:
            raise ValidationError(_("This timesheet is already approved."))
        settings = attendance_settings(tenant)
        [sheet] = sheets(tenant, settings, [membership], start, end)
        if sheet.has_open_punch:
            raise ValidationError(
                _("A punch in this period has no clock-out: correct it before approving.")
            )
        row = row or Timesheet(tenant=tenant, membership=membership, period_start=start)
        # Stored as approved: the period and every day's figures, which no later change of
        # the settings moves (an open row's end follows the current period).
        row.period_end = end
        row.status = Timesheet.Status.APPROVED
        row.approved_by, row.approved_at = actor, timezone.now()
        row.approved_minutes = sheet.worked_minutes
        row.approved_overtime_minutes = sheet.overtime_minutes
        row.approved_days = sheet.snapshot(str(settings.overtime_multiplier))
        row.save()
        emit(Event.TIMESHEET_APPROVED, tenant=tenant, user=actor.user, request=request,
             target=row, data={"member": str(membership.pk), "from": start.isoformat(),
                               "to": end.isoformat()})  # fmt: skip
    return row


def timesheet_unlock(
    *,
    tenant: Tenant,
    actor: Membership,
    membership: Membership,
    day: dt.date,
    request: HttpRequest | None = None,
) -> Timesheet:
    """Reopen an approved timesheet (permission "unlock timesheets"); payroll falls back to
    scheduled hours for it until it is approved again."""
    _require(actor, Permission.UNLOCK_TIMESHEETS)
    with tenant_context(tenant), transaction.atomic():
        require_managed(actor, membership)
        start, end, row = _period_row(tenant, membership, day)
        if row is None or not row.is_locked:
            raise ValidationError(
                _("This timesheet is not approved, so there is nothing to unlock.")
            )
        row.status = Timesheet.Status.OPEN
        row.approved_by = row.approved_at = None
        row.approved_minutes = row.approved_overtime_minutes = None
        row.approved_days = []
        row.save(update_fields=["status", "approved_by", "approved_at", "approved_minutes",
                                "approved_overtime_minutes", "approved_days"])  # fmt: skip
        emit(Event.TIMESHEET_UNLOCKED, tenant=tenant, user=actor.user, request=request,
             target=row, data={"member": str(membership.pk), "from": start.isoformat(),
                               "to": end.isoformat()})  # fmt: skip
    return row


def timesheet_answer(
    *,
    tenant: Tenant,
    membership: Membership,
    day: dt.date,
    answer: str,
    note: str,
    request: HttpRequest | None = None,
) -> Timesheet:
    """The person confirms their timesheet, or queries it with a note for the manager."""
    if answer not in {Timesheet.Answer.CONFIRMED, Timesheet.Answer.QUERIED}:
        raise ValidationError(_("Choose to confirm or to query your timesheet."))
    note = note.strip()
    if answer == Timesheet.Answer.QUERIED and not note:
        raise ValidationError(_("Say what is wrong, so that your manager can put it right."))
    with tenant_context(tenant), transaction.atomic():
        start, end, row = _period_row(tenant, membership, day)
        row = row or Timesheet(tenant=tenant, membership=membership, period_start=start,
                               period_end=end)  # fmt: skip
        if not row.is_locked:
            row.period_end = end
        row.answer, row.answer_note, row.answered_at = answer, note, timezone.now()
        row.full_clean()
        row.save()
        emit(Event.TIMESHEET_ANSWERED, tenant=tenant, user=membership.user, request=request,
             target=row, data={"from": start.isoformat(), "to": end.isoformat(),
                               "answer": str(Timesheet.Answer(answer).label).lower()})  # fmt: skip
    return row
