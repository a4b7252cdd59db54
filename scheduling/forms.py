"""Forms of the scheduling app."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import Site

TIME_ZONES = sorted(zoneinfo.available_timezones())


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
