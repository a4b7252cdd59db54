"""Forms of the timesheet pages: the period, a manager's correction, the person's answer."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from attendance.models import Timesheet
from scheduling.fields import BOUNDS, FIRST_DAY, LAST_DAY

LOCAL = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class PeriodForm(forms.Form):
    """?start=: any day of the pay period to show (today's when absent, wrong or out of
    bounds)."""

    start = forms.DateField(required=False, validators=BOUNDS)


class CorrectionForm(forms.Form):
    punch = forms.UUIDField(widget=forms.HiddenInput)
    clock_in = forms.DateTimeField(
        label=_("Clocked in"), input_formats=LOCAL,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    clock_out = forms.DateTimeField(
        label=_("Clocked out"), input_formats=LOCAL, required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason (kept with the punch)"), max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        for name in ("clock_in", "clock_out"):
            value = data.get(name)
            if value is not None and not FIRST_DAY <= value.date() <= LAST_DAY:
                self.add_error(name, _("Enter a date between 2000 and 2100."))
        return data

    def at_site(self, name: str, time_zone: str) -> dt.datetime | None:
        """The wall-clock time entered, at the site's time zone."""
        value: dt.datetime | None = self.cleaned_data.get(name)
        if value is None:
            return None
        return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(time_zone))


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[(Timesheet.Answer.CONFIRMED, _("Confirm")),
                                        (Timesheet.Answer.QUERIED, _("Query"))])  # fmt: skip
    note = forms.CharField(label=_("What is wrong?"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
