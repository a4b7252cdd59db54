"""Sign-in (password, then the second factor), sign-out, and the person's own security page."""

from __future__ import annotations

import base64
import functools
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, cast

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import services
from accounts.events import Event, emit
from accounts.forms import (
    EmailAuthenticationForm,
    EmailChangeForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    ProfileForm,
    SecondFactorForm,
    TotpConfirmForm,
)
from accounts.identity import account_lookup, account_scope
from accounts.models import BackupCodeDevice, TOTPDevice, User

PENDING = "_pending_second_factor"

P = ParamSpec("P")


def account_view(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """The person's own account pages: signed in, and run (template included) inside their
    account_scope, so their row, devices and backup codes are readable and writable."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        with account_scope(request.user.pk, request_level=True):
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return response

    return cast(Callable[Concatenate[HttpRequest, P], HttpResponse], login_required(wrapper))


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(reverse(settings.LOGIN_REDIRECT_URL))


class LoginView(auth_views.LoginView):
    """The password step. Someone with two-factor authentication is not signed in yet: the
    session remembers who passed the password step, briefly, and the code step finishes."""

    authentication_form = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Finding the account by the address typed (and the failed-sign-in audit, and the
        # lockout records) is the one read of an account before anyone is signed in.
        with account_lookup(request.POST.get("username")):
            return super().post(request, *args, **kwargs)

    def form_valid(self, form: EmailAuthenticationForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        if not services.has_two_factor(user):
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING] = {
            "user": str(user.pk),
            "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
            "at": int(time.time()),
            "next": self.get_success_url(),
        }
        return redirect("login-verify")


def lockout_response(request: HttpRequest, credentials: Any = None, *args: Any) -> HttpResponse:
    """django-axes' answer while a (username, IP) pair is locked: the sign-in page with the same
    message whether or not the account exists."""
    form = EmailAuthenticationForm(request)
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    message = _(
        "Too many failed attempts to sign in to this account from here. "
        "Try again in %(minutes)d minutes, or reset your password."
    ) % {"minutes": minutes}
    response = TemplateResponse(
        request, "accounts/login.html", {"form": form, "lockout": message}, status=429
    )
    return response.render()  # returned by middleware, so nothing else renders it


@sensitive_post_parameters("code")
def login_verify(request: HttpRequest) -> HttpResponse:
    """The second step: an authenticator code or a backup code. Also used by someone signed in
    whose session is not yet verified (they enrolled in another session)."""
    subject_id = request.user.pk if request.user.is_authenticated else _pending_user_id(request)
    with account_scope(subject_id):
        response = _login_verify(request)
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        return response


def _pending_user_id(request: HttpRequest) -> object:
    pending = request.session.get(PENDING)
    return pending.get("user") if isinstance(pending, dict) else None


def _login_verify(request: HttpRequest) -> HttpResponse:
    user, next_url = _second_factor_subject(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("login")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
        device = result.device
        if result.wait_seconds:
            form.add_error("code", _wait_message(result.wait_seconds))
        elif device is None:
            emit(Event.TWO_FACTOR_FAILED, user=user, request=request)
            form.add_error(
                "code",
                _("That code is not right, has expired or was already used. Try the current code."),
            )
        else:
            pending = request.session.pop(PENDING, None)
            if not request.user.is_authenticated:
                user.backend = pending["backend"]
                login(request, user)  # a new session id
            else:
                request.session.cycle_key()
            otp_login(request, device)
            if isinstance(device, BackupCodeDevice):
                left = device.remaining
                emit(Event.TWO_FACTOR_BACKUP_CODE_USED, user=user, request=request,
                     data={"remaining": left})  # fmt: skip
                messages.warning(
                    request,
                    _("You used a backup code; %(left)d remain. Make new ones on your account.")
                    % {"left": left},
                )
            return HttpResponseRedirect(next_url)
    return TemplateResponse(request, "accounts/login_verify.html", {"form": form})


def _wait_message(seconds: int) -> str:
    return _("Too many wrong codes. Wait %(seconds)d seconds, then try again.") % {
        "seconds": seconds
    }


def _second_factor_subject(request: HttpRequest) -> tuple[User | None, str]:
    if request.user.is_authenticated:
        user = request.user
        return (user if services.has_two_factor(user) else None), _safe_next(
            request, request.GET.get("next")
        )
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > settings.TWO_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, ""
    pending_user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return pending_user, _safe_next(request, pending.get("next"))


class LogoutView(auth_views.LogoutView):
    """Sign-out is POST only (Django's default), so no link or image can sign someone out."""


# The person's own account -------------------------------------------------------------------


def _account_page(request: HttpRequest, **forms: Any) -> TemplateResponse:
    user = cast(User, request.user)
    context = {
        "profile_form": forms.get("profile_form") or ProfileForm(instance=user),
        "email_form": forms.get("email_form") or EmailChangeForm(user),
        "password_form": forms.get("password_form") or PasswordChangeForm(user),
        "confirm_form": forms.get("confirm_form") or PasswordConfirmForm(user),
        "two_factor": services.has_two_factor(user),
        "backup_codes_left": services.backup_codes_left(user),
        "verified": request.user.is_verified(),  # type: ignore[union-attr]
    }
    status = 400 if any(f.errors for f in forms.values()) else 200
    return TemplateResponse(request, "accounts/account.html", context, status=status)


@account_view
def account(request: HttpRequest) -> HttpResponse:
    return _account_page(request)


@account_view
@require_POST
def profile_update(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST, instance=cast(User, request.user))
    if not form.is_valid():
        return _account_page(request, profile_form=form)
    form.save()
    messages.success(request, _("Your name was saved."))
    return redirect("account")


@account_view
@require_POST
@sensitive_post_parameters("password", "new_password")
def password_change(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PasswordChangeForm(user, request.POST)
    if not form.is_valid():
        return _account_page(request, password_form=form)
    services.password_change(
        request=request, user=user, new_password=form.cleaned_data["new_password"]
    )
    emit(Event.PASSWORD_CHANGED, user=user, request=request)
    messages.success(request, _("Your password was changed. Your other sessions were signed out."))
    return redirect("account")


@account_view
@require_POST
@sensitive_post_parameters("password")
def email_change(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = EmailChangeForm(user, request.POST)
    if not form.is_valid():
        return _account_page(request, email_form=form)
    old_email = user.email
    services.email_change(request=request, user=user, new_email=form.cleaned_data["new_email"])
    emit(
        Event.EMAIL_CHANGED, user=user, request=request, data={"from": old_email, "to": user.email}
    )
    messages.success(
        request, _("Your email address was changed. Your other sessions were signed out.")
    )
    return redirect("account")


@account_view
@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.sessions_end_others(request=request, user=cast(User, request.user))
    emit(Event.SESSIONS_ENDED, user=request.user, request=request)
    messages.success(request, _("You were signed out on every other device and browser."))
    return redirect("account")


@account_view
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: POST starts a new (unconfirmed) device; GET shows its QR code and key."""
    user = cast(User, request.user)
    replacing = services.has_two_factor(user)
    password_form = PasswordConfirmForm(user, request.POST or None) if replacing else None
    if request.method == "POST":
        # Replacing a working authenticator needs the password, like turning it off does.
        if password_form is not None and not password_form.is_valid():
            return _setup_page(request, None, TotpConfirmForm(), status=400,
                               password_form=password_form)  # fmt: skip
        services.totp_device_start(user=user)
        return redirect(_with_next("two-factor-setup", request.GET.get("next")))
    device = services.totp_device_pending(user)
    return _setup_page(request, device, TotpConfirmForm(), password_form=password_form)


def _with_next(name: str, next_url: str | None) -> str:
    url = str(reverse(name))
    return f"{url}?next={next_url}" if next_url else url


def _setup_page(
    request: HttpRequest,
    device: TOTPDevice | None,
    form: TotpConfirmForm,
    status: int = 200,
    password_form: PasswordConfirmForm | None = None,
) -> TemplateResponse:
    context: dict[str, Any] = {
        "device": device,
        "form": form,
        "password_form": password_form,
        "two_factor": services.has_two_factor(cast(User, request.user)),
        "required": bool(request.GET.get("required")),
        "next": request.GET.get("next", ""),
    }
    if device is not None:
        secret = base64.b32encode(device.bin_key).decode().rstrip("=")
        context["secret"] = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, dark="#17212e", light="#ffffff", omitsize=True
        )
    return TemplateResponse(request, "accounts/two_factor_setup.html", context, status=status)


@account_view
@require_POST
@sensitive_post_parameters("code")
def two_factor_confirm(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    device = services.totp_device_pending(user)
    form = TotpConfirmForm(request.POST)
    if device is None:
        messages.error(request, _("Start the set-up again: that set-up had already ended."))
        return redirect("two-factor-setup")
    if not form.is_valid():
        return _setup_page(request, device, form, status=400)
    wait = services.throttle_wait_seconds(device)
    if wait:
        form.add_error("code", _wait_message(wait))
        return _setup_page(request, device, form, status=400)
    codes = services.totp_device_confirm(
        user=user, device=device, code=form.cleaned_data["code"].replace(" ", "")
    )
    if codes is None:
        form.add_error(
            "code",
            _("That code is not right. Check the time on your phone and try the current code."),
        )
        return _setup_page(request, device, form, status=400)
    device.refresh_from_db()
    otp_login(request, device)
    services.sessions_end_others(request=request, user=user)
    emit(Event.TWO_FACTOR_ENABLED, user=user, request=request)
    return TemplateResponse(
        request,
        "accounts/backup_codes.html",
        {"codes": codes, "next": _safe_next(request, request.POST.get("next")), "new": True},
    )


@account_view
@require_POST
@sensitive_post_parameters("password")
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PasswordConfirmForm(user, request.POST)
    if not services.has_two_factor(user):
        return redirect("account")
    if not form.is_valid():
        return _account_page(request, confirm_form=form)
    codes = services.backup_codes_regenerate(user=user)
    services.sessions_end_others(request=request, user=user)
    emit(Event.TWO_FACTOR_BACKUP_CODES_REGENERATED, user=user, request=request)
    return TemplateResponse(
        request, "accounts/backup_codes.html", {"codes": codes, "next": reverse("account")}
    )


@account_view
@require_POST
@sensitive_post_parameters("password")
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = PasswordConfirmForm(user, request.POST)
    if not form.is_valid():
        return _account_page(request, confirm_form=form)
    services.two_factor_disable(request=request, user=user)
    emit(Event.TWO_FACTOR_DISABLED, user=user, request=request)
    messages.success(
        request,
        _("Two-factor authentication is off. Your other sessions were signed out."),
    )
    return redirect("account")


# Password reset by email: Django's views with our templates. The reset never signs the person
# in, so the next sign-in still asks for the second factor.
class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form: Any) -> HttpResponse:
        # The account is found by the address typed, in the one lookup scope for that address.
        with account_lookup(form.cleaned_data["email"]):
            return super().form_valid(form)


password_reset = PasswordResetView.as_view(
    template_name="accounts/password_reset.html",
    email_template_name="emails/password_reset.txt",
    subject_template_name="emails/password_reset_subject.txt",
    success_url=reverse_lazy("password_reset_done"),
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    post_reset_login = False

    def dispatch(self, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The link names the account; Django checks its token against that account's row,
        # which only the account's own scope can read.
        try:
            user_id: object = urlsafe_base64_decode(kwargs.get("uidb64", "")).decode()
        except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
            user_id = None
        with account_scope(user_id):
            response = super().dispatch(*args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return response

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        emit(Event.PASSWORD_RESET, user=form.user, request=self.request)
        return response


password_reset_confirm = PasswordResetConfirmView.as_view()
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
