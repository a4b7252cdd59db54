"""Forms of the planning pages. Sites and positions are chosen from the lists the page loaded
(the company's own, and only the sites the manager schedules), so a forged id is a field error."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from planning.models import MAX_PEOPLE_PER_ROW, WEEKDAY_FIELDS, CoverageRow
from scheduling.fields import BOUNDS
from scheduling.models import Position, Site

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
COUNT = forms.NumberInput(attrs={"min": 0, "max": MAX_PEOPLE_PER_ROW, "class": "input--narrow"})


class CoverageRowForm(forms.Form):
    """One row of the grid: a shift and how many people each weekday. `row` is the row being
    edited (or a blank one of the site); `apply()` copies the cleaned values onto it."""

    position = forms.ChoiceField(label=_("Position"))
    start_time = forms.TimeField(label=_("Starts"), widget=TIME)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME,
                               help_text=_("At or before the start: the next day."))  # fmt: skip
    break_minutes = forms.IntegerField(label=_("Break (minutes)"), min_value=0, max_value=600,
                                       initial=0)  # fmt: skip
    mon = forms.IntegerField(
        label=_("Mon"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )
    tue = forms.IntegerField(
        label=_("Tue"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )
    wed = forms.IntegerField(
        label=_("Wed"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )
    thu = forms.IntegerField(
        label=_("Thu"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )
    fri = forms.IntegerField(
        label=_("Fri"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )
    sat = forms.IntegerField(
        label=_("Sat"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )
    sun = forms.IntegerField(
        label=_("Sun"), min_value=0, max_value=MAX_PEOPLE_PER_ROW, widget=COUNT, initial=0
    )

    def __init__(self, positions: list[Position], *args: Any, row: CoverageRow,
                 **kwargs: Any) -> None:  # fmt: skip
        if not row._state.adding and "initial" not in kwargs:
            kwargs["initial"] = {"position": str(row.position_id), "start_time": row.start_time,
                                 "end_time": row.end_time, "break_minutes": row.break_minutes,
                                 **{d: getattr(row, d) for d in WEEKDAY_FIELDS}}  # fmt: skip
        super().__init__(*args, **kwargs)
        self.row = row
        self.position_by_id = {str(p.pk): p for p in positions}
        field = cast(forms.ChoiceField, self.fields["position"])
        field.choices = [(k, p.name) for k, p in self.position_by_id.items()]
        if not row._state.adding:
            # A row of the grid: its inputs sit in table cells, outside their <form> (named by
            # the form attribute), and say which row they belong to (no visible label each).
            for each in self.fields.values():
                each.widget.attrs.update({
                    "form": f"form-{row.pk}",
                    "aria-label": f"{each.label} ({row.position.name} {row.start_time:%H:%M})",
                })  # fmt: skip

    def apply(self) -> CoverageRow:
        data = self.cleaned_data
        self.row.position = self.position_by_id[data["position"]]
        for name in ("start_time", "end_time", "break_minutes", *WEEKDAY_FIELDS):
            setattr(self.row, name, data[name])
        return self.row


class CoverageExceptionForm(forms.Form):
    row = forms.ChoiceField(label=_("Shift"))
    date = forms.DateField(label=_("Date"), widget=DATE, validators=BOUNDS)
    people = forms.IntegerField(label=_("People needed"), min_value=0,
                                max_value=MAX_PEOPLE_PER_ROW)  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=120, required=False,
                           help_text=_("For example “Bank holiday” or “Open day”."))  # fmt: skip

    def __init__(self, rows: list[CoverageRow], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.row_by_id = {str(r.pk): r for r in rows}
        field = cast(forms.ChoiceField, self.fields["row"])
        field.choices = [(k, r.label) for k, r in self.row_by_id.items()]


class FromRecentForm(forms.Form):
    weeks = forms.IntegerField(label=_("Recent weeks to look at"), min_value=1, max_value=8,
                               initial=4)  # fmt: skip


class AutoBuildForm(forms.Form):
    site = forms.ChoiceField(label=_("Site"))
    week_start = forms.DateField(label=_("First week (a Monday)"), widget=DATE, validators=BOUNDS)
    weeks = forms.IntegerField(label=_("Weeks"), min_value=1, max_value=4, initial=1)
    time_limit = forms.IntegerField(
        label=_("Time limit (seconds)"), min_value=1, max_value=600,
        help_text=_("The solver stops at this limit with the best proposal it has found."),
    )  # fmt: skip
    fill_open = forms.BooleanField(label=_("Also fill open draft shifts"), required=False,
                                   initial=True)  # fmt: skip
    replace_drafts = forms.BooleanField(
        label=_("Replace unlocked drafts in these weeks"), required=False, initial=False,
        help_text=_("Drafts with a person at this site that are not locked are proposed for "
                    "replacement, and deleted only when you accept. Published and locked "
                    "shifts always stay as they are."),
    )  # fmt: skip

    def __init__(self, sites: list[Site], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_by_id = {str(s.pk): s for s in sites}
        field = cast(forms.ChoiceField, self.fields["site"])
        field.choices = [(k, s.name) for k, s in self.site_by_id.items()]
        self.fields["time_limit"].initial = settings.AUTOBUILD_TIME_LIMIT_SECONDS

    def clean_week_start(self) -> Any:
        value = self.cleaned_data["week_start"]
        if value.weekday() != 0:
            raise forms.ValidationError(_("Choose a Monday."))
        return value
