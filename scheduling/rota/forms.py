"""Forms of the rota: a shift, a week, a day, publishing, the payroll period."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.fields import BOUNDS, DATE_WIDGET, TIME_WIDGET
from scheduling.models import Position, Site
from scheduling.time import wall_time_utc
from tenancy.models import Membership


class ShiftForm(forms.Form):
    """A shift in the site's local time: a date, a start and an end time, and whether it ends
    the next day. Site, position and person are chosen from the lists the page loaded, so a
    forged id (another tenant's, or a site the manager does not schedule) is a field error."""

    site = forms.ChoiceField(label=_("Site"))
    position = forms.ChoiceField(label=_("Position"))
    membership = forms.ChoiceField(label=_("Employee"), required=False)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET,
                           validators=BOUNDS)  # fmt: skip
    start_time = forms.TimeField(label=_("Start"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("End"), widget=TIME_WIDGET)
    ends_next_day = forms.BooleanField(label=_("Ends the next day"), required=False)
    break_minutes = forms.IntegerField(
        label=_("Unpaid break (minutes)"), min_value=0, max_value=240, initial=0
    )
    notes = forms.CharField(label=_("Notes"), required=False, max_length=1000,
                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    locked = forms.BooleanField(
        label=_("Locked"), required=False,
        help_text=_("The auto-build leaves a locked shift exactly as it is, even when it "
                    "replaces drafts."),
    )  # fmt: skip
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    override_reason = forms.CharField(
        label=_("Reason for overriding the rules"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(
        self,
        sites: list[Site],
        positions: list[Position],
        members: list[Membership],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_by_id = {str(s.pk): s for s in sites}
        self.position_by_id = {str(p.pk): p for p in positions}
        self.member_by_id = {str(m.pk): m for m in members}
        self._choices("site", [(k, s.name) for k, s in self.site_by_id.items()])
        self._choices("position", [(k, p.name) for k, p in self.position_by_id.items()])
        people = [(k, m.user.display_name) for k, m in self.member_by_id.items()]
        self._choices(
            "membership", [("", _("Open shift (anyone qualified can claim it)")), *people]
        )

    def _choices(self, name: str, choices: list[tuple[str, Any]]) -> None:
        field = self.fields[name]
        if isinstance(field, forms.ChoiceField):
            field.choices = choices

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        site = self.site_by_id.get(data.get("site", ""))
        data["site_object"] = site
        data["position_object"] = self.position_by_id.get(data.get("position", ""))
        data["membership_object"] = self.member_by_id.get(data.get("membership") or "")
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if site is None or day is None or start is None or end is None:
            return data
        zone = zoneinfo.ZoneInfo(site.time_zone)
        end_day = day + dt.timedelta(days=1) if data.get("ends_next_day") else day
        start_at = wall_time_utc(day, start, zone)
        end_at = wall_time_utc(end_day, end, zone)
        if start_at is None:
            self.add_error("start_time", _("That time does not exist on this date at the site "
                                           "(the clocks go forward)."))  # fmt: skip
        if end_at is None:
            self.add_error("end_time", _("That time does not exist on this date at the site "
                                         "(the clocks go forward)."))  # fmt: skip
        if start_at and end_at and end_at <= start_at:
            self.add_error("end_time", _(
                "The shift ends before it starts. If it runs past midnight, tick \u201cEnds the "
                "next day\u201d."
            ))  # fmt: skip
        data["start_at"], data["end_at"] = start_at, end_at
        return data


class WeekForm(forms.Form):
    """The rota's query string: the week (any date in it), and the optional filters."""

    week = forms.DateField(required=False, widget=DATE_WIDGET,
                           validators=BOUNDS)  # fmt: skip
    site = forms.UUIDField(required=False)
    position = forms.UUIDField(required=False)


class DayForm(forms.Form):
    """The day timeline's query string: the day, and the rota's optional filters."""

    date = forms.DateField(required=False, widget=DATE_WIDGET, validators=BOUNDS)
    site = forms.UUIDField(required=False)
    position = forms.UUIDField(required=False)


class PublishForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason for overriding the rules"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed only when hard rule breaks remain. Recorded in the audit log."),
    )  # fmt: skip


class PayrollForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE_WIDGET,
                                validators=BOUNDS)  # fmt: skip
    date_to = forms.DateField(label=_("To (inclusive)"), validators=BOUNDS,
                              widget=DATE_WIDGET)  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if end < start:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (end - start).days > 366:
                self.add_error("date_to", _("Export at most one year at a time."))
        return data
