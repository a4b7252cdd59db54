"""Forms of the scheduling set-up: sites, positions, working-time rules, work profiles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.fields import TIME_ZONES
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
