"""The clock buttons' form: which button, and what the device adds (position, its own clock)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.clocking.location import Fix
from attendance.clocking.services import Action


class ClockForm(forms.Form):
    action = forms.ChoiceField(choices=[(a.value, a.value) for a in Action])
    # Filled in by static/js/attendance.js where the site checks location; never trusted for
    # the time: the device's clock is only compared with the server's, to flag a wrong one.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90,
                                widget=forms.HiddenInput)  # fmt: skip
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180,
                                 widget=forms.HiddenInput)  # fmt: skip
    device_ms = forms.IntegerField(required=False, min_value=0, max_value=10**14,
                                   widget=forms.HiddenInput)  # fmt: skip
    site = forms.ChoiceField(label=_("Where are you working?"), required=False)

    def __init__(self, *args: Any, site_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["site"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101
        field.choices = [("", _("Choose a site")), *site_choices]

    def fix(self) -> Fix | None:
        lat, lon = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        if lat is None or lon is None:
            return None
        return Fix(latitude=lat, longitude=lon)

    def device_time(self) -> dt.datetime | None:
        ms = self.cleaned_data.get("device_ms")
        if ms is None:
            return None
        try:
            return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
