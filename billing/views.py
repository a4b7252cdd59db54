"""Sign-up pages (public), the billing pages (tenant), and Stripe's webhook endpoint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from billing import billing as subscriptions
from billing import services
from billing.forms import SignupForm
from billing.models import Subscription
from billing.stripe_api import configured
from tenancy.http import TenantRequest, allowed_when_read_only, require_permission, tenant_view
from tenancy.permissions import Permission


@sensitive_post_parameters("password")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("tenant-picker")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not _over_limit(request, form):

        def verify_url(token: str) -> str:
            return request.build_absolute_uri(reverse("signup-verify", kwargs={"token": token}))

        services.signup_start(data=form.cleaned_data, verify_url_for=verify_url)
        return redirect("signup-sent")
    return TemplateResponse(
        request, "billing/signup.html", {"form": form}, status=400 if form.errors else 200
    )


def _over_limit(request: HttpRequest, form: SignupForm) -> bool:
    """At most a few sign-ups an hour for one address (nobody can flood a stranger's inbox
    through us) and from one IP address. Adds the form error when over."""
    import hashlib

    from django.conf import settings
    from django.core.cache import cache

    from audit.context import client_ip

    email = form.cleaned_data["email"].strip().lower()
    address = hashlib.sha256(email.encode()).hexdigest()
    keys = {
        f"signup:email:{address}": settings.SIGNUP_LIMIT_PER_ADDRESS,
        f"signup:ip:{client_ip(request) or 'unknown'}": settings.SIGNUP_LIMIT_PER_IP,
    }
    over = False
    for key, limit in keys.items():
        cache.add(key, 0, timeout=3600)
        if cache.incr(key) > limit:
            over = True
    if over:
        form.add_error(
            None, _("Too many sign-ups from here or for this address. Try again in an hour.")
        )
    return over


def signup_sent(request: HttpRequest) -> HttpResponse:
    return TemplateResponse(request, "billing/signup_sent.html")


def signup_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be created; only the button (POST) creates it, so mail scanners that
    open links do nothing."""
    signup = services.signup_find(token)
    if signup is None:
        return TemplateResponse(request, "billing/signup_invalid.html", status=404)
    if request.method == "POST":
        try:
            user, tenant = services.signup_complete(signup=signup)
        except ValidationError as error:
            return TemplateResponse(
                request, "billing/signup_verify.html",
                {"signup": signup, "errors": error.messages}, status=400,
            )  # fmt: skip
        login(request, user, backend="accounts.backends.AccountBackend")
        messages.success(
            request, _("Welcome to Parim. Your 14-day trial of %(company)s has started.")
            % {"company": tenant.name},
        )  # fmt: skip
        return redirect("dashboard", tenant_slug=tenant.slug)
    return TemplateResponse(request, "billing/signup_verify.html", {"signup": signup})


# Billing (tenant pages) -----------------------------------------------------------------------


def _billing_context(request: TenantRequest) -> dict[str, object]:
    return {
        "configured": configured(),
        "subscription": Subscription.objects.filter(tenant=request.tenant).first(),
        "seats": subscriptions.active_seats(request.tenant),
    }


@tenant_view
@require_permission(Permission.MANAGE_BILLING)
@allowed_when_read_only
def billing_page(request: TenantRequest) -> HttpResponse:
    return TemplateResponse(request, "billing/billing.html", _billing_context(request))


@tenant_view
@require_permission(Permission.MANAGE_BILLING)
@allowed_when_read_only
def billing_checkout(request: TenantRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not configured():
        messages.error(request, _("Billing is not configured on this installation."))
        return redirect("billing", tenant_slug=request.tenant.slug)
    existing = Subscription.objects.filter(tenant=request.tenant).first()
    if existing is not None and existing.is_live:
        messages.info(request, _("You already have a subscription: manage it here."))
        return redirect("billing", tenant_slug=request.tenant.slug)
    slug = request.tenant.slug
    url = subscriptions.checkout_start(
        tenant=request.tenant,
        actor=request.membership,
        success_url=request.build_absolute_uri(reverse("billing-return", args=[slug])),
        cancel_url=request.build_absolute_uri(reverse("billing", args=[slug])),
    )
    return redirect(url)


@tenant_view
@require_permission(Permission.MANAGE_BILLING)
@allowed_when_read_only
def billing_portal(request: TenantRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not configured():
        messages.error(request, _("Billing is not configured on this installation."))
        return redirect("billing", tenant_slug=request.tenant.slug)
    url = subscriptions.portal_start(
        tenant=request.tenant,
        actor=request.membership,
        return_url=request.build_absolute_uri(reverse("billing", args=[request.tenant.slug])),
    )
    return redirect(url)


@tenant_view
@require_permission(Permission.MANAGE_BILLING)
@allowed_when_read_only
def billing_return(request: TenantRequest) -> HttpResponse:
    """Back from Checkout: wait (polling with htmx) until Stripe's webhook confirms."""
    return TemplateResponse(request, "billing/return.html", _billing_context(request))


@tenant_view
@require_permission(Permission.MANAGE_BILLING)
@allowed_when_read_only
def billing_status(request: TenantRequest) -> HttpResponse:
    """The htmx fragment the return page polls until the subscription is active."""
    context = {**_billing_context(request), "poll": request.GET.get("poll") == "1"}
    return TemplateResponse(request, "billing/partials/status.html", context)


@csrf_exempt
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed events. A bad or missing signature: 400 and nothing recorded."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        outcome = subscriptions.webhook_receive(
            request.body, request.headers.get("Stripe-Signature")
        )
    except subscriptions.BadSignatureError:
        return HttpResponseBadRequest("invalid signature")
    return HttpResponse(outcome, content_type="text/plain")
