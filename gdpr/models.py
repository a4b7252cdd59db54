"""Personal details of a member, limited to the kinds of sensitive data the company keeps."""

from __future__ import annotations

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
