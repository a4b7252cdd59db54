"""Tenant, Role and Membership, and TenantModel: the base of every tenant-owned table."""

from __future__ import annotations

import math
import zoneinfo
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tenancy.context import TenantContextError, current_tenant
from tenancy.ids import uuid7
from tenancy.permissions import ALL_PERMISSIONS, Permission, RoleKind

_M = TypeVar("_M", bound=models.Model)

# Paths at the root of the site that a tenant slug may never take.
RESERVED_SLUGS: frozenset[str] = frozenset(
    {
        "accounts", "admin", "api", "app", "assets", "billing", "dashboard", "docs", "healthz",
        "help", "login", "logout", "media", "new", "robots.txt", "security", "settings", "signup",
        "static", "status", "stripe", "support", "www", "well-known",
    }
)  # fmt: skip


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone (use a name such as Europe/London)."),
            params={"value": value},
        )


def validate_tenant_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(_("%(value)s is reserved; choose another."), params={"value": value})


class Tenant(models.Model):
    """A customer company. Not tenant-owned itself: it is the directory the resolver reads."""

    class Status(models.TextChoices):
        TRIAL = "trial", _("Trial")
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Past due")
        READ_ONLY = "read_only", _("Read-only")

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("address"), max_length=50, unique=True, validators=[validate_tenant_slug]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    trial_ends_at = models.DateTimeField(_("trial ends"), null=True, blank=True)
    # Past due: everything still works until then, with a banner; afterwards read-only.
    grace_ends_at = models.DateTimeField(_("grace period ends"), null=True, blank=True)
    # Whether the company has named its Data Protection Officer (the details themselves are in
    # PrivacySettings, a tenant table): read on every page for the admins' banner, no query.
    has_dpo = models.BooleanField(default=False)
    # Moves on each time a policy version is published (gdpr writes it); a member whose
    # Membership.policies_accepted_serial is behind must accept before anything else. Read on
    # every page with the tenant and the membership already loaded: no query.
    policy_serial = models.PositiveIntegerField(default=0, db_default=0)
    # The payment provider's customer id (billing writes it); webhooks find the tenant by it.
    billing_customer_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_read_only(self) -> bool:
        """Cancelled or unpaid, a trial that has ended, or a grace period that has run out:
        everything stays visible and exportable, nothing can be changed. Never while billing is
        not configured (ENTITLEMENTS_ENFORCED off: the demo)."""
        if not settings.ENTITLEMENTS_ENFORCED:
            return False
        now = timezone.now()
        if self.status == self.Status.READ_ONLY:
            return True
        if self.status == self.Status.TRIAL:
            return self.trial_ends_at is not None and self.trial_ends_at <= now
        if self.status == self.Status.PAST_DUE:
            return self.grace_ends_at is not None and self.grace_ends_at <= now
        return False

    @property
    def trial_days_left(self) -> int | None:
        if self.status != self.Status.TRIAL or self.trial_ends_at is None:
            return None
        seconds = (self.trial_ends_at - timezone.now()).total_seconds()
        return max(0, math.ceil(seconds / 86400))  # "14 days left" on the first day


if TYPE_CHECKING:
    _ScopedManagerBase = models.Manager
else:
    # django-scopes builds its manager class at run time; name it once so it can be subclassed.
    _ScopedManagerBase = type(ScopedManager(tenant="tenant"))


class TenantManager(_ScopedManagerBase[_M]):
    """django-scopes' ScopedManager on the `tenant` dimension: fail-closed, so a query made
    with no tenant scope active raises ScopeError instead of returning every tenant's rows."""


class TenantModel(models.Model):
    """Base of every tenant-owned model (DESIGN.md section 4)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # No index of its own: every tenant table's indexes lead with tenant_id, and on PostgreSQL
    # the (tenant_id, id) key that ProtectTenantTable adds serves tenant_id alone.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.PROTECT, related_name="+", editable=False, db_index=False
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        active = current_tenant()
        if active is None:
            raise TenantContextError(
                f"{type(self).__name__} can only be saved inside tenant_context()."
            )
        if self.tenant_id is None:
            self.tenant = active
        elif self.tenant_id != active.pk:
            raise TenantContextError(
                f"{type(self).__name__} of one tenant cannot be saved in another tenant's context."
            )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        active = current_tenant()
        if active is None or self.tenant_id != active.pk:
            raise TenantContextError(
                f"{type(self).__name__} can only be deleted inside its own tenant's context."
            )
        return super().delete(*args, **kwargs)

    def clean(self) -> None:
        """Every referenced tenant row must belong to this row's tenant."""
        super().clean()
        tenant_id = self.tenant_id or getattr(current_tenant(), "pk", None)
        if tenant_id is None:
            return  # save() refuses a row with no tenant; nothing to compare against here
        for field in self._meta.concrete_fields:
            related = field.related_model
            if not (
                field.many_to_one and isinstance(related, type) and issubclass(related, TenantModel)
            ):
                continue
            value = getattr(self, field.attname)
            if value is None:
                continue
            if not related._base_manager.filter(pk=value, tenant_id=tenant_id).exists():
                raise ValidationError({field.name: _("Choose a valid option.")})


class Role(TenantModel):
    """A named set of permission flags within one tenant."""

    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(
        _("kind"), max_length=16, choices=RoleKind.choices, default=RoleKind.CUSTOM
    )
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    requires_two_factor = models.BooleanField(
        _("requires two-factor authentication"), default=False
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="tenancy_role_name_unique"),
            models.UniqueConstraint(
                fields=["tenant", "kind"],
                condition=~models.Q(kind=RoleKind.CUSTOM),
                name="tenancy_role_builtin_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        unknown = set(self.permissions) - ALL_PERMISSIONS
        if unknown:
            raise ValidationError(
                {"permissions": _("Unknown permissions: %s.") % ", ".join(sorted(unknown))}
            )

    def has(self, permission: Permission | str) -> bool:
        return str(permission) in self.permissions

    @property
    def is_builtin(self) -> bool:
        return self.kind != RoleKind.CUSTOM

    @property
    def is_owner(self) -> bool:
        return self.kind == RoleKind.OWNER

    @property
    def permission_labels(self) -> list[str]:
        return [str(label) for value, label in Permission.choices if value in self.permissions]


class Membership(TenantModel):
    """A person's place in one tenant: their role and whether they may use it now."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        LEFT = "left", _("Left")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,
    )
    role = models.ForeignKey(
        "tenancy.Role", on_delete=models.PROTECT, related_name="memberships", db_index=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    # False: the person schedules only the sites they hold an object permission for.
    all_sites = models.BooleanField(_("all sites"), default=True)
    # The Tenant.policy_serial when this member last accepted every policy (see tenancy.http).
    policies_accepted_serial = models.PositiveIntegerField(default=0, db_default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the person was removed (status "left"): the retention clock for their personal data.
    left_at = models.DateTimeField(null=True, blank=True)
    # When their personal data was erased (an approved erasure request, or retention); the
    # membership stays, under a pseudonym, so that shifts and pay keep their person.
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="tenancy_membership_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "status"], name="tenancy_mem_tenant_status"),
            models.Index(fields=["tenant", "role"], name="tenancy_mem_tenant_role"),
            # The directory read (a person's memberships, before a tenant is chosen).
            models.Index(fields=["user", "status"], name="tenancy_mem_user_status"),
        ]

    def __str__(self) -> str:
        # Ids only: this label is written into audit entries, and names are personal data.
        return f"Membership {self.pk}"

    def has(self, permission: Permission | str) -> bool:
        return self.role.has(permission)


class SecurityPolicy(TenantModel):
    """The company's security rules, set by admins with "manage settings"."""

    class TwoFactor(models.TextChoices):
        OFF = "off", _("Not required")
        EVERYONE = "everyone", _("Required for everyone")
        ROLES = "roles", _("Required for chosen roles")

    two_factor = models.CharField(
        _("two-factor authentication"),
        max_length=16,
        choices=TwoFactor.choices,
        default=TwoFactor.OFF,
    )
    min_password_length = models.PositiveSmallIntegerField(
        _("minimum password length"),
        default=12,
        validators=[MinValueValidator(12), MaxValueValidator(64)],
        help_text=_("At least 12; people may always use up to 256 characters."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="tenancy_securitypolicy_one"),
        ]

    def __str__(self) -> str:
        return "Security policy"

    def requires_two_factor(self, role: Role) -> bool:
        return self.rule_requires_two_factor(self.two_factor, role)

    @classmethod
    def rule_requires_two_factor(cls, rule: str, role: Role) -> bool:
        """Whether the two-factor rule `rule` (a TwoFactor value) applies to `role`."""
        if rule == cls.TwoFactor.EVERYONE:
            return True
        return rule == cls.TwoFactor.ROLES and role.requires_two_factor


class Invitation(TenantModel):
    """A one-time link that lets the holder of `email` join the company with `role`. Only a hash
    of the token is stored: the link cannot be rebuilt from the database."""

    email = models.EmailField(_("email address"))
    role = models.ForeignKey(
        "tenancy.Role", on_delete=models.PROTECT, related_name="invitations", db_index=False
    )
    token_hash = models.CharField(max_length=64, editable=False)
    invited_by = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        related_name="invitations_sent",
        db_index=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "token_hash"], name="tenancy_invitation_token"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "role"], name="tenancy_inv_tenant_role"),
            models.Index(fields=["tenant", "invited_by"], name="tenancy_inv_tenant_inviter"),
            models.Index(fields=["tenant", "email"], name="tenancy_inv_tenant_email"),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk}"

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class SensitiveKind(models.TextChoices):
    """Kinds of sensitive personal data a company may choose to keep about its people. Only the
    chosen kinds appear in any form; the others are never asked for or stored."""

    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    NATIONAL_INSURANCE = "national_insurance", _("National Insurance number")
    HOME_ADDRESS = "home_address", _("Home address")
    EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact")
    BANK_DETAILS = "bank_details", _("Bank details")
    RIGHT_TO_WORK = "right_to_work", _("Right-to-work document")
    HEALTH_NOTES = "health_notes", _("Health notes")
    # Where people clock from: only inside or outside the site's radius and the distance.
    LOCATION = "location", _("Location when clocking in and out")


# The kinds stored in a person's personal details (gdpr.PersonalDetails); the others are kept by
# the app that records them (location: attendance's punches).
DETAIL_KINDS: tuple[str, ...] = tuple(
    kind for kind in SensitiveKind.values if kind != SensitiveKind.LOCATION
)

# Encrypted at rest with a key from the environment (gdpr.crypto), apart from the database.
ENCRYPTED_KINDS: frozenset[str] = frozenset(
    {SensitiveKind.NATIONAL_INSURANCE, SensitiveKind.BANK_DETAILS, SensitiveKind.HEALTH_NOTES}
)


def validate_kinds(value: Any) -> None:
    if not isinstance(value, list) or set(value) - set(SensitiveKind.values):
        raise ValidationError(_("Choose kinds of personal data from the list."))


class PrivacySettings(TenantModel):
    """The company's data-protection settings (permission "manage policies and privacy")."""

    dpo_name = models.CharField(_("Data Protection Officer"), max_length=150)
    dpo_email = models.EmailField(_("DPO email address"))
    dpo_phone = models.CharField(
        _("DPO phone number"),
        max_length=32,
        validators=[
            RegexValidator(
                r"^\+?[0-9 ()-]{6,32}$",
                _("Enter a phone number: digits, spaces, brackets and hyphens, with + for abroad."),
            )
        ],
    )
    kept_kinds = models.JSONField(
        _("sensitive personal data kept"), default=list, blank=True, validators=[validate_kinds]
    )
    former_employee_retention_days = models.PositiveIntegerField(
        _("keep former employees' personal data for (days)"), default=730,
        validators=[MinValueValidator(30), MaxValueValidator(3650)],
        help_text=_("Then they are anonymised; shifts and pay stay under a pseudonym."),
    )  # fmt: skip
    audit_retention_days = models.PositiveIntegerField(
        _("keep audit entries for (days)"), default=2555,
        validators=[MinValueValidator(365), MaxValueValidator(3650)],
        help_text=_("Archived entries older than this are removed from the live log."),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("privacy settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="tenancy_privacy_one")]

    def __str__(self) -> str:
        return "Privacy settings"


class OutboxMessage(models.Model):
    """One side effect of a committed change (an email, a data export, a seat sync), written in
    the change's own transaction and run by Celery after it commits (DESIGN.md section 5; how:
    tenancy/outbox.py). Not a TenantModel: the relay reads it across companies by id, and a
    platform row (a sign-up's email, before any company exists) has no company. Row-level
    security still keeps one company's rows from another (tenancy.rls.RELAY_EXCEPTIONS)."""

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    # Null for the platform's own messages; indexed by the (tenant_id, id) key on PostgreSQL.
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    task = models.CharField(max_length=200)  # a registered Celery task's name
    args = models.JSONField(default=list, blank=True)  # erased once done (it may hold addresses)
    created_at = models.DateTimeField(default=timezone.now)
    # When last handed to Celery: set with the hand-off, cleared if the broker refused it.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    not_before = models.DateTimeField(null=True, blank=True)  # the retry's back-off after a failure
    claimed_at = models.DateTimeField(null=True, blank=True)  # a run started (a lease)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # runs started
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            # The relay's scan: only rows not yet done, oldest first.
            models.Index(
                fields=["created_at"], name="tenancy_outbox_waiting",
                condition=models.Q(done_at__isnull=True),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.task} ({self.pk})"
