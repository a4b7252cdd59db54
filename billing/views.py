"""Public sign-up pages: the form, "check your email", and the verification link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from billing import services
from billing.forms import SignupForm


@sensitive_post_parameters("password")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("tenant-picker")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def verify_url(token: str) -> str:
            return request.build_absolute_uri(reverse("signup-verify", kwargs={"token": token}))

        services.signup_start(data=form.cleaned_data, verify_url_for=verify_url)
        return redirect("signup-sent")
    return TemplateResponse(
        request, "billing/signup.html", {"form": form}, status=400 if form.errors else 200
    )


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
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request, _("Welcome to Parim. Your 14-day trial of %(company)s has started.")
            % {"company": tenant.name},
        )  # fmt: skip
        return redirect("dashboard", tenant_slug=tenant.slug)
    return TemplateResponse(request, "billing/signup_verify.html", {"signup": signup})
