"""Forms of the scheduling set-up: sites, positions, working-time rules, work profiles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.fields import TIME_ZONES
from scheduling.limits import SUCCESSIONS
from scheduling.models import Colour, Position, SchedulingSettings, Site


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
    forbidden_successions = forms.MultipleChoiceField(
        label=_("Shifts that may not follow each other"), required=False,
        choices=SUCCESSIONS, widget=forms.CheckboxSelectMultiple,
        help_text=_("A shift belongs to the day it starts on; the kind of a shift is set by "
                    "when it starts (below)."),
    )  # fmt: skip

    class Meta:
        model = SchedulingSettings
        fields = [
            "min_rest_hours", "rest_is_hard", "max_hours_7_days", "max_hours_is_hard",
            "min_weekly_rest_hours", "weekly_rest_is_hard",
            "max_consecutive_days", "max_days_is_hard", "min_days_off", "days_off_is_hard",
            "max_weekends", "weekends_period_weeks", "weekends_is_hard",
            "hours_period_weeks", "period_min_hours", "period_max_hours", "period_hours_is_hard",
            "forbidden_successions", "early_from", "late_from", "night_from",
            "succession_is_hard", "qualification_is_hard",
            "unavailability_is_hard", "claim_approval", "currency",
        ]  # fmt: skip
        widgets = {
            "early_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "late_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "night_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "max_consecutive_days": _(
                "A working day is a day on which the person starts a shift (a night belongs to "
                "the day it starts). Empty: no limit."
            ),
            "min_days_off": _(
                "When someone has days off between two working days, they come at least this "
                "many together; the day back is flagged. Empty: no rule."
            ),
            "max_weekends": _(
                "A weekend is worked when a shift starts on its Saturday or Sunday. Empty: no "
                "limit."
            ),
            "weekends_period_weeks": _("For example at most 2 weekends in any 4 weeks."),
            "hours_period_weeks": _(
                "Periods start on Mondays, counted from Monday 1 January 2024 (with 1 week: "
                "every week)."
            ),
            "period_min_hours": _(
                "A warning only, and only once the period is planned up to the week you look "
                "at. Empty: no minimum."
            ),
            "period_max_hours": _("Paid hours, counted by the shifts that start in the period."),
            "early_from": _("Early shifts start from this time until late shifts start."),
            "late_from": _("Late shifts start from this time until night shifts start."),
            "night_from": _("Night shifts start from this time until early shifts start."),
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


# A person's own limits over days, as WorkProfileForm, the work profile and its service name them.
DAY_LIMITS = (
    "max_consecutive_days", "min_days_off", "max_weekends", "period_min_hours", "period_max_hours",
)  # fmt: skip


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
    max_consecutive_days = forms.IntegerField(
        label=_("Personal maximum working days in a row"), required=False, min_value=1,
        max_value=14, help_text=_("Leave empty to use the company's rule."),
    )  # fmt: skip
    min_days_off = forms.IntegerField(
        label=_("Personal minimum days off in a row"), required=False, min_value=2, max_value=7,
        help_text=_("Leave empty to use the company's rule."),
    )  # fmt: skip
    max_weekends = forms.IntegerField(
        label=_("Personal maximum weekends worked"), required=False, min_value=0, max_value=12,
        help_text=_("In the company's period of weeks. Leave empty to use the company's rule."),
    )  # fmt: skip
    period_min_hours = forms.DecimalField(
        label=_("Personal minimum paid hours in each period"), required=False, min_value=0,
        max_value=8 * 168, decimal_places=2,
        help_text=_("In the company's period of weeks (a warning only). Leave empty to use the "
                    "company's rule."),
    )  # fmt: skip
    period_max_hours = forms.DecimalField(
        label=_("Personal maximum paid hours in each period"), required=False, min_value=0,
        max_value=8 * 168, decimal_places=2,
        help_text=_("In the company's period of weeks. Leave empty to use the company's rule."),
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
        least, most = data.get("period_min_hours"), data.get("period_max_hours")
        if least is not None and most is not None and least > most:
            self.add_error("period_min_hours", _("The minimum is more than the maximum."))
        return data
