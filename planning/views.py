"""Planning pages: a site's coverage plan as an editable grid (rows, date exceptions, start from
recent weeks), and auto-build (start a run, watch its progress, cancel, preview the proposal
with its gaps and reasons, accept all or some as drafts). Every page needs "build rota" and
works only with the sites the member schedules: any other site, or a run there, is a 404."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning import runs, services
from planning.forms import AutoBuildForm, CoverageExceptionForm, CoverageRowForm, FromRecentForm
from planning.models import BuildRun, CoverageException, CoverageRow
from scheduling.access import schedules_site, sites_for_member
from scheduling.models import Position, Site
from scheduling.rota.views import rota_url
from scheduling.time import WEEK, today_in, week_start_of
from tenancy.access import tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.permissions import Permission

RECENT_RUNS = 10


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"tenant_slug": request.tenant.slug, **kwargs})


def _my_sites(request: TenantRequest) -> list[Site]:
    return list(sites_for_member(request.membership))


def _site_or_404(request: TenantRequest, site_id: uuid.UUID | str) -> Site:
    site = tenant_object_get_or_404(Site, tenant=request.tenant, id=site_id)
    if not schedules_site(request.membership, site.pk):
        raise Http404  # a site one does not schedule: as if it did not exist
    return site


def _rows(site: Site) -> QuerySet[CoverageRow]:
    return CoverageRow.objects.filter(site=site).select_related("position")


def _positions(request: TenantRequest) -> list[Position]:
    return list(Position.objects.filter(tenant=request.tenant).order_by("name"))


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def coverage(request: TenantRequest) -> HttpResponse:
    """Choose a site; then its plan (the site's id in ?site=)."""
    sites = _my_sites(request)
    chosen = request.GET.get("site")
    if chosen is None and len(sites) == 1:
        chosen = str(sites[0].pk)
    if chosen:
        site = {str(s.pk): s for s in sites}.get(chosen)
        if site is None:
            raise Http404  # not a site one schedules (or no site at all)
        return redirect(_url(request, "planning-coverage-site", site_id=site.pk))
    return TemplateResponse(request, "planning/coverage_sites.html", {"sites": sites})


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def coverage_site(request: TenantRequest, site_id: uuid.UUID) -> HttpResponse:
    """The site's weekly plan as a grid: each row saves on its own (htmx swaps the row)."""
    site = _site_or_404(request, site_id)
    positions = _positions(request)
    rows = list(_rows(site))
    blank = CoverageRow(tenant=request.tenant, site=site)
    add = CoverageRowForm(positions, prefix="new", row=blank)
    exception_form = CoverageExceptionForm(rows, prefix="exc")
    recent = FromRecentForm(prefix="recent")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add = CoverageRowForm(positions, request.POST, prefix="new", row=blank)
            if _save_row(request, add):
                return redirect(_url(request, "planning-coverage-site", site_id=site.pk))
        elif action == "exception":
            exception_form = CoverageExceptionForm(rows, request.POST, prefix="exc")
            if exception_form.is_valid():
                data = exception_form.cleaned_data
                try:
                    services.coverage_exception_save(
                        tenant=request.tenant, actor=request.membership,
                        row=exception_form.row_by_id[data["row"]], date=data["date"],
                        people=data["people"], note=data["note"],
                    )  # fmt: skip
                except ValidationError as error:
                    add_service_errors(exception_form, error)
                else:
                    messages.success(request, _("Exception saved."))
                    return redirect(_url(request, "planning-coverage-site", site_id=site.pk))
        elif action == "recent":
            recent = FromRecentForm(request.POST, prefix="recent")
            if recent.is_valid():
                made = services.coverage_from_recent(
                    tenant=request.tenant, actor=request.membership, site=site,
                    before=today_in(request.tenant), weeks=recent.cleaned_data["weeks"],
                )  # fmt: skip
                messages.success(request, ngettext(
                    "The plan now has %(n)d row, from the shifts of recent weeks.",
                    "The plan now has %(n)d rows, from the shifts of recent weeks.", made,
                ) % {"n": made})  # fmt: skip
                return redirect(_url(request, "planning-coverage-site", site_id=site.pk))
        status = 400
    exceptions = list(
        CoverageException.objects.filter(row__site=site, date__gte=today_in(request.tenant))
        .select_related("row__position").order_by("date", "id")
    )  # fmt: skip
    return TemplateResponse(request, "planning/coverage.html", {
        "site": site, "sites": _my_sites(request),
        "rows": [(row, CoverageRowForm(positions, row=row, prefix=str(row.pk)))
                 for row in rows],
        "add": add, "exception_form": exception_form, "exceptions": exceptions,
        "recent": recent,
    }, status=status)  # fmt: skip


def _save_row(request: TenantRequest, form: CoverageRowForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.coverage_row_save(tenant=request.tenant, actor=request.membership,
                                   row=form.apply())  # fmt: skip
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


def _row_or_404(request: TenantRequest, row_id: uuid.UUID) -> CoverageRow:
    row = tenant_object_get_or_404(CoverageRow, tenant=request.tenant, id=row_id)
    _site_or_404(request, row.site_id)
    return row


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def coverage_row(request: TenantRequest, row_id: uuid.UUID) -> HttpResponse:
    """Save one row of the grid (POST); htmx gets the row back, a plain form the page."""
    row = _row_or_404(request, row_id)
    site_url = _url(request, "planning-coverage-site", site_id=row.site_id)
    if request.method != "POST":
        return redirect(site_url)
    form = CoverageRowForm(_positions(request), request.POST, row=row, prefix=str(row.pk))
    saved = _save_row(request, form)
    if not request.headers.get("HX-Request"):
        if saved:
            messages.success(request, _("Row saved."))
        else:
            messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
        return redirect(site_url)
    row = _rows_one(row.pk) if saved else row
    return TemplateResponse(request, "planning/partials/coverage_row.html",
                            {"row": row, "form": form, "saved": saved},
                            status=200 if saved else 400)  # fmt: skip


def _rows_one(row_id: uuid.UUID) -> CoverageRow:
    return CoverageRow.objects.select_related("position").get(pk=row_id)


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def coverage_row_delete(request: TenantRequest, row_id: uuid.UUID) -> HttpResponse:
    row = _row_or_404(request, row_id)
    if request.method == "POST":
        services.coverage_row_delete(tenant=request.tenant, actor=request.membership, row=row)
        messages.success(request, _("Row deleted."))
    return redirect(_url(request, "planning-coverage-site", site_id=row.site_id))


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def coverage_exception_delete(request: TenantRequest, exception_id: uuid.UUID) -> HttpResponse:
    exception = tenant_object_get_or_404(CoverageException, tenant=request.tenant,
                                         id=exception_id)  # fmt: skip
    row = CoverageRow.objects.get(pk=exception.row_id)
    site = _site_or_404(request, row.site_id)
    if request.method == "POST":
        services.coverage_exception_delete(tenant=request.tenant, actor=request.membership,
                                           exception=exception, site=site)  # fmt: skip
        messages.success(request, _("Exception deleted."))
    return redirect(_url(request, "planning-coverage-site", site_id=site.pk))


# Auto-build -----------------------------------------------------------------------------------


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def autobuild(request: TenantRequest) -> HttpResponse:
    """Start an auto-build, and the recent ones at one's sites."""
    sites = _my_sites(request)
    initial = {"week_start": week_start_of(today_in(request.tenant)) + WEEK}
    form = AutoBuildForm(sites, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = runs.run_start(
                tenant=request.tenant, actor=request.membership,
                site=form.site_by_id[data["site"]], week_start=data["week_start"],
                weeks=data["weeks"], time_limit=data["time_limit"], fill_open=data["fill_open"],
                replace_drafts=data["replace_drafts"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(_url(request, "planning-run", run_id=run.pk))
    recent = list(
        BuildRun.objects.filter(tenant=request.tenant, site_id__in=[s.pk for s in sites])
        .select_related("site").defer("result").order_by("-created_at")[:RECENT_RUNS]
    )  # fmt: skip
    return TemplateResponse(request, "planning/autobuild.html",
                            {"form": form, "recent": recent, "sites": sites,
                             "can_tune": request.membership.has(Permission.MANAGE_SETTINGS)},
                            status=400 if form.errors else 200)  # fmt: skip


def _run_or_404(request: TenantRequest, run_id: uuid.UUID) -> BuildRun:
    run = tenant_object_get_or_404(BuildRun, tenant=request.tenant, id=run_id)
    run.site = _site_or_404(request, run.site_id)
    return run


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def run_detail(request: TenantRequest, run_id: uuid.UUID) -> HttpResponse:
    """Progress while it runs (polled), then the preview to accept from."""
    run = _run_or_404(request, run_id)
    return TemplateResponse(request, "planning/run.html", _run_context(request, run))


def _run_context(request: TenantRequest, run: BuildRun) -> dict[str, Any]:
    accepted = set(run.accepted)
    result = run.result or {}
    assignments = [
        {**a, "accepted": a["unit"] in accepted,
         "label": result.get("groups", {}).get(a["group"], {}).get("label", "")}
        for a in result.get("assignments", [])
    ]  # fmt: skip
    return {"run": run, "result": result, "assignments": assignments,
            "open_left": sum(1 for a in assignments if not a["accepted"]),
            "rota_url": rota_url(request, run.week_start, run.site_id)}  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def run_status(request: TenantRequest, run_id: uuid.UUID) -> HttpResponse:
    """The progress panel (htmx polls it every second while the run is active)."""
    run = _run_or_404(request, run_id)
    response = TemplateResponse(request, "planning/partials/run_progress.html", {"run": run})
    if not run.is_active:
        response["HX-Refresh"] = "true"  # finished: show the preview
    return response


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def run_cancel(request: TenantRequest, run_id: uuid.UUID) -> HttpResponse:
    run = _run_or_404(request, run_id)
    if request.method == "POST":
        runs.run_cancel(tenant=request.tenant, actor=request.membership, run=run)
        messages.success(request, _("Cancelling. Nothing is changed."))
    return redirect(_url(request, "planning-run", run_id=run.pk))


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def run_accept(request: TenantRequest, run_id: uuid.UUID) -> HttpResponse:
    """Accept the ticked proposals (or all of them) as draft shifts."""
    run = _run_or_404(request, run_id)
    if request.method != "POST":
        return redirect(_url(request, "planning-run", run_id=run.pk))
    units = None if request.POST.get("all") else request.POST.getlist("unit")
    try:
        made, left_out = runs.run_accept(tenant=request.tenant, actor=request.membership,
                                         run=run, units=units)  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, ngettext(
            "%(n)d draft shift made. Review and publish it on the rota.",
            "%(n)d draft shifts made. Review and publish them on the rota.", made,
        ) % {"n": made})  # fmt: skip
        if left_out:
            messages.warning(request, _("Left out, as they would now break a rule or changed: "
                                        "%(list)s") % {"list": "; ".join(left_out)})  # fmt: skip
    return redirect(_url(request, "planning-run", run_id=run.pk))
