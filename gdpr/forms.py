"""Forms of the GDPR pages. The personal-details form has a field only for each kind of data
the company keeps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tenancy.models import SensitiveKind


class DataSettingsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Sensitive personal data your company keeps"), required=False,
        choices=SensitiveKind.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only these appear in any form. National Insurance numbers, bank details and "
                    "health notes are encrypted at rest."),
    )  # fmt: skip
    former_employee_retention_days = forms.IntegerField(
        label=_("Keep former employees' personal data for (days)"), min_value=30, max_value=3650,
        help_text=_("Then they are anonymised; their shifts and pay stay under a pseudonym."),
    )  # fmt: skip
    audit_retention_days = forms.IntegerField(
        label=_("Keep audit entries for (days)"), min_value=365, max_value=3650,
        help_text=_("Entries older than this, once archived, are removed from the live log."),
    )  # fmt: skip
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


FIELDS: dict[str, Any] = {
    SensitiveKind.DATE_OF_BIRTH: lambda: forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    ),
    SensitiveKind.NATIONAL_INSURANCE: lambda: forms.RegexField(
        label=_("National Insurance number"),
        required=False,
        max_length=13,
        regex=r"^\s*[A-CEGHJ-PR-TW-Z]{2}\s*\d{2}\s*\d{2}\s*\d{2}\s*[A-D]\s*$",
        error_messages={"invalid": _("Enter a National Insurance number like QQ 12 34 56 C.")},
    ),
    SensitiveKind.HOME_ADDRESS: lambda: forms.CharField(
        label=_("Home address"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    ),
    SensitiveKind.EMERGENCY_CONTACT: lambda: forms.CharField(
        label=_("Emergency contact"),
        required=False,
        max_length=500,
        help_text=_("Name, relationship and phone number."),
        widget=forms.Textarea(attrs={"rows": 2}),
    ),
    SensitiveKind.BANK_DETAILS: lambda: forms.CharField(
        label=_("Bank details"),
        required=False,
        max_length=200,
        help_text=_("Account name, sort code and account number."),
    ),
    SensitiveKind.RIGHT_TO_WORK: lambda: forms.CharField(
        label=_("Right-to-work document"),
        required=False,
        max_length=500,
        help_text=_("Document type, reference and expiry date."),
    ),
    SensitiveKind.HEALTH_NOTES: lambda: forms.CharField(
        label=_("Health notes"),
        required=False,
        max_length=2000,
        help_text=_("Only what the company needs to keep people safe at work."),
        widget=forms.Textarea(attrs={"rows": 3}),
    ),
}


class PersonalDetailsForm(forms.Form):
    def __init__(self, kinds: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind] = FIELDS[kind]()

    def clean_national_insurance(self) -> str:
        value: str = self.cleaned_data.get("national_insurance") or ""
        return "".join(value.split()).upper()


class PolicyUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150, required=False)
    document = forms.FileField(
        label=_("Document"), help_text=_("A PDF or a Markdown (.md) file, at most 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.md,.markdown"}),
    )  # fmt: skip
    summary = forms.CharField(label=_("What changed"), max_length=300, required=False,
                              help_text=_("Shown to people when they accept."))  # fmt: skip

    def __init__(self, *args: Any, new_policy: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if new_policy:
            self.fields["title"].required = True
        else:
            del self.fields["title"]


class AcceptForm(forms.Form):
    agree = forms.BooleanField(label=_("I have read these documents and accept them"))


class ErasureRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Anything the privacy team should know (optional)"), required=False,
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ErasureDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The person sees this, on their page and by email. For example: we must "
                    "keep your records until the end of the tax year."),
    )  # fmt: skip


class ErasureApproveForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that this erases the person's data for good and cannot be undone."),
        error_messages={"required": _("Tick the box to confirm.")},
    )  # fmt: skip
