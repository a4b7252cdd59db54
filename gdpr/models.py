"""Personal details of a member, limited to the kinds of sensitive data the company keeps."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class PersonalDetails(TenantModel):
    """One row per member. national_insurance, bank_details and health_notes hold ciphertext
    (gdpr.crypto); read and write them through gdpr.services, never directly."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    national_insurance = models.TextField(_("National Insurance number"), blank=True)
    home_address = models.TextField(_("home address"), blank=True, max_length=500)
    emergency_contact = models.TextField(_("emergency contact"), blank=True, max_length=500)
    bank_details = models.TextField(_("bank details"), blank=True)
    right_to_work = models.TextField(_("right-to-work document"), blank=True, max_length=500)
    health_notes = models.TextField(_("health notes"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = _("personal details")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"], name="gdpr_details_one"),
        ]

    def __str__(self) -> str:
        return f"Personal details {self.pk}"


class Policy(TenantModel):
    """A company policy (code of conduct, privacy notice, ...) that every member must accept,
    in versions. Only the latest published version needs accepting."""

    title = models.CharField(_("title"), max_length=150)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = _("policies")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("title"),
                                    name="gdpr_policy_title_unique"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class PolicyVersion(TenantModel):
    """One published version of a policy: the document as uploaded (PDF or Markdown), and its
    SHA-256, which each acceptance records."""

    class Kind(models.TextChoices):
        PDF = "pdf", _("PDF")
        MARKDOWN = "markdown", _("Markdown")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="+", db_index=False)
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    summary = models.CharField(_("what changed"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    published_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "policy", "number"],
                                    name="gdpr_policy_version_unique"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["tenant", "published_by"], name="gdpr_polver_by")]

    def __str__(self) -> str:
        return f"Policy version {self.pk}"


class PolicyAcceptance(TenantModel):
    """A member's acceptance of one version: when, from which address, and the document's
    SHA-256 as shown to them."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    accepted_at = models.DateTimeField(default=timezone.now, editable=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "version", "membership"],
                                    name="gdpr_acceptance_once"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "membership"], name="gdpr_acceptance_member"),
        ]

    def __str__(self) -> str:
        return f"Policy acceptance {self.pk}"


class DataExport(TenantModel):
    """A person's copy of everything the company holds about them (right of access and
    portability): a ZIP built by a Celery task, downloadable by that person alone until it
    expires, when the retention task deletes it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Preparing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent, while preparing
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True)
    size = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "membership", "-requested_at"],
                         name="gdpr_export_member"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Data export {self.pk}"

    @property
    def is_preparing(self) -> bool:
        """Still being built (a build older than half an hour is taken to have died)."""
        return self.status == self.Status.PENDING and (
            timezone.now() - self.requested_at < dt.timedelta(minutes=30)
        )

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class ErasureRequest(TenantModel):
    """A person's request that the company erase their data (GDPR article 17), answered by the
    privacy team within the statutory month: approved (the person is anonymised) or declined
    with a reason the person sees."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Erased")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(_("anything the privacy team should know"), blank=True,
                            max_length=2000)  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now, editable=False)
    due_by = models.DateField(_("answer due by"))
    decided_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"],
                                    condition=models.Q(status="pending"),
                                    name="gdpr_erasure_one_pending"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "membership"], name="gdpr_erasure_member"),
            models.Index(fields=["tenant", "status", "due_by"], name="gdpr_erasure_status"),
            models.Index(fields=["tenant", "decided_by"], name="gdpr_erasure_decider"),
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PENDING and self.due_by < timezone.localdate()
