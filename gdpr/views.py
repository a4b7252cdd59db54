"""Tenant pages of the GDPR tooling: the kinds of sensitive data kept and retention, and
personal details (the person's own, or anyone's with "view people's personal data")."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from audit.context import client_ip
from gdpr import policies, services
from gdpr.documents import render_markdown
from gdpr.forms import AcceptForm, DataSettingsForm, PersonalDetailsForm, PolicyUploadForm
from gdpr.models import Policy, PolicyVersion
from tenancy.access import membership_get_or_404, tenant_object_get_or_404
from tenancy.context import tenant_context
from tenancy.forms import add_service_errors
from tenancy.http import (
    TenantRequest,
    permission_denied,
    policy_gate_exempt,
    require_permission,
    tenant_view,
)
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


# Policies ------------------------------------------------------------------------------------


def _publish(request: TenantRequest, policy: Policy | None) -> PolicyUploadForm:
    form = PolicyUploadForm(request.POST or None, request.FILES or None,
                            new_policy=policy is None)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        if upload.size > policies.MAX_BYTES:
            form.add_error("document", _("The file is larger than 5 MB."))
            return form
        try:
            version = policies.policy_publish(
                tenant=request.tenant, actor=request.membership, policy=policy,
                title=form.cleaned_data.get("title", ""), file_name=upload.name,
                content=upload.read(), summary=form.cleaned_data["summary"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error, default_field="document")
        else:
            form.published = version  # type: ignore[attr-defined]
    return form


@tenant_view
@policy_gate_exempt  # whoever manages policies can always correct one
@require_permission(Permission.MANAGE_PRIVACY)
def policy_list(request: TenantRequest) -> HttpResponse:
    form = _publish(request, None)
    if getattr(form, "published", None):
        messages.success(request, _("Policy published. Everyone is asked to accept it the next "
                                    "time they open the company."))  # fmt: skip
        return redirect("policies", tenant_slug=request.tenant.slug)
    latest = policies.latest_versions(request.tenant)
    return TemplateResponse(request, "gdpr/policies.html", {"latest": latest, "form": form},
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@policy_gate_exempt
@require_permission(Permission.MANAGE_PRIVACY)
def policy_detail(request: TenantRequest, policy_id: str) -> HttpResponse:
    policy = tenant_object_get_or_404(Policy, tenant=request.tenant, id=policy_id)
    if request.method == "POST" and request.POST.get("action") == "remind":
        url = request.build_absolute_uri(
            reverse("policy-gate", kwargs={"tenant_slug": request.tenant.slug})
        )
        count = policies.remind(tenant=request.tenant, actor=request.membership, policy=policy,
                                url=url)  # fmt: skip
        messages.success(request, _("Reminder sent to %(count)d people.") % {"count": count})
        return redirect(request.path)
    form = _publish(request, policy)
    if getattr(form, "published", None):
        messages.success(request, _("New version published."))
        return redirect(request.path)
    with tenant_context(request.tenant):
        versions = list(PolicyVersion.objects.filter(policy=policy).defer("content")
                        .select_related("published_by__user").order_by("-number"))  # fmt: skip
    report = policies.acceptance_report(request.tenant, policy)
    return TemplateResponse(
        request, "gdpr/policy_detail.html",
        {"policy": policy, "versions": versions, "report": report, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


@tenant_view
@policy_gate_exempt
def policy_document(request: TenantRequest, version_id: str) -> HttpResponse:
    """A version's document, for any member (they must be able to read what they accept)."""
    version = tenant_object_get_or_404(PolicyVersion, tenant=request.tenant, id=version_id)
    if version.kind == PolicyVersion.Kind.PDF:
        response = HttpResponse(bytes(version.content), content_type="application/pdf")
    else:
        response = HttpResponse(bytes(version.content), content_type="text/plain; charset=utf-8")
    name = version.file_name.replace('"', "")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@tenant_view
@policy_gate_exempt
def policy_gate(request: TenantRequest) -> HttpResponse:
    """Before anything else in the company: read and accept every new policy version."""
    pending = policies.pending_versions(request.tenant, request.membership)
    next_url = request.GET.get("next", "")
    # Only a path on this site: redirect() would read anything else as a view's name.
    if not (
        next_url.startswith("/")
        and "\x00" not in next_url
        and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    ):
        next_url = reverse("dashboard", kwargs={"tenant_slug": request.tenant.slug})
    form = AcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shown = set()
        for value in request.POST.getlist("version"):
            with contextlib.suppress(ValueError):
                shown.add(uuid.UUID(value))
        try:
            policies.policies_accept(tenant=request.tenant, membership=request.membership,
                                     version_ids=shown, ip_address=client_ip(request))  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you. Your acceptance is recorded."))
            return redirect(next_url)
    if not pending and request.method == "GET":
        policies.policies_accept(tenant=request.tenant, membership=request.membership,
                                 version_ids=set(), ip_address=None)  # fmt: skip
        return redirect(next_url)
    documents = [
        (
            v,
            render_markdown(bytes(v.content).decode())
            if v.kind == PolicyVersion.Kind.MARKDOWN
            else "",
        )
        for v in _with_content(request, pending)
    ]
    return TemplateResponse(request, "gdpr/policy_gate.html",
                            {"documents": documents, "form": form, "next": next_url},
                            status=400 if form.errors else 200)  # fmt: skip


def _with_content(request: TenantRequest, versions: list[PolicyVersion]) -> list[PolicyVersion]:
    with tenant_context(request.tenant):
        loaded = PolicyVersion.objects.filter(pk__in=[v.pk for v in versions]).select_related(
            "policy"
        )
        return sorted(loaded, key=lambda v: v.policy.title.lower())
