"""Employee self-service pages: my leave (balance, requests), my availability; and the
managers' side: answering leave requests, leave types, a person's allowance."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduling import availability, leave
from scheduling.models import AvailabilityKind, LeaveRequest, LeaveType, LeaveUnit
from scheduling.selectors import today_in
from tenancy.access import membership_get_or_404, tenant_object_get_or_404
from tenancy.context import tenant_context
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, permission_denied, require_permission, tenant_view
from tenancy.permissions import Permission

WEEKDAYS = [(i, name) for i, name in enumerate(
    [gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
     gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
     gettext_lazy("Sunday")])]  # fmt: skip
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class LeaveRequestForm(forms.Form):
    leave_type = forms.ChoiceField(label=gettext_lazy("Type of leave"))
    start_date = forms.DateField(label=gettext_lazy("First day"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("Last day"), widget=DATE)
    part_day = forms.BooleanField(label=gettext_lazy("Only part of the day"), required=False)
    start_time = forms.TimeField(label=gettext_lazy("From"), required=False, widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME)
    note = forms.CharField(label=gettext_lazy("Note for your manager (optional)"),
                           required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, types: list[LeaveType], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["leave_type"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(str(t.pk), t.name) for t in types]


@tenant_view
def my_leave(request: TenantRequest) -> HttpResponse:
    """The person's balance for this year, a request form, and their requests."""
    tenant, me = request.tenant, request.membership
    types = leave.leave_types(tenant, active_only=True)
    form = LeaveRequestForm(types, request.POST if "request" in request.POST else None)
    if request.method == "POST" and "cancel" in request.POST:
        with tenant_context(tenant):
            row = tenant_object_get_or_404(LeaveRequest, tenant=tenant, id=request.POST["cancel"])
        if leave.leave_cancel(tenant=tenant, membership=me, leave=row):
            messages.success(request, _("Your leave request is cancelled."))
        else:
            messages.error(request, _("Only your own requests still waiting can be cancelled."))
        return redirect(request.path)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        part = data["part_day"]
        try:
            leave.leave_request(
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
        request, "scheduling/my_leave.html",
        {"form": form, "balance": leave.balance(tenant, me, year), "year": year,
         "requests": leave.requests_of(tenant, me)},
        status=400 if form.errors else 200,
    )  # fmt: skip


class DecisionForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=1000)


class LeaveTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    deducts = forms.BooleanField(label=gettext_lazy("Counts against the yearly allowance"),
                                 required=False)  # fmt: skip
    allow_beyond_balance = forms.BooleanField(
        label=gettext_lazy("May be requested beyond the remaining allowance"), required=False
    )


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
            leave.leave_decide(tenant=tenant, actor=me, leave=row,
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
                leave.leave_type_save(tenant=tenant, actor=me, leave_type=None,
                                      **type_form.cleaned_data)  # fmt: skip
            except ValidationError as error:
                add_service_errors(type_form, error)
            else:
                messages.success(request, _("Leave type added."))
                return redirect(request.path)
    types = leave.leave_types(tenant)
    with tenant_context(tenant):
        decided = Paginator(leave.decided_requests(tenant), 25).get_page(request.GET.get("page"))
        return TemplateResponse(
            request, "scheduling/leave_requests.html",
            {"pending": leave.pending_requests(tenant), "decided": decided, "errors": errors,
             "types": types, "type_form": type_form},
            status=400 if (errors or type_form.errors) else 200,
        )  # fmt: skip


class AllowanceForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=gettext_lazy("Allowance"), min_value=0, max_value=2000,
                                decimal_places=2)  # fmt: skip
    unit = forms.ChoiceField(label=gettext_lazy("In"), choices=LeaveUnit.choices)


@tenant_view
def member_leave(request: TenantRequest, membership_id: str) -> HttpResponse:
    """A person's yearly allowance (set by whoever approves leave) and their requests."""
    tenant, me = request.tenant, request.membership
    if not me.has(Permission.APPROVE_LEAVE):
        return permission_denied(request, Permission.APPROVE_LEAVE)
    person = membership_get_or_404(tenant=tenant, id=membership_id)
    year = int(request.GET.get("year") or today_in(tenant).year)
    current = leave.allowance_of(tenant, person, year)
    form = AllowanceForm(request.POST or None, initial={
        "year": year, "amount": current.amount if current else None,
        "unit": current.unit if current else LeaveUnit.DAYS,
    })  # fmt: skip
    if request.method == "POST" and form.is_valid():
        leave.allowance_set(tenant=tenant, actor=me, membership=person, **form.cleaned_data)
        messages.success(request, _("Allowance saved."))
        return redirect(f"{request.path}?year={form.cleaned_data['year']}")
    with tenant_context(tenant):
        from tenancy.models import Membership

        person = Membership.objects.select_related("user").get(pk=person.pk)
    return TemplateResponse(
        request, "scheduling/member_leave.html",
        {"person": person, "form": form, "year": year,
         "balance": leave.balance(tenant, person, year),
         "requests": leave.requests_of(tenant, person)},
        status=400 if form.errors else 200,
    )  # fmt: skip


class WeeklyForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label=gettext_lazy("From"), widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME,
                               help_text=gettext_lazy("Empty: until midnight."))  # fmt: skip
    kind = forms.ChoiceField(label=gettext_lazy("I am"),
                             choices=AvailabilityKind.choices[:2])  # fmt: skip


class DateChangeForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    kind = forms.ChoiceField(label=gettext_lazy("That day I am"), choices=[
        AvailabilityKind.choices[0], AvailabilityKind.choices[2]])  # fmt: skip
    start_time = forms.TimeField(label=gettext_lazy("From"), required=False, widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME,
                               help_text=gettext_lazy("Both empty: all day."))  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=200)


@tenant_view
def my_availability(request: TenantRequest) -> HttpResponse:
    """Weekly times one cannot work (or prefers to), and changes on particular dates."""
    tenant, me = request.tenant, request.membership
    today = today_in(tenant)
    weekly_form = WeeklyForm(request.POST if "add_weekly" in request.POST else None,
                             prefix="weekly")  # fmt: skip
    date_form = DateChangeForm(request.POST if "add_date" in request.POST else None,
                               prefix="date", initial={"date": today})  # fmt: skip
    if request.method == "POST" and "remove" in request.POST:
        if availability.remove(tenant=tenant, membership=me, row_id=_uuid(request.POST["remove"])):
            messages.success(request, _("Removed."))
        return redirect(request.path)
    try:
        if request.method == "POST" and "add_weekly" in request.POST and weekly_form.is_valid():
            d = weekly_form.cleaned_data
            availability.weekly_add(
                tenant=tenant, membership=me, weekday=d["weekday"], start=d["start_time"],
                end=d["end_time"], kind=d["kind"],
            )  # fmt: skip
            messages.success(request, _("Saved. Your managers see it on the rota."))
            return redirect(request.path)
        if request.method == "POST" and "add_date" in request.POST and date_form.is_valid():
            d = date_form.cleaned_data
            availability.exception_add(
                tenant=tenant, membership=me, day=d["date"], kind=d["kind"],
                start=d["start_time"], end=d["end_time"], note=d["note"], today=today,
            )  # fmt: skip
            messages.success(request, _("Saved. Your managers see it on the rota."))
            return redirect(request.path)
    except ValidationError as error:
        add_service_errors(weekly_form if "add_weekly" in request.POST else date_form, error)
    weekly = availability.weekly_of(tenant, me)
    names = dict(WEEKDAYS)
    return TemplateResponse(
        request, "scheduling/my_availability.html",
        {"weekly": [(names[w.weekday], w) for w in weekly], "weekly_form": weekly_form,
         "date_form": date_form, "changes": availability.exceptions_of(tenant, me, since=today)},
        status=400 if (weekly_form.errors or date_form.errors) else 200,
    )  # fmt: skip


def _uuid(value: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(value))
    except ValueError:
        return str(uuid.UUID(int=0))
