"""Leave and availability pages: my leave, my availability (and shift wishes), the managers'
requests, a person's allowances."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduling.leave import selectors as leave_selectors
from scheduling.leave import services as leave_services
from scheduling.leave.forms import (
    WEEKDAYS,
    YEAR_BOUNDS,
    AllowanceForm,
    DateChangeForm,
    DecisionForm,
    LeaveRequestForm,
    LeaveTypeForm,
    WeeklyForm,
    WishForm,
)
from scheduling.models import LeaveRequest, LeaveUnit
from scheduling.time import today_in
from tenancy.access import membership_get_or_404, tenant_object_get_or_404
from tenancy.context import tenant_context
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, permission_denied, require_permission, tenant_view
from tenancy.permissions import Permission


@tenant_view
def my_leave(request: TenantRequest) -> HttpResponse:
    """The person's balance for this year, a request form, and their requests."""
    tenant, me = request.tenant, request.membership
    types = leave_services.leave_types(tenant, active_only=True)
    form = LeaveRequestForm(types, request.POST if "request" in request.POST else None)
    if request.method == "POST" and "cancel" in request.POST:
        with tenant_context(tenant):
            row = tenant_object_get_or_404(LeaveRequest, tenant=tenant, id=request.POST["cancel"])
        if leave_services.leave_cancel(tenant=tenant, membership=me, leave=row):
            messages.success(request, _("Your leave request is cancelled."))
        else:
            messages.error(request, _("Only your own requests still waiting can be cancelled."))
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        part = data["part_day"]
        try:
            leave_services.leave_request(
                tenant=tenant, membership=me, leave_type_id=data["leave_type"],
                start=data["start_date"], end=data["end_date"],
                start_time=data["start_time"] if part else None,
                end_time=data["end_time"] if part else None, note=data["note"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Leave requested. Your manager has been told."))
            return redirect(request.path)
    year = today_in(tenant).year
    return TemplateResponse(
        request, "scheduling/leave/my_leave.html",
        {"form": form, "balance": leave_selectors.balance(tenant, me, year), "year": year,
         "requests": leave_selectors.requests_of(tenant, me)},
        status=400 if form.errors else 200,
    )  # fmt: skip


@tenant_view
@require_permission(Permission.APPROVE_LEAVE)
def leave_requests(request: TenantRequest) -> HttpResponse:
    """Requests waiting for a decision (approve, or decline with a comment), recent decisions,
    and (with "manage settings") the leave types."""
    tenant, me = request.tenant, request.membership
    type_form = LeaveTypeForm(request.POST if "add_type" in request.POST else None)
    errors: dict[str, str] = {}
    if request.method == "POST" and "leave" in request.POST:
        with tenant_context(tenant):
            row = tenant_object_get_or_404(LeaveRequest, tenant=tenant, id=request.POST["leave"])
        decision = DecisionForm(request.POST)
        decision.is_valid()
        try:
            leave_services.leave_decide(tenant=tenant, actor=me, leave=row,
                               approve=request.POST.get("decision") == "approve",
                               comment=decision.cleaned_data.get("comment", ""))  # fmt: skip
        except ValidationError as error:
            errors[str(row.pk)] = " ".join(error.messages)
        else:
            messages.success(request, _("Decision saved; the person has been told."))
            return redirect(request.path)
    if request.method == "POST" and "add_type" in request.POST:
        if not me.has(Permission.MANAGE_SETTINGS):
            return permission_denied(request, Permission.MANAGE_SETTINGS)
        if type_form.is_valid():
            try:
                leave_services.leave_type_save(tenant=tenant, actor=me, leave_type=None,
                                      **type_form.cleaned_data)  # fmt: skip
            except ValidationError as error:
                add_service_errors(type_form, error)
            else:
                messages.success(request, _("Leave type added."))
                return redirect(request.path)
    types = leave_services.leave_types(tenant)
    with tenant_context(tenant):
        decided = Paginator(leave_selectors.decided_requests(tenant), 25).get_page(
            request.GET.get("page")
        )
        return TemplateResponse(
            request,
            "scheduling/leave/leave_requests.html",
            {
                "pending": leave_selectors.pending_requests(tenant),
                "decided": decided,
                "errors": errors,
                "types": types,
                "type_form": type_form,
            },
            status=400 if (errors or type_form.errors) else 200,
        )


def _year(request: TenantRequest, *, default: int) -> int:
    """?year=, when it is a year the allowance form accepts; otherwise this year, and a note."""
    text = request.GET.get("year", "")
    if not text:
        return default
    low, high = YEAR_BOUNDS
    if text.isascii() and text.isdigit() and low <= int(text) <= high:
        return int(text)
    messages.error(
        request, _("Choose a year from %(low)s to %(high)s.") % {"low": low, "high": high}
    )
    return default


@tenant_view
def member_leave(request: TenantRequest, membership_id: str) -> HttpResponse:
    """A person's yearly allowance (set by whoever approves leave) and their requests."""
    tenant, me = request.tenant, request.membership
    if not me.has(Permission.APPROVE_LEAVE):
        return permission_denied(request, Permission.APPROVE_LEAVE)
    person = membership_get_or_404(tenant=tenant, id=membership_id)
    year = _year(request, default=today_in(tenant).year)
    current = leave_selectors.allowance_of(tenant, person, year)
    form = AllowanceForm(request.POST or None, initial={
        "year": year, "amount": current.amount if current else None,
        "unit": current.unit if current else LeaveUnit.DAYS,
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        leave_services.allowance_set(
            tenant=tenant, actor=me, membership=person, **form.cleaned_data
        )
        messages.success(request, _("Allowance saved."))
        return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    with tenant_context(tenant):
        from tenancy.models import Membership

        person = Membership.objects.select_related("user").get(pk=person.pk)
    return TemplateResponse(
        request, "scheduling/leave/member_leave.html",
        {"person": person, "form": form, "year": year,
         "balance": leave_selectors.balance(tenant, person, year),
         "requests": leave_selectors.requests_of(tenant, person)},
        status=400 if form.errors else 200,
    )  # fmt: skip


_SAVED = gettext_lazy("Saved. Your managers see it on the rota.")


@tenant_view
def my_availability(request: TenantRequest) -> HttpResponse:
    """Weekly times one cannot work (or prefers to), changes on particular dates, and wishes
    for or against working on a date."""
    tenant, me = request.tenant, request.membership
    today = today_in(tenant)
    posted = None  # which of the three forms was sent
    if "add_weekly" in request.POST:
        posted = "add_weekly"
    elif "add_date" in request.POST:
        posted = "add_date"
    elif "add_wish" in request.POST:
        posted = "add_wish"
    weekly_form = WeeklyForm(request.POST if posted == "add_weekly" else None, prefix="weekly")
    date_form = DateChangeForm(request.POST if posted == "add_date" else None,
                               prefix="date", initial={"date": today})  # fmt: skip
    wish_form = WishForm(request.POST if posted == "add_wish" else None, prefix="wish",
                         initial={"date": today + dt.timedelta(days=7)})  # fmt: skip
    form = {"add_weekly": weekly_form, "add_date": date_form, "add_wish": wish_form}.get(
        posted or ""
    )
    if request.method == "POST" and "remove" in request.POST:
        if leave_services.remove(
            tenant=tenant, membership=me, row_id=_uuid(request.POST["remove"])
        ):
            messages.success(request, _("Removed."))
        return redirect(request.path)
    try:
        if request.method == "POST" and form is not None and form.is_valid():
            d = form.cleaned_data
            message = str(_SAVED)
            if posted == "add_weekly":
                leave_services.weekly_add(
                    tenant=tenant, membership=me, weekday=d["weekday"], start=d["start_time"],
                    end=d["end_time"], kind=d["kind"],
                )  # fmt: skip
            elif posted == "add_date":
                leave_services.exception_add(
                    tenant=tenant, membership=me, day=d["date"], kind=d["kind"],
                    start=d["start_time"], end=d["end_time"], note=d["note"], today=today,
                )  # fmt: skip
            else:
                wish, created = leave_services.wish_save(
                    tenant=tenant, membership=me, day=d["date"], kind=d["kind"],
                    strength=d["strength"], start=d["start_time"], end=d["end_time"],
                    note=d["note"], today=today,
                )  # fmt: skip
                if not created:
                    message = _(
                        "Changed your wish for %(date)s. Your managers see it on the rota."
                    ) % {"date": date_format(wish.date, "D j M")}
            messages.success(request, message)
            return redirect(request.path)
    except ValidationError as error:
        if form is not None:
            add_service_errors(form, error)
    weekly, changes, wishes = leave_selectors.own_availability(tenant, me, since=today)
    names = dict(WEEKDAYS)
    return TemplateResponse(
        request, "scheduling/leave/my_availability.html",
        {"weekly": [(names[w.weekday], w) for w in weekly], "weekly_form": weekly_form,
         "date_form": date_form, "changes": changes, "wish_form": wish_form, "wishes": wishes},
        status=400 if form is not None and form.errors else 200,
    )  # fmt: skip


def _uuid(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.UUID(int=0))
