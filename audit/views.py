"""The auditor's pages: the filtered log, one entry with its changes, and the exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode

from accounts.events import emit
from audit import chain
from audit.exports import csv_lines, jsonl_lines
from audit.forms import AuditFilterForm
from audit.models import AuditEntry
from audit.selectors import audit_page, filter_choices
from tenancy.access import tenant_object_get_or_404
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.permissions import Permission


def _filter_form(request: TenantRequest) -> AuditFilterForm:
    return AuditFilterForm(request.GET or None, **filter_choices(request.tenant))


def _invalid_filter(request: TenantRequest, form: AuditFilterForm) -> HttpResponse:
    """The log page with the filter's errors and no entries (status 400)."""
    context = {"form": form, "entries": [], "next_before": None}
    return TemplateResponse(request, "audit/log.html", context, status=400)


@tenant_view
@require_permission(Permission.VIEW_AUDIT_LOG)
def audit_log(request: TenantRequest) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET"])
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return _invalid_filter(request, form)
    filters = form.cleaned_data if form.is_bound else {}
    entries, next_before = audit_page(request.tenant, filters)
    query = {k: str(v) for k, v in request.GET.items() if k != "before" and v}
    context: dict[str, Any] = {
        "form": form,
        "entries": entries,
        "next_before": next_before,
        "query": urlencode(query),
        "can_export": request.membership.has(Permission.EXPORT_AUDIT_LOG),
    }
    return TemplateResponse(request, "audit/log.html", context)


@tenant_view
@require_permission(Permission.VIEW_AUDIT_LOG)
def audit_entry(request: TenantRequest, entry_id: str) -> HttpResponse:
    entry = tenant_object_get_or_404(AuditEntry, tenant=request.tenant, id=entry_id)
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET"])
    changes = []
    for field, values in (entry.changes or {}).items():
        if isinstance(values, list) and len(values) == 2:
            changes.append({"field": field, "before": values[0], "after": values[1]})
        else:
            changes.append({"field": field, "before": "", "after": values})
    context = {
        "entry": entry,
        "changes": changes,
        "hash_ok": chain.entry_hash(entry) == entry.entry_hash,
        "details_ok": entry.redacted_at is not None
        or chain.changes_digest(entry) == entry.changes_digest,
    }
    return TemplateResponse(request, "audit/entry.html", context)


@tenant_view
@require_permission(Permission.EXPORT_AUDIT_LOG)
def audit_export(request: TenantRequest, fmt: str) -> HttpResponseBase:
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET"])
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return _invalid_filter(request, form)
    filters = dict(form.cleaned_data) if form.is_bound else {}
    filters.pop("before", None)
    described = {k: str(v) for k, v in filters.items() if v}
    emit("audit.exported", tenant=request.tenant, user=request.user, request=request,
         target=request.tenant, data={"format": fmt, "filters": described})  # fmt: skip
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"audit-{request.tenant.slug}-{stamp}.{fmt}"
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(request.tenant, filters),
                                         content_type="text/csv; charset=utf-8")  # fmt: skip
    else:
        response = StreamingHttpResponse(
            jsonl_lines(request.tenant, filters), content_type="application/x-ndjson; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
