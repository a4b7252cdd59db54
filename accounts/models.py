"""The person who signs in: one account per email address, across all the tenants they belong to."""

from __future__ import annotations

import time
import uuid
from base64 import b32encode
from binascii import unhexlify
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import hex_validator, random_hex

from accounts.crypto import two_factor_keys


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username: str | None) -> User:
        # Email addresses are compared without regard to case, as people type them.
        return self.get(email__iexact=username or "")


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]
    """An account; what it may do in a company is given by its Membership there.

    PermissionsMixin is here for django-guardian's object permissions (managers limited to some
    sites); Django's global groups and permissions are not used, and nobody is a superuser."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    # Part of every session's authentication hash: raising it ends all of the person's sessions.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash covers the password hash; ours also covers the session generation.
        return salted_hmac(
            "accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def initials(self) -> str:
        words = self.full_name.split() or [self.email]
        return "".join(word[0] for word in words[:2]).upper()


class BackupCodeDevice(ThrottlingMixin, Device):  # type: ignore[misc]
    """Single-use backup codes as a django-otp device, so that using one verifies the session
    like a TOTP code does. Unlike django-otp's static tokens, the codes are stored hashed."""

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = _("backup codes")

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: Any) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        normalised = BackupCode.normalise(str(token))
        if len(normalised) != BackupCode.LENGTH:
            self.throttle_increment(commit=True)
            return False
        candidate = self.codes.filter(lookup=normalised[:4], used_at__isnull=True).first()
        if candidate is None or not check_password(normalised, candidate.code_hash):
            self.throttle_increment(commit=True)
            return False
        # Exactly once, even if two requests present the same code at the same moment.
        used = BackupCode.objects.filter(pk=candidate.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            self.throttle_increment(commit=True)
            return False
        self.throttle_reset(commit=True)
        return True

    @property
    def remaining(self) -> int:
        return int(self.codes.filter(used_at__isnull=True).count())


class BackupCode(models.Model):
    """One backup code: its first four characters in clear to find it, the whole code hashed."""

    LENGTH = 12
    ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand

    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    lookup = models.CharField(max_length=4)
    code_hash = models.CharField(max_length=200)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["device", "lookup"], name="accounts_backup_lookup")]

    def __str__(self) -> str:
        return f"Backup code {self.lookup}… ({'used' if self.used_at else 'unused'})"

    @classmethod
    def normalise(cls, value: str) -> str:
        return "".join(ch for ch in value.lower() if ch.isalnum())

    @classmethod
    def create_for(cls, device: BackupCodeDevice, code: str) -> BackupCode:
        normalised = cls.normalise(code)
        return cls.objects.create(
            device=device, lookup=normalised[:4], code_hash=make_password(normalised)
        )


class EncryptedSecretField(models.TextField):  # type: ignore[type-arg]
    """A secret stored encrypted with TWO_FACTOR_KEYS (accounts.crypto): clear in Python, Fernet
    ciphertext in the database. Each write encrypts anew (random IV), so the column can never
    be searched by value: look rows up by something else."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return two_factor_keys.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return two_factor_keys.encrypt(str(value))


def default_totp_key() -> str:
    return str(random_hex(20))


def _totp_key_validator(value: str) -> None:
    hex_validator()(value)


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]
    """An authenticator app (RFC 6238 TOTP). django-otp's own TOTPDevice, field for field and with
    the same verification, except that the shared secret is stored encrypted with a key kept
    outside the database (TWO_FACTOR_KEYS): a copy of the table alone cannot mint codes."""

    key = EncryptedSecretField(validators=[_totp_key_validator], default=default_totp_key)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):  # type: ignore[misc]
        verbose_name = _("TOTP device")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    # From django_otp.plugins.otp_totp.models.TOTPDevice (django-otp 1.x), unchanged in effect.
    def verify_token(self, token: Any) -> bool:
        allowed, _details = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            number = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = bool(totp.verify(number, self.tolerance, self.last_t + 1))
            if verified:
                self.last_t = totp.t()
                if getattr(settings, "OTP_TOTP_SYNC", True):
                    self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The otpauth:// URL an authenticator app scans."""
        from urllib.parse import quote, urlencode

        label = str(self.user.get_username())
        query = urlencode(
            {"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits,
             "period": self.step}
        )  # fmt: skip
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            query += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{query}"
