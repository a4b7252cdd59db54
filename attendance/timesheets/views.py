"""Timesheets: the managers' list per pay period, one person's timesheet (correct a punch,
approve, unlock), and the employee's own (confirm or query)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from attendance.access import people_managed, require_managed
from attendance.models import AttendanceSettings, Punch, Timesheet
from attendance.periods import period_for
from attendance.settings import attendance_settings, period_of
from attendance.timesheets import services
from attendance.timesheets.forms import AnswerForm, CorrectionForm, PeriodForm
from attendance.timesheets.selectors import VARIANCE_LABELS, sheets
from scheduling.time import local_midnight, today_in
from tenancy.access import membership_get_or_404, tenant_object_get_or_404
from tenancy.http import TenantRequest, permission_denied, require_permission, tenant_view
from tenancy.models import Membership
from tenancy.permissions import Permission


def _period(
    request: TenantRequest, person: Membership | None = None
) -> tuple[AttendanceSettings, dt.date, dt.date]:
    """The company's settings (read once) and the pay period asked for (?start=, or today's):
    by the settings for everyone, or `person`'s own (an approved one as it was stored)."""
    settings = attendance_settings(request.tenant)
    form = PeriodForm(request.GET)
    day = (form.cleaned_data.get("start") if form.is_valid() else None) or today_in(request.tenant)
    if person is not None:
        start, end, _row = period_for(request.tenant, settings, person.pk, day)
    else:
        start, end = period_of(settings, day)
    return settings, start, end


def _nav(start: dt.date, end: dt.date) -> dict[str, object]:
    return {"start": start, "end": end, "previous": start - dt.timedelta(days=1),
            "next": end + dt.timedelta(days=1), "labels": VARIANCE_LABELS}  # fmt: skip


@tenant_view
@require_permission(Permission.APPROVE_TIMESHEETS)
def timesheet_list(request: TenantRequest) -> HttpResponse:
    """Everyone's timesheet for one pay period: scheduled against worked, variances, status.
    People who left during the period or since are on it too (marked), so that their last
    hours can be approved and paid; like everyone, only if they have hours in it."""
    settings, start, end = _period(request)
    since = local_midnight(start, zoneinfo.ZoneInfo(request.tenant.time_zone))
    still_there = ~Q(status=Membership.Status.LEFT)
    left_since = Q(left_at__gte=since - dt.timedelta(days=1))  # site zones may differ
    people = list(
        people_managed(request.membership).filter(still_there | left_since)
        .select_related("user").order_by("user__full_name", "pk")
    )  # fmt: skip
    rows = sheets(request.tenant, settings, people, start, end)
    rows = [r for r in rows if r.scheduled_minutes or any(d.punches for d in r.days)]
    return TemplateResponse(request, "attendance/timesheets/list.html",
                            {"sheets": rows, **_nav(start, end)})  # fmt: skip


@tenant_view
@require_permission(Permission.APPROVE_TIMESHEETS)
def timesheet_detail(request: TenantRequest, membership_id: str) -> HttpResponseBase:
    """One person's timesheet. POST action=correct (a punch's times, with a reason),
    approve, or unlock (which needs "unlock timesheets")."""
    person = membership_get_or_404(tenant=request.tenant, id=membership_id)
    require_managed(request.membership, person)  # a manager of some sites: only their people
    settings, start, end = _period(request, person)
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    correction = CorrectionForm()
    if request.method == "POST":
        action = request.POST.get("action")
        tenant, me = request.tenant, request.membership
        try:
            if action == "approve":
                services.timesheet_approve(tenant=tenant, actor=me, membership=person, day=start,
                                           request=request)  # fmt: skip
                messages.success(request, _("Timesheet approved and locked."))
            elif action == "unlock":
                if not me.has(Permission.UNLOCK_TIMESHEETS):
                    return permission_denied(request, Permission.UNLOCK_TIMESHEETS)
                services.timesheet_unlock(tenant=tenant, actor=me, membership=person, day=start,
                                          request=request)  # fmt: skip
                messages.success(request, _("Timesheet unlocked."))
            elif action == "correct":
                correction = CorrectionForm(request.POST)
                if correction.is_valid():
                    punch_id = correction.cleaned_data["punch"]
                    punch = tenant_object_get_or_404(Punch, tenant=tenant, id=punch_id)
                    if punch.membership_id != person.pk:
                        raise ValidationError(_("That punch is not on this timesheet."))
                    zone = punch.site.time_zone
                    clock_in = correction.at_site("clock_in", zone)
                    assert clock_in is not None  # noqa: S101 (a required field)
                    services.punch_correct(
                        tenant=tenant, actor=me, punch=punch, clock_in_at=clock_in,
                        clock_out_at=correction.at_site("clock_out", zone),
                        reason=correction.cleaned_data["reason"], request=request,
                    )  # fmt: skip
                    messages.success(request, _("Punch corrected; the original times are kept."))
                else:
                    messages.error(request, _("Check the times and give a reason."))
                    for errors in correction.errors.values():
                        for message in errors:
                            messages.error(request, str(message))
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            return permission_denied(request, Permission.UNLOCK_TIMESHEETS)
        url = request.path + "?" + urlencode({"start": start.isoformat()})
        return redirect(url)
    [sheet] = sheets(request.tenant, settings, [person], start, end)
    return TemplateResponse(request, "attendance/timesheets/detail.html",
                            {"sheet": sheet, "person": person, "correction": correction,
                             "can_unlock": request.membership.has(Permission.UNLOCK_TIMESHEETS),
                             **_nav(start, end)})  # fmt: skip


@tenant_view
def my_timesheet(request: TenantRequest) -> HttpResponseBase:
    """The member's own timesheet for a pay period; POST confirms it or queries it."""
    settings, start, end = _period(request, request.membership)
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.method == "POST":
        form = AnswerForm(request.POST)
        if form.is_valid():
            try:
                services.timesheet_answer(
                    tenant=request.tenant, membership=request.membership, day=start,
                    answer=form.cleaned_data["answer"], note=form.cleaned_data["note"],
                    request=request,
                )  # fmt: skip
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                done = form.cleaned_data["answer"] == Timesheet.Answer.CONFIRMED
                messages.success(request, _("Thank you: confirmed.") if done
                                 else _("Your query was sent with your timesheet."))  # fmt: skip
        else:
            messages.error(request, _("Choose to confirm or to query your timesheet."))
        return redirect(request.path + "?" + urlencode({"start": start.isoformat()}))
    [sheet] = sheets(request.tenant, settings, [request.membership],
                     start, end)  # fmt: skip
    return TemplateResponse(request, "attendance/timesheets/mine.html",
                            {"sheet": sheet, "form": AnswerForm(), **_nav(start, end)})  # fmt: skip
