"""Tenant pages of the scheduling app: sites, and the sites a member may schedule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from scheduling import services
from scheduling.access import site_get_or_404
from scheduling.forms import MemberSitesForm, SiteForm
from scheduling.models import Site
from scheduling.selectors import sites_for_member
from tenancy.access import membership_get_or_404
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.models import Membership
from tenancy.permissions import Permission


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def sites(request: TenantRequest) -> HttpResponse:
    """The sites the member schedules (all of them, or those they are limited to)."""
    return TemplateResponse(
        request, "scheduling/sites.html", {"sites": list(sites_for_member(request.membership))}
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
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.site_save(
                tenant=request.tenant, actor=request.membership, site=site, **form.cleaned_data
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The site %(name)s was saved.") % {"name": saved.name})
            return redirect("sites", tenant_slug=request.tenant.slug)
    return TemplateResponse(
        request, "scheduling/site_form.html", {"site": site, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


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
        request, "scheduling/member_sites.html", {"member": membership, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip
