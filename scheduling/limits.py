"""The stored fields of the rules over days (scheduling/rules/__init__.py says what each does):
the company's, on SchedulingSettings, and a person's own, on WorkProfile. Abstract models, so
that scheduling/models.py keeps to its size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The kinds of shift by start time, and the successions a company can forbid: "a night shift
# may not be followed the next day by an early shift" is "night-early".
KINDS = ("early", "late", "night")


SUCCESSIONS = [
    ("night-early", _("Night, then an early shift the next day")),
    ("night-late", _("Night, then a late shift the next day")),
    ("late-early", _("Late, then an early shift the next day")),
    ("night-night", _("Night, then a night the next day")),
]


def _days(label: Any, least: int, most: int) -> models.PositiveSmallIntegerField[Any, Any]:
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True,
        validators=[MinValueValidator(least), MaxValueValidator(most)],
    )  # fmt: skip


def _hours(label: Any) -> models.DecimalField[Any, Any]:
    return models.DecimalField(
        label, max_digits=6, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(8 * 168)],
    )  # fmt: skip


class DayRules(models.Model):
    """The company's rules over days. Each limit is off while empty."""

    max_consecutive_days = _days(_("maximum working days in a row"), 1, 14)
    min_days_off = _days(_("minimum days off in a row"), 2, 7)
    max_weekends = _days(_("maximum weekends worked"), 0, 12)
    weekends_period_weeks = models.PositiveSmallIntegerField(
        _("in any so many weeks"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )  # fmt: skip
    period_min_hours = _hours(_("minimum paid hours in each period"))
    period_max_hours = _hours(_("maximum paid hours in each period"))
    hours_period_weeks = models.PositiveSmallIntegerField(
        _("period length (weeks)"), default=4,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )  # fmt: skip
    early_from = models.TimeField(_("early shifts start from"), default=dt.time(6))
    late_from = models.TimeField(_("late shifts start from"), default=dt.time(12))
    night_from = models.TimeField(_("night shifts start from"), default=dt.time(20))
    forbidden_successions = models.JSONField(
        _("shifts that may not follow each other"), default=list, blank=True
    )
    max_days_is_hard = models.BooleanField(_("working days in a row block publishing"),
                                           default=True)  # fmt: skip
    days_off_is_hard = models.BooleanField(_("too few days off in a row blocks publishing"),
                                           default=True)  # fmt: skip
    weekends_is_hard = models.BooleanField(_("weekends worked block publishing"), default=True)
    period_hours_is_hard = models.BooleanField(
        _("the maximum hours in a period block publishing"), default=True
    )
    succession_is_hard = models.BooleanField(
        _("shifts that may not follow each other block publishing"), default=True
    )

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if not self.early_from < self.late_from < self.night_from:
            errors["late_from"] = _("Early, late and night shifts start in that order in a day.")
        if (self.max_weekends is not None and self.weekends_period_weeks is not None
                and self.max_weekends > self.weekends_period_weeks):  # fmt: skip
            errors["max_weekends"] = _(
                "A period of %(weeks)d weeks has only %(weeks)d weekends."
            ) % {"weeks": self.weekends_period_weeks}
        _check_hours(self, errors, self.hours_period_weeks or 1)
        chosen = self.forbidden_successions
        known = {key for key, _label in SUCCESSIONS}
        if not isinstance(chosen, list) or not all(item in known for item in chosen):
            errors["forbidden_successions"] = _("Choose from the listed successions.")
        if errors:
            raise ValidationError(errors)


def _check_hours(limits: Any, errors: dict[str, Any], weeks: int) -> None:
    least: Decimal | None = limits.period_min_hours
    most: Decimal | None = limits.period_max_hours
    if least is not None and most is not None and least > most:
        errors["period_min_hours"] = _("The minimum is more than the maximum.")
    for name, value in (("period_min_hours", least), ("period_max_hours", most)):
        if value is not None and value > 168 * weeks and name not in errors:
            errors[name] = _("A period of %(weeks)d weeks has only %(hours)d hours.") % {
                "weeks": weeks, "hours": 168 * weeks,
            }  # fmt: skip


class PersonalDayLimits(models.Model):
    """A person's own limits over days, each replacing the company's when set."""

    max_consecutive_days = _days(_("personal maximum working days in a row"), 1, 14)
    min_days_off = _days(_("personal minimum days off in a row"), 2, 7)
    max_weekends = _days(_("personal maximum weekends worked"), 0, 12)
    period_min_hours = _hours(_("personal minimum paid hours in each period"))
    period_max_hours = _hours(_("personal maximum paid hours in each period"))

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        _check_hours(self, errors, 8)
        if errors:
            raise ValidationError(errors)


def successions(stored: object) -> frozenset[tuple[str, str]]:
    """The forbidden successions as the rules read them: ("night", "early") pairs."""
    if not isinstance(stored, list):
        return frozenset()
    pairs = (tuple(str(item).split("-")) for item in stored)
    return frozenset(
        (pair[0], pair[1]) for pair in pairs if len(pair) == 2 and set(pair) <= set(KINDS)
    )
