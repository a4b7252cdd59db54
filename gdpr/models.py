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
