"""An employee's own pages: my shifts and the calendar feed."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tokens import token_hash
from scheduling.employee import calendar as feeds
from scheduling.employee import selectors, services
from scheduling.employee.panels import my_shifts_panels
from scheduling.marketplace import selectors as marketplace
from scheduling.models import WorkProfile
from tenancy.http import TenantRequest, tenant_public_view, tenant_view
from tenancy.models import Membership


@tenant_view
def my_shifts(request: TenantRequest) -> HttpResponse:
    """The member's own published shifts: upcoming, hours this week and month, colleagues;
    each with its open swap offer, if any (one more query, only when there are shifts); and
    whether their calendar feed is on (one query)."""
    context = selectors.my_schedule(request.membership)
    offers = {}
    if context["upcoming"]:
        ids = [shift.pk for shift, _colleagues in context["upcoming"]]
        offers = marketplace.open_swaps_by_shift(request.membership, ids)
    context["now"] = timezone.now()
    context["has_feed"] = selectors.has_calendar_feed(request.membership)
    context["shifts"] = [
        (shift, colleagues, offers.get(shift.pk)) for shift, colleagues in context["upcoming"]
    ]
    context["panels"] = my_shifts_panels(request)  # the clock buttons (attendance), if any
    return TemplateResponse(request, "scheduling/employee/my_shifts.html", context)


@tenant_view
def calendar_feed_manage(request: TenantRequest) -> HttpResponse:
    """POST action=renew: a new secret feed address (shown once); action=revoke: none."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    if request.POST.get("action") == "revoke":
        services.calendar_feed_revoke(tenant=request.tenant, membership=request.membership)
        messages.success(request, _("Your calendar feed address no longer works."))
        return redirect("my-shifts", tenant_slug=request.tenant.slug)
    token = services.calendar_feed_renew(tenant=request.tenant, membership=request.membership)
    url = request.build_absolute_uri(
        reverse("calendar-feed", kwargs={"tenant_slug": request.tenant.slug, "feed_token": token})
    )
    return TemplateResponse(
        request, "scheduling/employee/calendar_feed.html", subscribe_links(url, request.tenant.name)
    )


def subscribe_links(feed_url: str, company: str) -> dict[str, str]:
    """The feed's address, and the links that subscribe to it in one tap: webcal (Apple
    Calendar, iPhone and iPad, Outlook on a computer), Google Calendar (it takes the webcal
    address) and Outlook on the web."""
    webcal = "webcal://" + feed_url.split("://", 1)[1]
    name = _("Shifts at %(company)s") % {"company": company}
    return {
        "feed_url": feed_url,
        "webcal_url": webcal,
        "google_url": "https://calendar.google.com/calendar/r?" + urlencode({"cid": webcal}),
        "outlook_url": "https://outlook.live.com/calendar/0/addfromweb?"
        + urlencode({"url": feed_url, "name": name}),
    }


@tenant_public_view("404.html")
def calendar_feed(request: TenantRequest, feed_token: str) -> HttpResponse:
    """The person's published shifts as an RFC 5545 calendar, at a secret address (the token
    is the credential; a wrong or revoked one answers 404 like an unknown company)."""
    wanted = token_hash(feed_token)
    profile = (
        WorkProfile.objects.filter(tenant=request.tenant, calendar_token_hash=wanted)
        .select_related("membership")
        .first()
    )
    if profile is None or profile.membership.status != Membership.Status.ACTIVE:
        return TemplateResponse(request, "404.html", status=404)
    body = feeds.calendar(request.tenant, profile.membership)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
