"""Form fields and widgets every feature's forms share: time zones, dates within bounds, and the
ISO date and time widgets browsers need."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

TIME_ZONES = sorted(zoneinfo.available_timezones())


# Dates outside these years are refused, not computed with (a week after 9999-12-31 overflows).
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


BOUNDS = [MinValueValidator(FIRST_DAY), MaxValueValidator(LAST_DAY)]


# Browsers' date and time fields read ISO values only, whatever the language (en-GB would
# render 23/11/2026, which a date field shows as empty).
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
