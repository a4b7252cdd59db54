"""The managers' board, and clocking someone in or out from it with a reason."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.board.forms import ClockForForm
from attendance.board.selectors import board
from attendance.clocking import services
from attendance.clocking.services import Clocking
from attendance.settings import attendance_settings
from scheduling.access import sites_for_member
from tenancy.access import membership_get_or_404
from tenancy.http import TenantRequest, permission_denied, require_permission, tenant_view
from tenancy.permissions import Permission


@tenant_view
@require_permission(Permission.CLOCK_OTHERS)
def attendance_board(request: TenantRequest) -> HttpResponseBase:
    """GET: who is on now per site. POST: clock someone in or out, with a reason (audited)."""
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.method == "POST":
        form = ClockForForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, str(message))
            return redirect("board", tenant_slug=request.tenant.slug)
        person = membership_get_or_404(tenant=request.tenant, id=form.cleaned_data["membership"])
        site = None
        if form.cleaned_data.get("site"):
            site = sites_for_member(request.membership).filter(pk=form.cleaned_data["site"]).first()
            if site is None:
                messages.error(request, _("Choose one of your sites."))
                return redirect("board", tenant_slug=request.tenant.slug)
        clock = (services.punch_clock_in if form.cleaned_data["action"] == "in"
                 else services.punch_clock_out)  # fmt: skip
        try:
            clock(tenant=request.tenant, actor=request.membership, membership=person,
                  clocking=Clocking(site=site), reason=form.cleaned_data["reason"],
                  request=request)  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except PermissionDenied:
            return permission_denied(request, Permission.CLOCK_OTHERS)
        else:
            messages.success(request, _("Clocked in, with your reason.")
                             if form.cleaned_data["action"] == "in"
                             else _("Clocked out, with your reason."))  # fmt: skip
        return redirect("board", tenant_slug=request.tenant.slug)
    now = timezone.now()
    sites = board(request.tenant, request.membership, attendance_settings(request.tenant), now)
    return TemplateResponse(request, "attendance/board/board.html",
                            {"sites": sites, "now": now, "form": ClockForForm()})  # fmt: skip
