"""Writes of the accounts app: accounts, two-factor devices, backup codes and sessions."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from accounts.identity import account_scope
from accounts.models import BackupCode, BackupCodeDevice, TOTPDevice, User

if TYPE_CHECKING:
    from django_otp.models import Device

BACKUP_CODE_COUNT = 10


def user_create(
    *, email: str, password: str | None, full_name: str = "", active: bool = True
) -> User:
    """A new account; `password` None makes an account that cannot sign in until one is set."""
    with transaction.atomic():
        user = User(email=email, full_name=full_name, is_active=active)
        user.full_clean(exclude=["password"])
        user.set_password(password)
        user.save()
    return user


def sessions_end_others(*, request: HttpRequest, user: User) -> None:
    """End every session of `user` except this request's (which gets a new id)."""
    with account_scope(user.pk):
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        user.refresh_from_db(fields=["session_generation"])
    update_session_auth_hash(request, user)


def sessions_end_all(*, user: User) -> None:
    with account_scope(user.pk):
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)


def password_change(*, request: HttpRequest, user: User, new_password: str) -> None:
    validate_password(new_password, user)
    with account_scope(user.pk):
        user.set_password(new_password)
        user.save(update_fields=["password"])
        sessions_end_others(request=request, user=user)


def email_change(*, request: HttpRequest, user: User, new_email: str) -> None:
    with account_scope(user.pk):
        user.email = new_email
        user.full_clean(exclude=["password"])
        user.save(update_fields=["email"])
        sessions_end_others(request=request, user=user)


def user_deactivate(*, user: User) -> None:
    """A deactivated account cannot sign in, and its sessions end at their next request."""
    from accounts.events import Event, emit

    emit(Event.USER_DEACTIVATED, user=user)  # while the memberships still say where to record it
    with account_scope(user.pk):
        User.objects.filter(pk=user.pk).update(
            is_active=False, session_generation=F("session_generation") + 1
        )


def user_erase(*, user: User, pseudonym: str) -> None:
    """Anonymise an account for good (GDPR erasure): the name becomes `pseudonym`, the email an
    address that cannot receive mail, no password, no second factor, no sign-in records; the
    account is deactivated and every session ends. The row stays, so that what the person did
    keeps its pseudonymous author."""
    from axes.models import AccessAttempt, AccessLog

    email = user.email
    with account_scope(user.pk):
        User.objects.filter(pk=user.pk).update(
            email=f"erased-{user.pk.hex}@erased.invalid", full_name=pseudonym[:150],
            password=make_password(None), is_active=False,
            session_generation=F("session_generation") + 1,
        )  # fmt: skip
        TOTPDevice.objects.filter(user=user).delete()
        BackupCodeDevice.objects.filter(user=user).delete()
        AccessAttempt.objects.filter(username__iexact=email).delete()
        AccessLog.objects.filter(username__iexact=email).delete()
        user.refresh_from_db()


# Two-factor authentication -------------------------------------------------------------------


def totp_device_of(user: User) -> TOTPDevice | None:
    with account_scope(user.pk):
        device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device


def has_two_factor(user: User) -> bool:
    with account_scope(user.pk):
        return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def backup_codes_left(user: User) -> int:
    with account_scope(user.pk):
        device = BackupCodeDevice.objects.filter(user=user).first()
        return device.remaining if device is not None else 0


def totp_device_pending(user: User) -> TOTPDevice | None:
    """The device being enrolled (not yet confirmed), if any."""
    with account_scope(user.pk):
        device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device


def totp_device_start(*, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP device; it replaces any earlier unconfirmed one."""
    with account_scope(user.pk):
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device: TOTPDevice = TOTPDevice.objects.create(
            user=user, name="Authenticator app", confirmed=False, tolerance=1
        )
    return device


def totp_device_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Activate `device` if `code` is right; return the new backup codes, or None if wrong."""
    if device.user_id != user.pk or device.confirmed:
        return None
    with account_scope(user.pk):
        if not device.verify_token(code):
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return backup_codes_regenerate(user=user)


def backup_codes_regenerate(*, user: User) -> list[str]:
    """Ten new single-use codes, shown once; the earlier ones stop working."""
    with account_scope(user.pk):
        BackupCodeDevice.objects.filter(user=user).delete()
        device = BackupCodeDevice.objects.create(user=user, name="Backup codes", confirmed=True)
        codes = []
        for _ in range(BACKUP_CODE_COUNT):
            raw = "".join(secrets.choice(BackupCode.ALPHABET) for _ in range(BackupCode.LENGTH))
            BackupCode.create_for(device, raw)
            codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def two_factor_disable(*, request: HttpRequest, user: User) -> None:
    with account_scope(user.pk):
        TOTPDevice.objects.filter(user=user).delete()
        BackupCodeDevice.objects.filter(user=user).delete()
        sessions_end_others(request=request, user=user)


@dataclass(frozen=True)
class SecondFactorResult:
    device: Device | None
    # After wrong codes django-otp makes the next attempt wait 1, 2, 4... seconds.
    wait_seconds: int = 0


def second_factor_verify(*, user: User, code: str) -> SecondFactorResult:
    """The device that accepts `code` (an authenticator code or a backup code), if any.

    A code that was already used is refused: TOTP codes only at a later time step than the last
    accepted one (django-otp's last_t), backup codes only while unused."""
    code = code.strip()
    digits = code.replace(" ", "")
    with account_scope(user.pk):
        # Locked: parallel guesses cannot each slip past the throttle, and a failing request
        # cannot save back a stale last_t that would re-open a code just used.
        device: Device | None
        if digits.isdigit():
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
            code = digits
        else:
            device = (
                BackupCodeDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .first()
            )
        if device is None:
            return SecondFactorResult(None)
        _forgive_old_failures(device)
        wait = throttle_wait_seconds(device)
        if wait:
            return SecondFactorResult(None, wait)
        return SecondFactorResult(device if device.verify_token(code) else None)


# django-otp doubles the wait after each wrong code without limit; someone who knows only the
# password could keep the owner locked out for days. Failures older than this are forgiven.
THROTTLE_FORGIVE_AFTER = timedelta(minutes=15)


def _forgive_old_failures(device: Device) -> None:
    failed_at = getattr(device, "throttling_failure_timestamp", None)
    if failed_at is not None and timezone.now() - failed_at > THROTTLE_FORGIVE_AFTER:
        device.throttle_reset(commit=True)


def throttle_wait_seconds(device: Device) -> int:
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    remaining: float = (details["locked_until"] - timezone.now()).total_seconds()
    return max(1, math.ceil(remaining))
