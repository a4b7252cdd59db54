"""The kiosk page (opened with the kiosk's own secret address, no person signed in), the
managers' list of kiosks, and a person's PIN."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from attendance.clocking.services import Action
from attendance.kiosk import services
from attendance.kiosk.forms import KioskForm, KioskPunchForm, PinForm
from attendance.models import Kiosk
from scheduling.access import site_get_or_404, sites_for_member
from tenancy.access import tenant_object_get_or_404
from tenancy.http import (
    TenantRequest,
    require_permission,
    tenant_public_view,
    tenant_view,
)
from tenancy.models import Membership
from tenancy.permissions import Permission


@tenant_public_view("404.html")
def kiosk(request: TenantRequest, kiosk_token: str) -> HttpResponseBase:
    """The site's tablet: pick your name, type your PIN, press the button. A wrong or turned-off
    address answers 404 like an unknown company."""
    found = services.kiosk_by_token(request.tenant, kiosk_token)
    if found is None:
        return TemplateResponse(request, "404.html", status=404)
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.method == "POST" and request.tenant.is_read_only:
        # A public page skips the read-only check of signed-in pages: refuse writes here.
        messages.error(request, _("This company's account is read-only: clocking is paused."))
        return redirect(request.path)
    if request.method == "POST":
        form = KioskPunchForm(request.POST)
        if form.is_valid():
            try:
                person, done = services.kiosk_punch(
                    tenant=request.tenant, kiosk=found,
                    membership_id=str(form.cleaned_data["person"]),
                    pin=form.cleaned_data["pin"], action=Action(form.cleaned_data["action"]),
                    request=request,
                )  # fmt: skip
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            else:
                messages.success(request, f"{done}: {person.user.display_name}")
        else:
            messages.error(request, _("Choose your name and type your PIN."))
        return redirect(request.path)
    people = list(
        services.kiosk_people(request.tenant, found.site)
        .filter(status=Membership.Status.ACTIVE)
        .select_related("user").order_by("user__full_name", "pk")
    )  # fmt: skip
    context = {"kiosk": found, "people": people, "form": KioskPunchForm()}
    return TemplateResponse(request, "attendance/kiosk/kiosk.html", context)


@tenant_view
@require_permission(Permission.CLOCK_OTHERS)
def kiosk_list(request: TenantRequest) -> HttpResponseBase:
    """The kiosks of the member's sites. POST action=create (shows the address once) or
    action=revoke."""
    sites = list(sites_for_member(request.membership))
    form = KioskForm(site_choices=[(str(s.pk), s.name) for s in sites])
    made_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            row = tenant_object_get_or_404(Kiosk, tenant=request.tenant,
                                           id=request.POST.get("kiosk", ""))  # fmt: skip
            services.kiosk_revoke(tenant=request.tenant, actor=request.membership, kiosk=row)
            messages.success(request, _("The kiosk is turned off: its address no longer works."))
            return redirect("kiosks", tenant_slug=request.tenant.slug)
        form = KioskForm(request.POST, site_choices=[(str(s.pk), s.name) for s in sites])
        if form.is_valid():
            site = site_get_or_404(tenant=request.tenant, id=form.cleaned_data["site"])
            try:
                _made, token = services.kiosk_create(tenant=request.tenant,
                                                     actor=request.membership, site=site,
                                                     name=form.cleaned_data["name"])  # fmt: skip
            except ValidationError as error:
                form.add_error(None, error)
            else:
                where = {"tenant_slug": request.tenant.slug, "kiosk_token": token}
                made_url = request.build_absolute_uri(reverse("kiosk", kwargs=where))
    kiosks = list(
        Kiosk.objects.filter(tenant=request.tenant, site__in=sites, revoked_at__isnull=True)
        .select_related("site")
    )  # fmt: skip
    return TemplateResponse(request, "attendance/kiosk/list.html",
                            {"kiosks": kiosks, "form": form, "made_url": made_url})  # fmt: skip


@tenant_view
def kiosk_pin(request: TenantRequest) -> HttpResponseBase:
    """POST: set the member's own kiosk PIN."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    form = PinForm(request.POST)
    if form.is_valid():
        try:
            services.pin_set(tenant=request.tenant, membership=request.membership,
                             pin=form.cleaned_data["pin"])  # fmt: skip
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your kiosk PIN is set."))
    else:
        messages.error(request, _("Use 4 to 8 digits."))
    return redirect("clock", tenant_slug=request.tenant.slug)
