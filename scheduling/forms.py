"""Forms of the scheduling app."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from scheduling.models import Colour, Position, SchedulingSettings, Site
from scheduling.selectors import wall_time_utc
from tenancy.models import Membership

TIME_ZONES = sorted(zoneinfo.available_timezones())

# Dates outside these years are refused, not computed with (a week after 9999-12-31 overflows).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
BOUNDS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


# Browsers' date and time fields read ISO values only, whatever the language (en-GB would
# render 23/11/2026, which a date field shows as empty).
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(
        attrs={"rows": 3}))  # fmt: skip
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=[(zone, zone) for zone in TIME_ZONES],
        initial="Europe/London",
        help_text=_("Shift times at this site are shown in this time zone."),
    )  # fmt: skip


class MemberSitesForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("Sites this person can schedule"),
        choices=[("all", _("All sites, including new ones")), ("chosen", _("Only chosen sites"))],
        widget=forms.RadioSelect,
    )
    sites = forms.MultipleChoiceField(
        label=_("Chosen sites"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, sites: list[Site], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_by_id = {str(site.pk): site for site in sites}
        field = self.fields["sites"]
        if isinstance(field, forms.MultipleChoiceField):
            field.choices = [(key, site.name) for key, site in self.site_by_id.items()]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        data["site_objects"] = [self.site_by_id[key] for key in data.get("sites", [])]
        if data.get("scope") == "chosen" and not data["site_objects"]:
            self.add_error("sites", _("Choose at least one site, or all sites."))
        return data


class PositionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    colour = forms.ChoiceField(label=_("Colour"), choices=Colour.choices, widget=forms.RadioSelect)


class SchedulingSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SchedulingSettings
        fields = [
            "min_rest_hours", "rest_is_hard", "max_hours_7_days", "max_hours_is_hard",
            "min_weekly_rest_hours", "weekly_rest_is_hard", "qualification_is_hard",
            "unavailability_is_hard", "claim_approval", "currency",
        ]  # fmt: skip
        help_texts = {
            "min_rest_hours": _("UK Working Time Regulations: 11 hours."),
            "max_hours_7_days": _("Counted by the shifts that start in any 7 days. UK: 48."),
            "min_weekly_rest_hours": _("In each week from Monday. UK: 24 hours."),
            "currency": _("Three letters, such as GBP or EUR: the currency of pay rates."),
            "unavailability_is_hard": _(
                "Off: a shift when someone said they cannot work is a warning. Approved leave "
                "always blocks publishing."
            ),
            "claim_approval": _("Every claim is checked against these rules first."),
        }


def _choices_form_field(label: Any, objects: list[Any], *, required: bool = True) -> Any:
    return forms.MultipleChoiceField(
        label=label, required=required, widget=forms.CheckboxSelectMultiple,
        choices=[(str(obj.pk), str(obj)) for obj in objects],
    )  # fmt: skip


class WorkProfileForm(forms.Form):
    """Positions and sites come from the lists the page loaded (the tenant's own)."""

    positions = forms.MultipleChoiceField(required=False)
    sites = forms.MultipleChoiceField(required=False)
    contracted_hours = forms.DecimalField(
        label=_("Contracted hours a week"), required=False, min_value=0, max_value=168,
        decimal_places=2,
    )  # fmt: skip
    hourly_rate = forms.DecimalField(label=_("Hourly rate"), required=False, min_value=0,
                                     max_digits=8, decimal_places=2)  # fmt: skip
    max_hours_7_days = forms.DecimalField(
        label=_("Personal maximum hours in any 7 days"), required=False, min_value=1,
        max_value=168, decimal_places=2,
        help_text=_("Leave empty to use the company's rule (for example, 40 for a young worker)."),
    )  # fmt: skip
    min_rest_hours = forms.DecimalField(
        label=_("Personal minimum rest between shifts (hours)"), required=False, min_value=0,
        max_value=24, decimal_places=2, help_text=_("Leave empty to use the company's rule."),
    )  # fmt: skip

    def __init__(
        self,
        positions: list[Position],
        sites: list[Site],
        *args: Any,
        show_rate: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.position_by_id = {str(p.pk): p for p in positions}
        self.site_by_id = {str(s.pk): s for s in sites}
        self.fields["positions"] = _choices_form_field(_("Positions they can work"), positions,
                                                       required=False)  # fmt: skip
        self.fields["sites"] = _choices_form_field(_("Sites they can work at"), sites,
                                                   required=False)  # fmt: skip
        if not show_rate:
            del self.fields["hourly_rate"]

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        data["position_objects"] = [self.position_by_id[k] for k in data.get("positions", [])]
        data["site_objects"] = [self.site_by_id[k] for k in data.get("sites", [])]
        return data


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
