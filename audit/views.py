"""The auditor's pages: the filtered log, one entry with its changes, and the exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.http import HttpResponse, HttpResponseNotAllowed, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from audit import chain
from audit.catalogue import model_of
from audit.exports import csv_lines, jsonl_lines
from audit.forms import AuditFilterForm
from audit.log_rows import log_rows_html
from audit.models import AuditEntry
from audit.raw_export import raw_lines
from audit.selectors import audit_page, filter_choices
from audit.sentences import Describer, EntryFacts, Person, people_of
from tenancy.access import tenant_object_get_or_404
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.permissions import Permission


def _filter_form(request: TenantRequest, people: list[Person]) -> AuditFilterForm:
    return AuditFilterForm(request.GET or None, **filter_choices(people))


def _invalid_filter(request: TenantRequest, form: AuditFilterForm) -> HttpResponse:
    """The log page with the filter's errors and no entries (status 400)."""
    context = {"form": form, "entries": [], "rows": [], "next_before": None}
    return TemplateResponse(request, "audit/log.html", context, status=400)


@tenant_view
@require_permission(Permission.VIEW_AUDIT_LOG)
def audit_log(request: TenantRequest) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET"])
    people = people_of(request.tenant)  # for the person filter, and to name people in words
    form = _filter_form(request, people)
    if form.is_bound and not form.is_valid():
        return _invalid_filter(request, form)
    filters = form.cleaned_data if form.is_bound else {}
    entries, next_before = audit_page(request.tenant, filters)
    words = Describer(request.tenant, people).describe([EntryFacts.of(e) for e in entries])
    query = {k: str(v) for k, v in request.GET.items() if k != "before" and v}
    rows = list(zip(entries, words, strict=True))
    context: dict[str, Any] = {
        "form": form,
        "entries": entries,
        "rows": rows,
        "rows_html": log_rows_html(request.tenant.slug, rows),
        "next_before": next_before,
        "query": urlencode(query),
        "query_items": sorted(query.items()),  # the export form carries the filter
        "can_export": request.membership.has(Permission.EXPORT_AUDIT_LOG),
    }
    return TemplateResponse(request, "audit/log.html", context)


@tenant_view
@require_permission(Permission.VIEW_AUDIT_LOG)
def audit_entry(request: TenantRequest, entry_id: str) -> HttpResponse:
    entry = tenant_object_get_or_404(AuditEntry, tenant=request.tenant, id=entry_id)
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET"])
    model = model_of(entry.target_type)
    changes = []
    for name, values in (entry.changes or {}).items():
        before, after = values if isinstance(values, list) and len(values) == 2 else ("", values)
        changes.append({"field": _field_label(model, name), "code": name,
                        "before": _shown(before), "after": _shown(after)})  # fmt: skip
    details = [
        {"key": key, "label": capfirst(key.replace("_", " ")), "value": _shown(value)}
        for key, value in (entry.additional_data or {}).items()
    ]
    context = {
        "entry": entry,
        "words": Describer(request.tenant).describe([EntryFacts.of(entry)])[0],
        "changes": changes,
        "details": details,
        "hash_ok": chain.entry_hash(entry) == entry.entry_hash,
        "details_ok": entry.redacted_at is not None
        or chain.changes_digest(entry) == entry.changes_digest,
    }
    return TemplateResponse(request, "audit/entry.html", context)


def _field_label(model: type[Model] | None, name: str) -> str:
    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        field = None
    return capfirst(str(getattr(field, "verbose_name", name)).replace("_", " "))


def _shown(value: Any) -> str:
    """A recorded value as text: lists as a list, objects as compact JSON, nothing as —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@tenant_view
@require_permission(Permission.EXPORT_AUDIT_LOG)
def audit_export(request: TenantRequest, fmt: str) -> HttpResponseBase:
    if request.method not in {"GET", "HEAD"}:
        return HttpResponseNotAllowed(["GET"])
    form = _filter_form(request, people_of(request.tenant))
    if form.is_bound and not form.is_valid():
        return _invalid_filter(request, form)
    filters = dict(form.cleaned_data) if form.is_bound else {}
    filters.pop("before", None)
    described = {k: str(v) for k, v in filters.items() if v}
    # Without words (?words=0): the stored columns with label and category, written by the
    # database at its speed (audit.raw_export); with them, each entry's sentence too.
    words = request.GET.get("words", "1") != "0"
    emit(Event.AUDIT_EXPORTED, tenant=request.tenant, user=request.user, request=request,
         target=request.tenant,
         data={"format": fmt, "filters": described, "sentences": words})  # fmt: skip
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    name = f"audit-{request.tenant.slug}-{stamp}.{fmt}"
    content_type = {"csv": "text/csv; charset=utf-8",
                    "jsonl": "application/x-ndjson; charset=utf-8"}[fmt]  # fmt: skip
    if not words:
        lines: Iterator[str] | Iterator[bytes] = raw_lines(request.tenant, filters, fmt)
    elif fmt == "csv":
        lines = csv_lines(request.tenant, filters)
    else:
        lines = jsonl_lines(request.tenant, filters)
    response = StreamingHttpResponse(lines, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
