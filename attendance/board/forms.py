"""A manager's clocking of someone else: who, in or out, where (when unscheduled), and why."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ClockForForm(forms.Form):
    membership = forms.UUIDField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[("in", _("Clock in")), ("out", _("Clock out"))])
    site = forms.UUIDField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=1000,
                             widget=forms.TextInput(attrs={"autocomplete": "off"}))  # fmt: skip
