"""Company sign-up: start (email the owner a link), complete (create the company in trial)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from accounts.identity import account_exists
from accounts.models import User
from accounts.tokens import new_token, token_hash
from billing.models import Signup
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tenancy.services import builtin_role, tenant_create

SIGNUP_LIFETIME = timedelta(hours=24)
TRIAL_LENGTH = timedelta(days=14)


def signup_start(*, data: dict[str, Any], verify_url_for: Callable[[str], str]) -> None:
    """Email the address a link to finish signing up. An address that already has an account is
    sent a note instead, and the person at the form is told the same thing either way."""
    email = data["email"].strip().lower()
    # Hashed whether or not the address is registered: the answer takes as long either way.
    password_hash = make_password(data["password"])
    with transaction.atomic():
        if account_exists(email):
            body = render_to_string("emails/signup_existing.txt", {"company": data["company_name"]})
            subject = _("Someone tried to sign up to Parim with your address")
        else:
            token = new_token()
            Signup.objects.create(
                company_name=data["company_name"].strip(),
                slug=data["slug"],
                full_name=data["full_name"].strip(),
                email=email,
                password_hash=password_hash,
                token_hash=token_hash(token),
                expires_at=timezone.now() + SIGNUP_LIFETIME,
            )
            body = render_to_string(
                "emails/signup_verify.txt",
                {"company": data["company_name"], "url": verify_url_for(token)},
            )
            subject = _("Confirm your email to start your Parim trial")
        # Through the outbox (a platform row: no company exists yet), sent after commit.
        outbox.email(subject, body, [email], tenant=None)


def signup_find(token: str) -> Signup | None:
    signup = Signup.objects.filter(token_hash=token_hash(token)).first()
    return signup if signup is not None and signup.is_open else None


def signup_complete(*, signup: Signup) -> tuple[User, Tenant]:
    """Create the owner's account and the company, in a 14-day trial, with the built-in roles."""
    with transaction.atomic():
        locked = Signup.objects.select_for_update().get(pk=signup.pk)
        if not locked.is_open:
            raise ValidationError(_("This link has already been used or has expired."))
        if account_exists(locked.email):
            raise ValidationError(_("An account with this address exists now: sign in instead."))
        if Tenant.objects.filter(slug=locked.slug).exists():
            raise ValidationError(
                _("The address /%(slug)s/ was taken meanwhile: please sign up again with another.")
                % {"slug": locked.slug}
            )
        user = User(email=locked.email, full_name=locked.full_name, password=locked.password_hash)
        user.full_clean(exclude=["password"])
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError(
                _("An account with this address exists now: sign in instead.")
            ) from None
        try:
            tenant = tenant_create(
                name=locked.company_name,
                slug=locked.slug,
                status=Tenant.Status.TRIAL,
                trial_ends_at=timezone.now() + TRIAL_LENGTH,
            )
        except (IntegrityError, ValidationError):
            raise ValidationError(
                _("That company address cannot be used: sign up again.")
            ) from None
        with tenant_context(tenant):
            Membership.objects.create(
                tenant=tenant, user=user, role=builtin_role(tenant=tenant, kind=RoleKind.OWNER)
            )
        locked.completed_at = timezone.now()
        locked.created_tenant = tenant
        locked.password_hash = ""  # the account holds it now
        locked.save(update_fields=["completed_at", "created_tenant", "password_hash"])
        trial_end = tenant.trial_ends_at.isoformat() if tenant.trial_ends_at else None
        emit(Event.TENANT_SIGNED_UP, tenant=tenant, user=user, target=tenant,
             data={"trial_ends_at": trial_end})  # fmt: skip
    return user, tenant
