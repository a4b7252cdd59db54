"""Forms of the kiosk: a punch with a PIN, a person's PIN, a manager's new kiosk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.clocking.services import Action


class KioskPunchForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput)
    pin = forms.CharField(label=_("PIN"), max_length=8, strip=True,
                          widget=forms.PasswordInput(attrs={"inputmode": "numeric",
                                                            "autocomplete": "off"}))  # fmt: skip
    action = forms.ChoiceField(choices=[(a.value, a.value) for a in Action])


class PinForm(forms.Form):
    pin = forms.CharField(
        label=_("New kiosk PIN (4 to 8 digits)"), max_length=8, strip=True,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )  # fmt: skip


class KioskForm(forms.Form):
    site = forms.ChoiceField(label=_("Site"))
    name = forms.CharField(label=_("Name (for example: front door tablet)"), max_length=80,
                           required=False)  # fmt: skip

    def __init__(self, *args: Any, site_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = site_choices
