"""The tenant picker and the tenant dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from tenancy.http import TenantRequest, tenant_view
from tenancy.selectors import memberships_of_user

if TYPE_CHECKING:
    from accounts.models import User


@login_required
def tenant_picker(request: HttpRequest) -> HttpResponse:
    """Straight to the dashboard for one company; a choice for several; an empty state for none."""
    memberships = memberships_of_user(cast("User", request.user))
    if len(memberships) == 1:
        return redirect("dashboard", tenant_slug=memberships[0].tenant.slug)
    return TemplateResponse(request, "tenancy/picker.html", {"memberships": memberships})


@tenant_view
def dashboard(request: TenantRequest) -> HttpResponse:
    return TemplateResponse(request, "tenancy/dashboard.html", {"role": request.membership.role})
