"""Payroll from actuals: the CSV (approved hours where they exist, scheduled otherwise, marked)
and the summary of scheduled against actual hours and cost. Permission "export payroll"; pay
only for those who may also see personal data, as in scheduling's export."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.template.response import TemplateResponse

from accounts.events import Event, emit
from attendance import payroll
from scheduling.rota.forms import PayrollForm
from scheduling.rota.payroll import csv_download
from scheduling.rules.facts import scheduling_settings
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.permissions import Permission


@tenant_view
@require_permission(Permission.EXPORT_PAYROLL)
def payroll_actuals(request: TenantRequest) -> HttpResponse | StreamingHttpResponse:
    """The form; with dates, the CSV, streamed and audited like scheduling's payroll export."""
    form = PayrollForm(request.GET or None)
    if not form.is_valid():
        return TemplateResponse(request, "attendance/payroll/actuals.html", {"form": form},
                                status=400 if form.errors else 200)  # fmt: skip
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    with_pay = request.membership.has(Permission.VIEW_PERSONAL_DATA)
    rows = payroll.actual_rows(request.membership, start, end, with_pay=with_pay)
    emit(Event.PAYROLL_EXPORTED, tenant=request.tenant, user=request.user, request=request,
         data={"from": start.isoformat(), "to": end.isoformat()})  # fmt: skip

    name = f"payroll-actual-{request.tenant.slug}-{start.isoformat()}-{end.isoformat()}.csv"
    return csv_download(name, payroll.COLUMNS, rows)


@tenant_view
@require_permission(Permission.EXPORT_PAYROLL)
def payroll_summary(request: TenantRequest) -> HttpResponse:
    """Scheduled against actual hours (and cost, with pay rates) by site, position, person."""
    form = PayrollForm(request.GET or None)
    context: dict[str, object] = {"form": form}
    if form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        with_pay = request.membership.has(Permission.VIEW_PERSONAL_DATA)
        context |= {
            "summary": payroll.summary(request.membership, start, end, with_pay=with_pay),
            "with_pay": with_pay, "currency": scheduling_settings(request.tenant).currency,
            "start": start, "end": end,
        }  # fmt: skip
    return TemplateResponse(request, "attendance/payroll/summary.html", context,
                            status=400 if form.errors else 200)  # fmt: skip
