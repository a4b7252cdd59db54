"""Set-up pages: sites, positions, the working-time rules, work profiles and the sites a member
may schedule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling.access import site_get_or_404, sites_for_member
from scheduling.models import Colour, Position, Site
from scheduling.rules.facts import profiles_of, scheduling_settings
from scheduling.setup import services
from scheduling.setup.forms import (
    DAY_LIMITS,
    MemberSitesForm,
    PositionForm,
    SchedulingSettingsForm,
    SiteForm,
    WorkProfileForm,
)
from tenancy.access import membership_get_or_404, tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.models import Membership
from tenancy.permissions import Permission


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def sites(request: TenantRequest) -> HttpResponse:
    """The sites the member schedules (all of them, or those they are limited to)."""
    return TemplateResponse(
        request,
        "scheduling/setup/sites.html",
        {"sites": list(sites_for_member(request.membership))},
    )


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def site_new(request: TenantRequest) -> HttpResponse:
    return _site_save(request, None)


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def site_edit(request: TenantRequest, site_id: str) -> HttpResponse:
    return _site_save(request, site_get_or_404(tenant=request.tenant, id=site_id))


def _site_save(request: TenantRequest, site: Site | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if site is not None:
        initial = {"name": site.name, "address": site.address, "time_zone": site.time_zone}
    return _named_form(
        request, SiteForm(request.POST or None, initial=initial), site,
        save=lambda data: services.site_save(
            tenant=request.tenant, actor=request.membership, site=site, **data
        ),
        saved_message=_("The site %(name)s was saved."), list_url="sites",
        template="scheduling/setup/site_form.html", context_name="site",
    )  # fmt: skip


def _named_form(
    request: TenantRequest,
    form: forms.Form,
    obj: Site | Position | None,
    *,
    save: Callable[[dict[str, Any]], Site | Position],
    saved_message: str,
    list_url: str,
    template: str,
    context_name: str,
) -> HttpResponse:
    """The new/edit page of a site or a position: save through the service, show its refusal
    on the form, or go back to the list with a message."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, saved_message % {"name": saved.name})
            return redirect(list_url, tenant_slug=request.tenant.slug)
    return TemplateResponse(request, template, {context_name: obj, "form": form},
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def member_sites(request: TenantRequest, membership_id: str) -> HttpResponse:
    """Limit a member who builds rotas to chosen sites, or let them schedule every site."""
    membership = membership_get_or_404(tenant=request.tenant, id=membership_id)
    membership = Membership.objects.select_related("user", "role").get(pk=membership.pk)
    all_sites = list(Site.objects.filter(tenant=request.tenant).order_by("name"))
    current = [str(site.pk) for site in sites_for_member(membership)]
    initial = {"scope": "all" if membership.all_sites else "chosen",
               "sites": [] if membership.all_sites else current}  # fmt: skip
    form = MemberSitesForm(all_sites, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.member_sites_set(
            tenant=request.tenant,
            actor=request.membership,
            membership=membership,
            all_sites=form.cleaned_data["scope"] == "all",
            sites=form.cleaned_data["site_objects"],
        )
        messages.success(
            request, _("Sites saved for %(name)s.") % {"name": membership.user.display_name}
        )
        return redirect("people", tenant_slug=request.tenant.slug)
    return TemplateResponse(
        request, "scheduling/setup/member_sites.html", {"member": membership, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def positions(request: TenantRequest) -> HttpResponse:
    return TemplateResponse(request, "scheduling/setup/positions.html", {
        "positions": list(Position.objects.filter(tenant=request.tenant).order_by("name")),
    })  # fmt: skip


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def position_new(request: TenantRequest) -> HttpResponse:
    return _position_save(request, None)


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def position_edit(request: TenantRequest, position_id: str) -> HttpResponse:
    position = tenant_object_get_or_404(Position, tenant=request.tenant, id=position_id)
    return _position_save(request, position)


def _position_save(request: TenantRequest, position: Position | None) -> HttpResponse:
    initial = {"name": position.name, "colour": position.colour} if position else {
        "colour": Colour.TEAL}  # fmt: skip
    return _named_form(
        request, PositionForm(request.POST or None, initial=initial), position,
        save=lambda data: services.position_save(
            tenant=request.tenant, actor=request.membership, position=position, **data
        ),
        saved_message=_("The position %(name)s was saved."), list_url="positions",
        template="scheduling/setup/position_form.html", context_name="position",
    )  # fmt: skip


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def working_time_settings(request: TenantRequest) -> HttpResponse:
    """The company's working-time rules, with the UK defaults."""
    current = scheduling_settings(request.tenant)
    form = SchedulingSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.settings_save(tenant=request.tenant, actor=request.membership, **values)
        messages.success(request, _("Working-time rules saved."))
        return redirect("working-time-settings", tenant_slug=request.tenant.slug)
    return TemplateResponse(request, "scheduling/setup/working_time.html", {"form": form},
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def work_profile(request: TenantRequest, membership_id: str) -> HttpResponse:
    """What a member can work: positions, sites, hours, limits; the hourly rate only for those
    who may see people's personal data."""
    membership = membership_get_or_404(tenant=request.tenant, id=membership_id)
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    show_rate = request.membership.has(Permission.VIEW_PERSONAL_DATA)
    all_positions = list(Position.objects.filter(tenant=request.tenant).order_by("name"))
    all_sites = list(Site.objects.filter(tenant=request.tenant).order_by("name"))
    profiles = profiles_of(request.tenant, [membership.pk])
    profile = profiles.by_member.get(membership.pk)
    initial: dict[str, Any] = {}
    if profile is not None:
        initial = {
            "positions": [str(pk) for pk in profiles.positions.get(membership.pk, ())],
            "sites": [str(pk) for pk in profiles.sites.get(membership.pk, ())],
            "contracted_hours": profile.contracted_hours, "hourly_rate": profile.hourly_rate,
            "max_hours_7_days": profile.max_hours_7_days, "min_rest_hours": profile.min_rest_hours,
        } | {name: getattr(profile, name) for name in DAY_LIMITS}  # fmt: skip
    form = WorkProfileForm(all_positions, all_sites, request.POST or None, initial=initial,
                           show_rate=show_rate)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.work_profile_save(
            tenant=request.tenant, actor=request.membership, membership=membership,
            positions=data["position_objects"], sites=data["site_objects"],
            contracted_hours=data["contracted_hours"], hourly_rate=data.get("hourly_rate"),
            max_hours_7_days=data["max_hours_7_days"], min_rest_hours=data["min_rest_hours"],
            **{name: data[name] for name in DAY_LIMITS},
        )  # fmt: skip
        messages.success(
            request, _("Work profile saved for %(name)s.") % {"name": membership.user.display_name}
        )
        return redirect("people", tenant_slug=request.tenant.slug)
    if show_rate:
        emit(Event.PERSONAL_DATA_VIEWED, tenant=request.tenant, user=request.user, request=request,
             target=membership, data={"fields": ["hourly_rate"]})  # fmt: skip
    settings = scheduling_settings(request.tenant)
    return TemplateResponse(
        request, "scheduling/setup/work_profile.html",
        {"member": membership, "form": form, "currency": settings.currency},
        status=400 if form.errors else 200,
    )  # fmt: skip
