"""Forms of the repeating patterns pages. Sites, positions and people are chosen from the lists
the page loaded (the company's own, and only the sites the manager schedules), so a forged id is
a field error."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from scheduling.fields import BOUNDS
from scheduling.models import Position, RotationPattern, Site
from scheduling.patterns.selectors import MAX_CYCLE, MAX_DAYS, MAX_WEEKS, cycle_clean, cycle_of
from tenancy.models import Membership

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # ISO, as the browser needs


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField):
        field.choices = choices


class TemplateSaveForm(forms.Form):
    name = forms.CharField(
        label=_("Template name"), max_length=80,
        help_text=_("For example “Standard week” or “Summer week”."),
    )  # fmt: skip
    week = forms.DateField(label=_("Week to save (any day of it)"), widget=DATE,
                           validators=BOUNDS)  # fmt: skip
    site = forms.ChoiceField(label=_("Site"), required=False)

    def __init__(self, sites: list[Site], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_by_id = {str(s.pk): s for s in sites}
        sites_choices = [(k, s.name) for k, s in self.site_by_id.items()]
        _set_choices(self, "site", [("", _("All my sites")), *sites_choices])

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        data["site_object"] = self.site_by_id.get(data.get("site") or "")
        return data


class TemplateApplyForm(forms.Form):
    week = forms.DateField(label=_("First week (any day of it)"), widget=DATE, validators=BOUNDS)
    weeks = forms.IntegerField(
        label=_("Number of weeks"), min_value=1, max_value=MAX_WEEKS, initial=1,
        help_text=format_lazy(_("1 to {max} weeks, one after another."), max=MAX_WEEKS),
    )  # fmt: skip


ON_OFF = re.compile(r"^(1+)(0+)$")


class RotationForm(forms.Form):
    """The cycle is "days on, then days off" (four on, four off), or any cycle typed as 1 for a
    working day and 0 for a day off, which wins when given."""

    name = forms.CharField(label=_("Name"), max_length=80)
    site = forms.ChoiceField(label=_("Site"))
    position = forms.ChoiceField(label=_("Position"))
    start_time = forms.TimeField(label=_("Starts"), widget=TIME)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME,
                               help_text=_("At or before the start: the next day (a night "
                                           "shift)."))  # fmt: skip
    break_minutes = forms.IntegerField(label=_("Unpaid break (minutes)"), min_value=0,
                                       max_value=240, initial=0)  # fmt: skip
    days_on = forms.IntegerField(label=_("Days on"), min_value=1, max_value=MAX_CYCLE - 1,
                                 required=False, initial=4)  # fmt: skip
    days_off = forms.IntegerField(label=_("Days off"), min_value=1, max_value=MAX_CYCLE - 1,
                                  required=False, initial=4)  # fmt: skip
    cycle = forms.CharField(
        label=_("Or any cycle"), required=False, max_length=120,
        help_text=_("One digit a day, 1 to work and 0 off, for example 1110011 0011000. When "
                    "given, it is used instead of the days on and off."),
    )  # fmt: skip
    anchor_date = forms.DateField(
        label=_("First day of the cycle"), widget=DATE, validators=BOUNDS,
        help_text=_("The day the cycle starts for someone at offset 0."),
    )  # fmt: skip

    def __init__(
        self, sites: list[Site], positions: list[Position], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.site_by_id = {str(s.pk): s for s in sites}
        self.position_by_id = {str(p.pk): p for p in positions}
        _set_choices(self, "site", [(k, s.name) for k, s in self.site_by_id.items()])
        _set_choices(self, "position", [(k, p.name) for k, p in self.position_by_id.items()])

    @staticmethod
    def initial_from(pattern: RotationPattern) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": pattern.name, "site": str(pattern.site_id),
            "position": str(pattern.position_id), "start_time": pattern.start_time,
            "end_time": pattern.end_time, "break_minutes": pattern.break_minutes,
            "anchor_date": pattern.anchor_date,
        }  # fmt: skip
        simple = ON_OFF.match(pattern.cycle)
        if simple:
            initial |= {"days_on": len(simple.group(1)), "days_off": len(simple.group(2))}
        else:
            initial |= {"days_on": None, "days_off": None, "cycle": pattern.cycle}
        return initial

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        data["site_object"] = self.site_by_id.get(data.get("site", ""))
        data["position_object"] = self.position_by_id.get(data.get("position", ""))
        typed = (data.get("cycle") or "").strip()
        on, off = data.get("days_on"), data.get("days_off")
        if typed:
            try:
                data["cycle_value"] = cycle_clean(typed)
            except ValidationError as error:
                self.add_error("cycle", error)
        elif on is None or off is None:
            if "days_on" not in self.errors and "days_off" not in self.errors:
                self.add_error("days_on", _("Give the days on and off, or type a cycle."))
        elif on + off > MAX_CYCLE:
            self.add_error("days_off", _("A cycle is at most %(max)d days long.")
                           % {"max": MAX_CYCLE})  # fmt: skip
        else:
            data["cycle_value"] = cycle_of(days_on=on, days_off=off)
        return data


class RotationMemberForm(forms.Form):
    membership = forms.ChoiceField(label=_("Person"))
    offset = forms.IntegerField(
        label=_("Offset (days into the cycle)"), min_value=0, max_value=MAX_CYCLE - 1, initial=0,
        help_text=_("0 starts the cycle on its first day. For four on, four off, put the second "
                    "team at 4."),
    )  # fmt: skip

    def __init__(self, members: list[Membership], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.member_by_id = {str(m.pk): m for m in members}
        _set_choices(self, "membership",
                     [(k, m.user.display_name) for k, m in self.member_by_id.items()])  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        data["membership_object"] = self.member_by_id.get(data.get("membership", ""))
        return data


class RotationApplyForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=DATE, validators=BOUNDS)
    date_to = forms.DateField(label=_("To (inclusive)"), widget=DATE, validators=BOUNDS,
                              help_text=format_lazy(_("At most {weeks} weeks."),
                                                    weeks=MAX_WEEKS))  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, dt.date) and isinstance(end, dt.date):
            if end < start:
                self.add_error("date_to", _("The last day is before the first day."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("date_to", _("Choose at most %(weeks)d weeks.")
                               % {"weeks": MAX_WEEKS})  # fmt: skip
        return data
