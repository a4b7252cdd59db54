"""Tenant pages of the GDPR tooling: the kinds of sensitive data kept and retention, and
personal details (the person's own, or anyone's with "view people's personal data")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from gdpr import services
from gdpr.forms import DataSettingsForm, PersonalDetailsForm
from tenancy.access import membership_get_or_404
from tenancy.http import TenantRequest, permission_denied, require_permission, tenant_view
from tenancy.models import Membership, PrivacySettings, SensitiveKind
from tenancy.permissions import Permission


@tenant_view
@require_permission(Permission.MANAGE_PRIVACY)
def data_settings(request: TenantRequest) -> HttpResponse:
    """Which sensitive data the company keeps, and for how long. Turning a kind off first shows
    how many people's stored values it erases, and asks to confirm."""
    row = PrivacySettings.objects.filter(tenant=request.tenant).first()
    if row is None:
        messages.info(request, _("Name the Data Protection Officer first."))
        return redirect("privacy-settings", tenant_slug=request.tenant.slug)
    initial = {"kinds": row.kept_kinds, "audit_retention_days": row.audit_retention_days,
               "former_employee_retention_days": row.former_employee_retention_days}  # fmt: skip
    form = DataSettingsForm(request.POST or None, initial=initial)
    confirm: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            erased = services.data_settings_save(
                tenant=request.tenant, actor=request.membership, kinds=data["kinds"],
                former_employee_retention_days=data["former_employee_retention_days"],
                audit_retention_days=data["audit_retention_days"], confirmed=data["confirmed"],
            )  # fmt: skip
        except services.ConfirmationNeededError as needed:
            labels = dict(SensitiveKind.choices)
            confirm = {"kinds": [labels[k] for k in needed.kinds], "people": needed.people}
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            message = _("Privacy settings saved.")
            if erased:
                message += " " + _("Stored values were erased for %(count)d people.") % {
                    "count": erased}  # fmt: skip
            messages.success(request, message)
            return redirect("data-settings", tenant_slug=request.tenant.slug)
    return TemplateResponse(request, "gdpr/data_settings.html", {"form": form, "confirm": confirm},
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
def my_details(request: TenantRequest) -> HttpResponse:
    return _details(request, request.membership)


@tenant_view
def member_details(request: TenantRequest, membership_id: str) -> HttpResponse:
    membership = membership_get_or_404(tenant=request.tenant, id=membership_id)
    if membership.pk != request.membership.pk and not request.membership.has(
        Permission.VIEW_PERSONAL_DATA
    ):
        return permission_denied(request, Permission.VIEW_PERSONAL_DATA)
    return _details(request, membership)


def _details(request: TenantRequest, membership: Membership) -> HttpResponse:
    membership = Membership.objects.select_related("user").get(pk=membership.pk)
    try:
        details = services.details_read(tenant=request.tenant, actor=request.membership,
                                        membership=membership, request=request)  # fmt: skip
    except PermissionDenied:
        return permission_denied(request, Permission.VIEW_PERSONAL_DATA)
    form = PersonalDetailsForm(details.kinds, request.POST or None, initial=details.values)
    if request.method == "POST" and form.is_valid():
        changed = services.details_save(
            tenant=request.tenant, actor=request.membership, membership=membership,
            values=form.cleaned_data,
        )  # fmt: skip
        messages.success(request, _("Personal details saved.") if changed
                         else _("Nothing changed."))  # fmt: skip
        return redirect(request.path)
    own = membership.pk == request.membership.pk
    return TemplateResponse(
        request, "gdpr/details.html",
        {"form": form, "member": membership, "own": own, "details": details},
        status=400 if form.errors else 200,
    )  # fmt: skip
