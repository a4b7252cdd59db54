"""The company's attendance settings page: pay period, rounding, automatic breaks, lateness,
no-shows and overtime; and each site's optional location check (permission "manage settings")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.models import AttendanceSettings, LocationMode, SiteLocation
from attendance.settings import attendance_settings, keeps_location
from scheduling.fields import DATE_WIDGET
from scheduling.models import Site
from tenancy.access import tenant_object_get_or_404
from tenancy.context import company_row_save, tenant_context
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.models import Membership, Tenant
from tenancy.permissions import Permission

FIELDS = ["pay_period", "period_anchor", "rounding_minutes", "auto_break_after_hours",
          "auto_break_minutes", "late_grace_minutes", "no_show_minutes",
          "overtime_weekly_hours", "overtime_multiplier"]  # fmt: skip


class AttendanceSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AttendanceSettings
        fields = FIELDS
        widgets = {"period_anchor": DATE_WIDGET}


class SiteLocationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SiteLocation
        fields = ["latitude", "longitude", "radius_m", "mode"]
        help_texts = {
            "mode": gettext_lazy("Flag records the punch and marks it; block refuses it.")
        }


def settings_save(*, tenant: Tenant, actor: Membership, values: dict[str, Any]) -> None:
    """Save the company's attendance settings (a model change in the audit log)."""
    company_row_save(AttendanceSettings, tenant, values)


def site_location_save(
    *, tenant: Tenant, actor: Membership, site: Site, values: dict[str, Any]
) -> SiteLocation:
    with tenant_context(tenant), transaction.atomic():
        row = SiteLocation.objects.select_for_update().filter(tenant=tenant, site=site).first()
        row = row or SiteLocation(tenant=tenant, site=site)
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
    return row


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def attendance_settings_page(request: TenantRequest) -> HttpResponse:
    """GET: the rules and each site's check. POST: save the rules, or (site=<id>) one site's
    location check."""
    current = attendance_settings(request.tenant)
    form = AttendanceSettingsForm(instance=current)
    site_form = None
    if request.method == "POST":
        site_id = request.POST.get("site")
        if site_id:
            site = tenant_object_get_or_404(Site, tenant=request.tenant, id=site_id)
            existing = SiteLocation.objects.filter(tenant=request.tenant, site=site).first()
            site_form = SiteLocationForm(request.POST, instance=existing, prefix=str(site.pk))
            if site_form.is_valid():
                values = {n: site_form.cleaned_data[n] for n in SiteLocationForm.Meta.fields}
                try:
                    site_location_save(tenant=request.tenant, actor=request.membership,
                                       site=site, values=values)  # fmt: skip
                except ValidationError as error:
                    site_form.add_error(None, error)
                else:
                    messages.success(request, _("Location check of %(site)s saved.")
                                     % {"site": site.name})  # fmt: skip
                    return redirect("attendance-settings", tenant_slug=request.tenant.slug)
        else:
            form = AttendanceSettingsForm(request.POST, instance=current)
            if form.is_valid():
                values = {name: form.cleaned_data[name] for name in FIELDS}
                settings_save(tenant=request.tenant, actor=request.membership, values=values)
                messages.success(request, _("Attendance settings saved."))
                return redirect("attendance-settings", tenant_slug=request.tenant.slug)
    locations = {row.site_id: row for row in SiteLocation.objects.filter(tenant=request.tenant)}
    sites = []
    for site in Site.objects.filter(tenant=request.tenant).order_by("name"):
        bound = site_form if site_form is not None and site_form.prefix == str(site.pk) else None
        fresh = SiteLocationForm(instance=locations.get(site.pk), prefix=str(site.pk),
                                 initial={"mode": LocationMode.FLAG})  # fmt: skip
        sites.append((site, bound or fresh))
    failed = form.errors or (site_form is not None and site_form.errors)
    return TemplateResponse(request, "attendance/settings.html",
                            {"form": form, "sites": sites,
                             "keeps_location": keeps_location(request.tenant)},
                            status=400 if failed else 200)  # fmt: skip
