"""The clock: an employee's buttons (on My shifts and on a page of their own, phone first)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.clocking import selectors, services
from attendance.clocking.forms import ClockForm
from attendance.clocking.services import Action, Clocking
from scheduling.access import site_get_or_404
from tenancy.http import TenantRequest, tenant_reverse, tenant_view

DONE = {
    Action.IN: _("Clocked in."),
    Action.OUT: _("Clocked out."),
    Action.BREAK_START: _("Break started."),
    Action.BREAK_END: _("Break ended."),
}


def clock_panel(request: TenantRequest) -> Mapping[str, Any] | None:
    """The clock buttons' context (My shifts panel and the clock page)."""
    state = selectors.clock_state(request.tenant, request.membership, timezone.now())
    choices = [(str(site.pk), site.name) for site in state.sites]
    return {
        "state": state,
        "form": ClockForm(site_choices=choices),
        "action_url": tenant_reverse("clock", request.tenant.slug),
    }


@tenant_view
def clock(request: TenantRequest) -> HttpResponseBase:
    """GET: the buttons. POST: clock in or out, start or end a break, then back to the page
    the button was on (My shifts, or this one)."""
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.method == "GET":
        from attendance.kiosk.forms import PinForm

        return TemplateResponse(request, "attendance/clocking/clock.html",
                                {"data": clock_panel(request), "pin_form": PinForm()})  # fmt: skip
    state = selectors.clock_state(request.tenant, request.membership, timezone.now())
    form = ClockForm(request.POST, site_choices=[(str(s.pk), s.name) for s in state.sites])
    back = "my-shifts" if request.POST.get("back") == "my-shifts" else "clock"
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect(back, tenant_slug=request.tenant.slug)
    action = Action(form.cleaned_data["action"])
    site_id = form.cleaned_data.get("site")
    clocking = Clocking(
        fix=form.fix(), device_time=form.device_time(),
        site=site_get_or_404(tenant=request.tenant, id=site_id) if site_id else None,
    )  # fmt: skip
    tenant, me = request.tenant, request.membership
    try:
        if action == Action.IN:
            services.punch_clock_in(tenant=tenant, actor=me, membership=me, clocking=clocking,
                                    request=request)  # fmt: skip
        elif action == Action.OUT:
            services.punch_clock_out(tenant=tenant, actor=me, membership=me, clocking=clocking,
                                     request=request)  # fmt: skip
        elif action == Action.BREAK_START:
            services.break_start(tenant=tenant, membership=me, request=request)
        else:
            services.break_end(tenant=tenant, membership=me, request=request)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, DONE[action])
    return redirect(back, tenant_slug=request.tenant.slug)
