"""Repeating patterns pages: the list of week templates and rotating patterns; saving a week as
a template and applying it to other weeks; creating, editing, staffing and applying a rotating
pattern. Every page needs "build rota", and works only with the sites the member schedules: a
rotation at another site is a 404, a template's shifts elsewhere are neither shown nor applied.
Applying shows what was made and the rule breaks of the new drafts before anyone publishes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduling.access import sites_for_member
from scheduling.fields import FIRST_DAY, LAST_DAY
from scheduling.models import (
    Position,
    RotationMember,
    RotationPattern,
    WeekTemplate,
    WeekTemplateShift,
)
from scheduling.patterns import selectors as patterns_selectors
from scheduling.patterns import services as patterns_services
from scheduling.patterns.forms import (
    RotationApplyForm,
    RotationForm,
    RotationMemberForm,
    TemplateApplyForm,
    TemplateSaveForm,
)
from scheduling.rota.views import rota_url
from scheduling.time import today_in, week_start_of
from tenancy.access import tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.permissions import Permission

WEEKDAYS = [gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
            gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
            gettext_lazy("Sunday")]  # fmt: skip


PER_PAGE = 25


def _url(request: TenantRequest, name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs={"tenant_slug": request.tenant.slug, **kwargs})


def _count_of(model: Any, parent: str) -> Subquery:
    """How many `model` rows point at the outer row through `parent` (a subquery: no join)."""
    rows = model.objects.filter(**{parent: OuterRef("pk")}).order_by()
    return Subquery(
        rows.values(parent).annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def pattern_list(request: TenantRequest) -> HttpResponse:
    """The company's week templates, and the rotating patterns at the sites one schedules."""
    tenant = request.tenant
    templates = (
        WeekTemplate.objects.filter(tenant=tenant)
        .annotate(shift_count=_count_of(WeekTemplateShift, "template"))
        .order_by("name", "id")
    )
    rotations = (
        RotationPattern.objects.filter(
            tenant=tenant, site_id__in=sites_for_member(request.membership).values("pk")
        )
        .annotate(member_count=_count_of(RotationMember, "pattern"))
        .select_related("site", "position")
        .order_by("name", "id")
    )
    return TemplateResponse(request, "scheduling/patterns/patterns.html", {
        "templates": Paginator(templates, PER_PAGE).get_page(request.GET.get("templates")),
        "rotations": Paginator(rotations, PER_PAGE).get_page(request.GET.get("rotations")),
    })  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def template_new(request: TenantRequest) -> HttpResponse:
    """Save a week of the rota as a template. The rota links here with ?week=YYYY-MM-DD (and
    &site=<id> when it shows one site)."""
    sites = list(sites_for_member(request.membership))
    initial = {"week": week_start_of(today_in(request.tenant)), "site": request.GET.get("site")}
    try:  # a date from the rota's link; anything else is ignored
        linked = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        linked = None
    if linked is not None and FIRST_DAY <= linked <= LAST_DAY:
        initial["week"] = week_start_of(linked)
    form = TemplateSaveForm(sites, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            template = patterns_services.template_save(
                tenant=request.tenant, actor=request.membership, name=data["name"],
                week_start=data["week"], site=data["site_object"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Template saved. Apply it to other weeks below."))
            return redirect(_url(request, "pattern-template", template_id=template.pk))
    return TemplateResponse(request, "scheduling/patterns/template_new.html",
                            {"form": form, "has_sites": bool(sites)},
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def template_detail(request: TenantRequest, template_id: str) -> HttpResponse:
    """The template's shifts (at the sites one schedules) by day, and the form to apply it;
    applying shows the result page (applying again is harmless: nothing is made twice)."""
    template = tenant_object_get_or_404(WeekTemplate, tenant=request.tenant, id=template_id)
    next_week = week_start_of(today_in(request.tenant)) + dt.timedelta(days=7)
    form = TemplateApplyForm(request.POST or None, initial={"week": next_week, "weeks": 1})
    if request.method == "POST" and form.is_valid():
        try:
            result = patterns_services.template_apply(
                tenant=request.tenant, actor=request.membership, template=template,
                week_start=form.cleaned_data["week"], weeks=form.cleaned_data["weeks"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _applied(request, result, template.name,
                            _url(request, "pattern-template", template_id=template.pk))  # fmt: skip
    allowed = {site.pk for site in sites_for_member(request.membership)}
    items = list(patterns_selectors.template_shifts(request.tenant, template))
    mine = [item for item in items if item.site_id in allowed]
    days = [(WEEKDAYS[n], [item for item in mine if item.weekday == n]) for n in range(7)]
    return TemplateResponse(request, "scheduling/patterns/template.html", {
        "template": template, "form": form, "days": [d for d in days if d[1]],
        "shift_count": len(mine), "hidden": len(items) - len(mine),
    }, status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def template_delete(request: TenantRequest, template_id: str) -> HttpResponse:
    """Ask, then delete the template (the shifts made from it stay)."""
    template = tenant_object_get_or_404(WeekTemplate, tenant=request.tenant, id=template_id)
    error = ""
    if request.method == "POST":
        try:
            patterns_services.template_delete(tenant=request.tenant, actor=request.membership,
                                     template=template)  # fmt: skip
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _("Template deleted. Shifts made from it stay."))
            return redirect(_url(request, "patterns"))
    return TemplateResponse(request, "scheduling/patterns/delete.html", {
        "kind": _("template"), "name": template.name, "error": error,
        "back_url": _url(request, "pattern-template", template_id=template.pk),
    }, status=400 if error else 200)  # fmt: skip


def _rotation_or_404(request: TenantRequest, pattern_id: str) -> RotationPattern:
    """One of the company's rotating patterns at a site the member schedules; else 404."""
    pattern = tenant_object_get_or_404(RotationPattern, tenant=request.tenant, id=pattern_id)
    if not sites_for_member(request.membership).filter(pk=pattern.site_id).exists():
        raise Http404
    return pattern


def _rotation_form(request: TenantRequest, data: Any = None, **kwargs: Any) -> RotationForm:
    sites = list(sites_for_member(request.membership))
    positions = list(Position.objects.filter(tenant=request.tenant).order_by("name"))
    return RotationForm(sites, positions, data, **kwargs)


def _save_rotation(
    request: TenantRequest, form: RotationForm, pattern: RotationPattern | None
) -> RotationPattern | None:
    """Save the form through the service; None (errors on the form) when refused."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return patterns_services.rotation_save(
            tenant=request.tenant, actor=request.membership, pattern=pattern,
            name=data["name"], site=data["site_object"], position=data["position_object"],
            start_time=data["start_time"], end_time=data["end_time"],
            break_minutes=data["break_minutes"], cycle=data["cycle_value"],
            anchor_date=data["anchor_date"],
        )  # fmt: skip
    except ValidationError as error:
        add_service_errors(form, error, default_field=None)
        return None


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def rotation_new(request: TenantRequest) -> HttpResponse:
    form = _rotation_form(request, request.POST or None, initial={
        "anchor_date": week_start_of(today_in(request.tenant)) + dt.timedelta(days=7),
        "start_time": dt.time(7), "end_time": dt.time(19), "break_minutes": 60,
    })  # fmt: skip
    if request.method == "POST":
        saved = _save_rotation(request, form, None)
        if saved is not None:
            messages.success(request, _("Rotating pattern saved. Now add the people who follow "
                                        "it."))  # fmt: skip
            return redirect(_url(request, "pattern-rotation", pattern_id=saved.pk))
    return TemplateResponse(request, "scheduling/patterns/rotation_new.html", {"form": form},
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def rotation_detail(request: TenantRequest, pattern_id: str) -> HttpResponse:
    """The pattern: its members (add, change offset, remove), a preview of who works when, the
    form to apply it to dates (the result page follows), and its settings to edit. One POST
    `action` at a time: apply, add_member, remove_member or save."""
    pattern = _rotation_or_404(request, pattern_id)
    tenant, me = request.tenant, request.membership
    action = request.POST.get("action", "") if request.method == "POST" else ""
    here = _url(request, "pattern-rotation", pattern_id=pattern.pk)
    today = today_in(tenant)
    edit = _rotation_form(request, request.POST if action == "save" else None,
                          initial=RotationForm.initial_from(pattern), prefix="edit")  # fmt: skip
    qualified = list(patterns_selectors.qualified_members(tenant, pattern))
    add = RotationMemberForm(qualified, request.POST if action == "add_member" else None,
                             prefix="member")  # fmt: skip
    first = max(pattern.anchor_date, week_start_of(today) + dt.timedelta(days=7))
    apply = RotationApplyForm(request.POST if action == "apply" else None, prefix="apply",
                              initial={"date_from": first,
                                       "date_to": first + dt.timedelta(days=27)})  # fmt: skip
    if action == "save" and _save_rotation(request, edit, pattern) is not None:
        messages.success(request, _("Rotating pattern saved."))
        return redirect(here)
    if action == "add_member" and add.is_valid():
        try:
            patterns_services.rotation_member_set(
                tenant=tenant, actor=me, pattern=pattern,
                membership=add.cleaned_data["membership_object"],
                offset=add.cleaned_data["offset"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(add, error)
        else:
            messages.success(request, _("Saved: they follow the pattern from that offset."))
            return redirect(here)
    if action == "remove_member":
        removed = patterns_services.rotation_member_remove(
            tenant=tenant, actor=me, pattern=pattern, member_id=request.POST.get("member", "")
        )
        if removed:
            messages.success(request, _("Removed from the pattern. Shifts made so far stay."))
        else:
            messages.error(request, _("That person no longer follows this pattern."))
        return redirect(here)
    if action == "apply" and apply.is_valid():
        try:
            result = patterns_services.rotation_apply(
                tenant=tenant, actor=me, pattern=pattern,
                start=apply.cleaned_data["date_from"], end=apply.cleaned_data["date_to"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(apply, error)
        else:
            return _applied(request, result, pattern.name, here)
    members = patterns_selectors.rotation_members(tenant, pattern)
    dates, preview = patterns_selectors.rotation_preview(
        pattern, members, max(pattern.anchor_date, today)
    )
    invalid = bool(edit.errors or add.errors or apply.errors)
    return TemplateResponse(request, "scheduling/patterns/rotation.html", {
        "pattern": pattern, "edit": edit, "add": add, "apply": apply, "members": members,
        "qualified": qualified, "dates": dates, "preview": preview,
        "cycle_days": [(n, day == "1") for n, day in enumerate(pattern.cycle)],
        # Both are among the lists the form loaded (the site is one the member schedules).
        "site": edit.site_by_id[str(pattern.site_id)],
        "position": edit.position_by_id[str(pattern.position_id)],
    }, status=400 if invalid else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def rotation_delete(request: TenantRequest, pattern_id: str) -> HttpResponse:
    """Ask, then delete the pattern and its members (the shifts made from it stay)."""
    pattern = _rotation_or_404(request, pattern_id)
    if request.method == "POST":
        patterns_services.rotation_delete(
            tenant=request.tenant, actor=request.membership, pattern=pattern
        )
        messages.success(request, _("Rotating pattern deleted. Shifts made from it stay."))
        return redirect(_url(request, "patterns"))
    return TemplateResponse(request, "scheduling/patterns/delete.html", {
        "kind": _("rotating pattern"), "name": pattern.name, "error": "",
        "back_url": _url(request, "pattern-rotation", pattern_id=pattern.pk),
    })  # fmt: skip


def _applied(
    request: TenantRequest, result: patterns_services.ApplyResult, name: str, back_url: str
) -> HttpResponse:
    """The result of applying a pattern: what was made, what was there already, what was
    skipped, and the rule breaks of the new drafts (shown on the POST itself: applying again
    makes nothing twice, so a reload is harmless)."""
    first_week = week_start_of(result.first_day)
    return TemplateResponse(request, "scheduling/patterns/applied.html", {
        "result": result, "name": name, "back_url": back_url,
        "rota_url": rota_url(request, first_week),
        "publish_url": rota_url(request, first_week, view="rota-publish"),
        "can_publish": request.membership.has(Permission.PUBLISH_ROTA),
        "rows": result.rows(),
    })  # fmt: skip
