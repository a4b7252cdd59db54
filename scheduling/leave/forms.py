"""Forms of leave and availability."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from scheduling.models import AvailabilityKind, LeaveType, LeaveUnit, WishKind, WishStrength

WEEKDAYS = [(i, name) for i, name in enumerate(
    [gettext_lazy("Monday"), gettext_lazy("Tuesday"), gettext_lazy("Wednesday"),
     gettext_lazy("Thursday"), gettext_lazy("Friday"), gettext_lazy("Saturday"),
     gettext_lazy("Sunday")])]  # fmt: skip


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class LeaveRequestForm(forms.Form):
    leave_type = forms.ChoiceField(label=gettext_lazy("Type of leave"))
    start_date = forms.DateField(label=gettext_lazy("First day"), widget=DATE)
    end_date = forms.DateField(label=gettext_lazy("Last day"), widget=DATE)
    part_day = forms.BooleanField(label=gettext_lazy("Only part of the day"), required=False)
    start_time = forms.TimeField(label=gettext_lazy("From"), required=False, widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME)
    note = forms.CharField(label=gettext_lazy("Note for your manager (optional)"),
                           required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, types: list[LeaveType], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["leave_type"]
        if isinstance(field, forms.ChoiceField):
            field.choices = [(str(t.pk), t.name) for t in types]


class DecisionForm(forms.Form):
    comment = forms.CharField(label=gettext_lazy("Comment"), required=False, max_length=1000)


class LeaveTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    deducts = forms.BooleanField(label=gettext_lazy("Counts against the yearly allowance"),
                                 required=False)  # fmt: skip
    allow_beyond_balance = forms.BooleanField(
        label=gettext_lazy("May be requested beyond the remaining allowance"), required=False
    )


YEAR_BOUNDS = (2000, 2100)


class AllowanceForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=YEAR_BOUNDS[0],
                              max_value=YEAR_BOUNDS[1])  # fmt: skip
    amount = forms.DecimalField(label=gettext_lazy("Allowance"), min_value=0, max_value=2000,
                                decimal_places=2)  # fmt: skip
    unit = forms.ChoiceField(label=gettext_lazy("In"), choices=LeaveUnit.choices)


class WeeklyForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=WEEKDAYS, coerce=int)
    start_time = forms.TimeField(label=gettext_lazy("From"), widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME,
                               help_text=gettext_lazy("Empty: until midnight."))  # fmt: skip
    kind = forms.ChoiceField(label=gettext_lazy("I am"),
                             choices=AvailabilityKind.choices[:2])  # fmt: skip


class DateChangeForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    kind = forms.ChoiceField(label=gettext_lazy("That day I am"), choices=[
        AvailabilityKind.choices[0], AvailabilityKind.choices[2]])  # fmt: skip
    start_time = forms.TimeField(label=gettext_lazy("From"), required=False, widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME,
                               help_text=gettext_lazy("Both empty: all day."))  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=200)


class WishForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE)
    kind = forms.ChoiceField(label=gettext_lazy("Wish"), choices=WishKind.choices)
    strength = forms.TypedChoiceField(
        label=gettext_lazy("How much it matters"), choices=WishStrength.choices, coerce=int,
        initial=WishStrength.MEDIUM,
    )  # fmt: skip
    start_time = forms.TimeField(label=gettext_lazy("From"), required=False, widget=TIME)
    end_time = forms.TimeField(label=gettext_lazy("Until"), required=False, widget=TIME,
                               help_text=gettext_lazy("Both empty: all day."))  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=200)
