"""Pages of the data subject's rights: "My data and privacy" (a copy of one's data, a request to
erase it) for every member, and the privacy team's answers to erasure requests.

A person's own pages stay open while policies wait for acceptance and when the company is
read-only: nobody has to accept a policy, or pay, to exercise their rights."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from gdpr import rights
from gdpr.forms import ErasureApproveForm, ErasureDeclineForm, ErasureRequestForm
from gdpr.models import DataExport, ErasureRequest
from scheduling.models import Shift
from tenancy.access import tenant_object_get_or_404
from tenancy.context import tenant_context
from tenancy.forms import add_service_errors
from tenancy.http import (
    TenantRequest,
    allowed_when_read_only,
    policy_gate_exempt,
    require_permission,
    tenant_view,
)
from tenancy.models import Membership, PrivacySettings
from tenancy.permissions import Permission

ANSWERED_PER_PAGE = 25


def _my_data_url(request: TenantRequest) -> str:
    return reverse("my-data", kwargs={"tenant_slug": request.tenant.slug})


@tenant_view
@policy_gate_exempt
@allowed_when_read_only
def my_data(request: TenantRequest) -> HttpResponse:
    """Who looks after one's data, a copy of it, and a request to erase it."""
    with tenant_context(request.tenant):
        privacy = PrivacySettings.objects.filter(tenant=request.tenant).first()
    return TemplateResponse(request, "gdpr/my_data.html", {
        "privacy": privacy,
        "exports": rights.exports_of(request.tenant, request.membership),
        "erasure": rights.erasure_latest(request.tenant, request.membership),
    })  # fmt: skip


@tenant_view
@policy_gate_exempt
@allowed_when_read_only
def export_new(request: TenantRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect(_my_data_url(request))
    try:
        rights.export_request(tenant=request.tenant, membership=request.membership,
                              request=request)  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("We are preparing your data. It takes a moment; this page "
                                    "shows the progress."))  # fmt: skip
    return redirect(_my_data_url(request))


def _own_export(request: TenantRequest, export_id: str) -> DataExport:
    export = tenant_object_get_or_404(DataExport, tenant=request.tenant, id=export_id)
    if export.membership_id != request.membership.pk:
        raise Http404  # someone else's: as if it did not exist
    return export


@tenant_view
@policy_gate_exempt
@allowed_when_read_only
def export_status(request: TenantRequest, export_id: str) -> HttpResponse:
    """One export's row (htmx polls it while the export is being prepared)."""
    with tenant_context(request.tenant):
        export = _own_export(request, export_id)
    return TemplateResponse(request, "gdpr/partials/export_row.html", {"export": export})


@tenant_view
@policy_gate_exempt
@allowed_when_read_only
def export_download(request: TenantRequest, export_id: str) -> HttpResponse:
    """The ZIP, for the person who asked for it, until it expires: for anyone else, or after
    that, there is nothing here (404)."""
    export = rights.export_for_download(
        tenant=request.tenant, membership=request.membership, export_id=export_id
    )
    if export is None or export.content is None:
        raise Http404
    rights.export_downloaded(tenant=request.tenant, export=export, request=request)
    response = HttpResponse(rights.export_content(export), content_type="application/zip")
    name = f"{request.tenant.slug}-my-data-{export.finished_at:%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@tenant_view
@policy_gate_exempt
@allowed_when_read_only
def erasure_new(request: TenantRequest) -> HttpResponse:
    """Ask the company to erase one's data: what happens, the deadline, and the request."""
    pending = rights.erasure_pending(request.tenant, request.membership)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        inbox = request.build_absolute_uri(
            reverse("erasure-requests", kwargs={"tenant_slug": request.tenant.slug})
        )
        try:
            rights.erasure_request(tenant=request.tenant, membership=request.membership,
                                   note=form.cleaned_data["note"], request=request,
                                   inbox_url=inbox)  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request has been sent to the company's privacy "
                                        "team."))  # fmt: skip
            return redirect(_my_data_url(request))
    return TemplateResponse(
        request, "gdpr/erasure_new.html",
        {"form": form, "pending": pending,
         "due_by": rights.due_date(request.tenant)},
        status=400 if form.errors else 200,
    )  # fmt: skip


@tenant_view
@policy_gate_exempt
@allowed_when_read_only
def erasure_withdraw(request: TenantRequest) -> HttpResponse:
    if request.method == "POST" and rights.erasure_withdraw(
        tenant=request.tenant, membership=request.membership, request=request
    ):
        messages.success(request, _("Your erasure request is withdrawn."))
    return redirect(_my_data_url(request))


# The privacy team ----------------------------------------------------------------------------


@tenant_view
@allowed_when_read_only
@require_permission(Permission.MANAGE_PRIVACY)
def erasure_requests(request: TenantRequest) -> HttpResponse:
    with tenant_context(request.tenant):
        answered = Paginator(rights.erasure_requests_answered(request.tenant),
                             ANSWERED_PER_PAGE).get_page(request.GET.get("page"))  # fmt: skip
        return TemplateResponse(request, "gdpr/erasure_requests.html", {
            "pending": rights.erasure_requests_pending(request.tenant), "answered": answered,
        })  # fmt: skip


@tenant_view
@allowed_when_read_only
@require_permission(Permission.MANAGE_PRIVACY)
def erasure_detail(request: TenantRequest, request_id: str) -> HttpResponse:
    """One request: who, when, the deadline, what erasing does; approve or decline."""
    erasure = tenant_object_get_or_404(ErasureRequest, tenant=request.tenant, id=request_id)
    action = request.POST.get("action") if request.method == "POST" else None
    approve = ErasureApproveForm(request.POST if action == "approve" else None)
    decline = ErasureDeclineForm(request.POST if action == "decline" else None)
    try:
        if action == "approve" and approve.is_valid():
            pseudonym = rights.erasure_approve(tenant=request.tenant, actor=request.membership,
                                               erasure=erasure, request=request)  # fmt: skip
            messages.success(request, _("The person's data is erased. Their shifts and pay are "
                                        "kept as %(name)s.") % {"name": pseudonym})  # fmt: skip
            return redirect("erasure-requests", tenant_slug=request.tenant.slug)
        if action == "decline" and decline.is_valid():
            rights.erasure_decline(tenant=request.tenant, actor=request.membership,
                                   erasure=erasure, reason=decline.cleaned_data["reason"],
                                   request=request)  # fmt: skip
            messages.success(request, _("Request declined; the person has been told why."))
            return redirect("erasure-requests", tenant_slug=request.tenant.slug)
    except ValidationError as error:
        add_service_errors(decline if action == "decline" else approve, error)
        with tenant_context(request.tenant):
            erasure.refresh_from_db()  # answered meanwhile: show the answer, not the forms
    with tenant_context(request.tenant):
        member = Membership.objects.select_related("user", "role").get(pk=erasure.membership_id)
        shifts = Shift.objects.filter(tenant=request.tenant, membership=member).count()
        decided_by = (
            Membership.objects.select_related("user").get(pk=erasure.decided_by_id)
            if erasure.decided_by_id
            else None
        )
    return TemplateResponse(
        request, "gdpr/erasure_detail.html",
        {"erasure": erasure, "member": member, "shifts": shifts, "decided_by": decided_by,
         "approve": approve, "decline": decline, "own": member.pk == request.membership.pk,
         "pseudonym": rights.pseudonym_for(member)},
        status=400 if (approve.errors or decline.errors) else 200,
    )  # fmt: skip
