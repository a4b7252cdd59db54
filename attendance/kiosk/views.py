"""The kiosk page (on the enrolled tablet only: its device cookie, no person signed in), the
one-time enrolment link that binds a tablet, the managers' list of kiosks, and a person's PIN."""

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

NOT_ENROLLED = "attendance/kiosk/not_enrolled.html"
ENROL_INVALID = "attendance/kiosk/enrol_invalid.html"


def _not_enrolled(request: TenantRequest) -> HttpResponse:
    """No PIN form: the same page (404) as for an unknown company, so the address says nothing
    of whether the company exists."""
    return TemplateResponse(request, NOT_ENROLLED, status=404)


@tenant_public_view(NOT_ENROLLED)
def kiosk(request: TenantRequest) -> HttpResponseBase:
    """The site's tablet: pick your name, type your PIN, press the button. Only on the device
    enrolled as a kiosk (its cookie); any other device, a revoked one, or a turned-off kiosk
    gets the "not enrolled" page."""
    found = services.kiosk_by_device(request.tenant, request.COOKIES.get(services.DEVICE_COOKIE))
    if found is None:
        return _not_enrolled(request)
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


@tenant_public_view(ENROL_INVALID)
def kiosk_enrol(request: TenantRequest, enrol_code: str) -> HttpResponseBase:
    """The one-time enrolment link, opened on the tablet. GET: what it will do and a button
    (a link preview must not spend it); POST: bind this device (a long-lived, HttpOnly,
    SameSite=Strict cookie, Secure over HTTPS, limited to the kiosk's address) and go to the
    kiosk. A wrong, spent or expired link: a clear page, nothing changed."""
    found = services.kiosk_by_enrolment(request.tenant, enrol_code)
    if found is None:
        return TemplateResponse(request, ENROL_INVALID, status=404)
    if request.method not in {"GET", "POST"}:
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if request.method == "GET":
        return TemplateResponse(request, "attendance/kiosk/enrol.html", {"kiosk": found})
    if request.tenant.is_read_only:
        messages.error(request, _("This company's account is read-only: clocking is paused."))
        return redirect(request.path)
    enrolled = services.kiosk_enrol(tenant=request.tenant, code=enrol_code, request=request)
    if enrolled is None:
        return TemplateResponse(request, ENROL_INVALID, status=404)
    _found, token = enrolled
    path = reverse("kiosk", kwargs={"tenant_slug": request.tenant.slug})
    response = redirect(path)
    response.set_cookie(
        services.DEVICE_COOKIE, token, max_age=int(services.DEVICE_COOKIE_AGE.total_seconds()),
        path=path, secure=request.is_secure(), httponly=True, samesite="Strict",
    )  # fmt: skip
    messages.success(request, _("This tablet is now the kiosk. Keep it at the site."))
    return response


def _enrol_url(request: TenantRequest, code: str) -> str:
    where = {"tenant_slug": request.tenant.slug, "enrol_code": code}
    return request.build_absolute_uri(reverse("kiosk-enrol", kwargs=where))


@tenant_view
@require_permission(Permission.CLOCK_OTHERS)
def kiosk_list(request: TenantRequest) -> HttpResponseBase:
    """The kiosks of the member's sites. POST action=create (a kiosk, and its enrolment link
    shown once), enrol (a new enrolment link), revoke_device or revoke (turn off); the last
    two are confirmed in a dialog first."""
    sites = list(sites_for_member(request.membership))
    form = KioskForm(site_choices=[(str(s.pk), s.name) for s in sites])
    made_url, tenant, me = "", request.tenant, request.membership
    if request.method == "POST":
        action = request.POST.get("action")
        if action in {"revoke", "revoke_device", "enrol"}:
            row = tenant_object_get_or_404(Kiosk, tenant=tenant,
                                           id=request.POST.get("kiosk", ""))  # fmt: skip
            if action == "revoke":
                services.kiosk_revoke(tenant=tenant, actor=me, kiosk=row)
                messages.success(request, _("The kiosk is turned off: its tablet no longer "
                                            "works as a kiosk."))  # fmt: skip
            elif action == "revoke_device":
                services.kiosk_device_revoke(tenant=tenant, actor=me, kiosk=row)
                done = _("The device is revoked: it no longer works as this kiosk. Enrol another "
                         "when you are ready.")  # fmt: skip
                messages.success(request, done)
            else:
                try:
                    code = services.kiosk_enrolment_start(tenant=tenant, actor=me, kiosk=row)
                except ValidationError as error:
                    for message in error.messages:
                        messages.error(request, message)
                else:
                    made_url = _enrol_url(request, code)
            if not made_url:
                return redirect("kiosks", tenant_slug=tenant.slug)
        else:
            form = KioskForm(request.POST, site_choices=[(str(s.pk), s.name) for s in sites])
            if form.is_valid():
                site = site_get_or_404(tenant=tenant, id=form.cleaned_data["site"])
                try:
                    made = services.kiosk_create(tenant=tenant, actor=me, site=site,
                                                 name=form.cleaned_data["name"])  # fmt: skip
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    code = services.kiosk_enrolment_start(tenant=tenant, actor=me, kiosk=made)
                    made_url = _enrol_url(request, code)
    kiosks = list(
        Kiosk.objects.filter(tenant=request.tenant, site__in=sites, revoked_at__isnull=True)
        .select_related("site")
    )  # fmt: skip
    minutes = int(services.ENROL_FOR.total_seconds() // 60)
    return TemplateResponse(request, "attendance/kiosk/list.html",
                            {"kiosks": kiosks, "form": form, "made_url": made_url,
                             "enrol_minutes": minutes})  # fmt: skip


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
