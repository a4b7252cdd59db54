"""The auditor's filter: date range, person, category, event, object type and free text, with
the catalogue's labels (each event listed under its category)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from audit.search import MOST_WORDS, words
from tenancy.widgets import Choices, PlainSelect

# Browsers' date and time fields read ISO values only, whatever the language (en-GB would
# render 23/11/2026, which a date field shows as empty).
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Dates outside these years are refused, not computed with: the day after 9999-12-31 overflows.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
BOUNDS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DATE_WIDGET,
        validators=BOUNDS,
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DATE_WIDGET,
        validators=BOUNDS,
    )
    actor = forms.ChoiceField(label=_("Person"), required=False, widget=PlainSelect)
    category = forms.ChoiceField(label=_("Category"), required=False, widget=PlainSelect)
    event = forms.ChoiceField(label=_("Event"), required=False, widget=PlainSelect)
    target_type = forms.ChoiceField(label=_("Object type"), required=False, widget=PlainSelect)
    q = forms.CharField(label=_("Text"), required=False, max_length=200)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any,
        *,
        people: Choices,
        categories: Choices,
        events: Choices,
        target_types: Choices,
    ) -> None:
        """The choices come ready, each with its "any" option first (audit.selectors)."""
        super().__init__(data)
        self._set_choices("actor", people)
        self._set_choices("category", categories)
        self._set_choices("event", events)
        self._set_choices("target_type", target_types)

    def _set_choices(self, name: str, choices: Choices) -> None:
        field = self.fields[name]
        if isinstance(field, forms.ChoiceField):
            field.choices = choices

    def clean_q(self) -> str:
        text: str = self.cleaned_data.get("q") or ""
        found = words(text)
        if text.strip() and not found:
            raise forms.ValidationError(_("Search for words or numbers."))
        if len(found) > MOST_WORDS:
            raise forms.ValidationError(
                _("Search for at most %(count)d words.") % {"count": MOST_WORDS}
            )
        return text

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data
