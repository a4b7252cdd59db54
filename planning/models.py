"""Planning's tables: each site's coverage plan (weekly rows and date exceptions) and the
auto-build runs with what they proposed and what was accepted."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from planning.product.problem import WEIGHT_MAXIMA, Weights
from tenancy.models import TenantModel

WEEKDAY_FIELDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_PEOPLE_PER_ROW = 50


_MOST = [MaxValueValidator(MAX_PEOPLE_PER_ROW)]


class CoverageRow(TenantModel):
    """One line of a site's weekly coverage plan: a shift (position, local start and end,
    break) and how many people it needs on each weekday."""

    site = models.ForeignKey("scheduling.Site", on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # fmt: skip
    position = models.ForeignKey("scheduling.Position", on_delete=models.CASCADE,
                                 related_name="+", db_index=False)  # fmt: skip
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))  # at or before the start: the next day
    break_minutes = models.PositiveSmallIntegerField(_("unpaid break (minutes)"), default=0)
    mon = models.PositiveSmallIntegerField(_("Monday"), default=0, validators=_MOST)
    tue = models.PositiveSmallIntegerField(_("Tuesday"), default=0, validators=_MOST)
    wed = models.PositiveSmallIntegerField(_("Wednesday"), default=0, validators=_MOST)
    thu = models.PositiveSmallIntegerField(_("Thursday"), default=0, validators=_MOST)
    fri = models.PositiveSmallIntegerField(_("Friday"), default=0, validators=_MOST)
    sat = models.PositiveSmallIntegerField(_("Saturday"), default=0, validators=_MOST)
    sun = models.PositiveSmallIntegerField(_("Sunday"), default=0, validators=_MOST)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_time", "id"]
        indexes = [models.Index(fields=["tenant", "site", "start_time"], name="planning_cov_site")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "site", "position", "start_time", "end_time"],
                name="planning_coverage_row_once",
            )
        ]

    def __str__(self) -> str:
        return f"Coverage {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def label(self) -> str:
        """ "Carer 08:00-16:00" (reads the position: select it with the row)."""
        return f"{self.position.name} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    def counts(self) -> list[int]:
        return [int(getattr(self, name)) for name in WEEKDAY_FIELDS]

    @property
    def minutes(self) -> int:
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        return end - start if end > start else end + 24 * 60 - start

    def clean(self) -> None:
        super().clean()
        if self.start_time is not None and self.end_time is not None:
            if self.break_minutes >= self.minutes:
                raise ValidationError(
                    {"break_minutes": _("The break must be shorter than the shift.")}
                )
            if self.minutes > 16 * 60:
                raise ValidationError({"end_time": _("A shift can be at most 16 hours long.")})


class CoverageException(TenantModel):
    """On one date, one row of the plan needs another number of people (0 on a bank
    holiday the site is closed, more for an event)."""

    row = models.ForeignKey(CoverageRow, on_delete=models.CASCADE, related_name="+",
                            db_index=False)  # fmt: skip
    date = models.DateField(_("date"))
    people = models.PositiveSmallIntegerField(
        _("people needed"), validators=[MaxValueValidator(MAX_PEOPLE_PER_ROW)]
    )
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "row", "date"],
                                    name="planning_coverage_exception_once")
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Coverage exception {self.date}"


class BuildRun(TenantModel):
    """One auto-build: for a site and one to four weeks, run as a job that proposes drafts
    (never publishes). `result` holds the proposal, the gaps with their reasons and the
    objective by term; `accepted` the keys of the proposals turned into draft shifts."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Building")
        DONE = "done", _("Ready to review")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    site = models.ForeignKey("scheduling.Site", on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # fmt: skip
    week_start = models.DateField(_("first week (Monday)"))
    weeks = models.PositiveSmallIntegerField(
        _("weeks"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    time_limit_seconds = models.PositiveSmallIntegerField(
        _("time limit (seconds)"), default=30, validators=[MaxValueValidator(600)]
    )
    fill_open_shifts = models.BooleanField(_("fill open draft shifts"), default=True)
    # Unlocked drafts with a person at the site in the weeks are proposed for replacement, and
    # deleted only when the proposal is accepted.
    replace_drafts = models.BooleanField(_("replace unlocked drafts"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    best_objective = models.BigIntegerField(null=True, blank=True)
    solutions = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    message = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    accepted = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey("tenancy.Membership", on_delete=models.PROTECT,
                                   related_name="+", db_index=False)  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["tenant", "site", "-created_at"], name="planning_run_site")]

    def __str__(self) -> str:
        return f"Auto-build {self.week_start}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class BuildRunWeek(TenantModel):
    """A week a run holds while it is queued or running: the partial unique constraint makes
    the database refuse a second active run for the same site and week (never interleaved)."""

    run = models.ForeignKey(BuildRun, on_delete=models.CASCADE, related_name="+", db_index=False)
    site = models.ForeignKey("scheduling.Site", on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # fmt: skip
    week_start = models.DateField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "run"], name="planning_runweek_run")]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "site", "week_start"], condition=models.Q(active=True),
                name="planning_one_active_run_per_site_week",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Run week {self.week_start}"


_DEFAULT = Weights()


def _weight(label: Any, name: str, help_text: Any) -> models.PositiveIntegerField:  # type: ignore[type-arg]
    return models.PositiveIntegerField(
        label, default=getattr(_DEFAULT, name), help_text=help_text,
        validators=[MinValueValidator(0), MaxValueValidator(WEIGHT_MAXIMA[name])],
    )  # fmt: skip


class PlanningSettings(TenantModel):
    """The company's weights for the auto-build's objective (planning.product.problem.Weights).
    One row per tenant, made on first save; until then the defaults apply."""

    short = _weight(_("a person short"), "short",
                    _("Each person missing from the coverage plan."))  # fmt: skip
    over_contract = _weight(_("over contract"), "over_contract",
                            _("Each half hour over someone's contracted hours."))  # fmt: skip
    under_contract = _weight(_("under contract"), "under_contract",
                             _("Each half hour under someone's contracted hours."))  # fmt: skip
    soft_unavailable = _weight(
        _("when someone cannot work"),
        "soft_unavailable",
        _("Each shift in time someone said they cannot work (when that rule is soft)."),
    )
    wish = _weight(_("shift wishes"), "wish",
                   _("Each point of a shift wish not met (1 to 3 points a wish)."))  # fmt: skip
    weekend_fairness = _weight(
        _("weekends shared fairly"),
        "weekend_fairness",
        _("The most weekend shifts anyone works, per full-time contract (37.5 hours)."),
    )
    night_fairness = _weight(
        _("nights shared fairly"),
        "night_fairness",
        _("The most night shifts anyone works, per full-time contract (37.5 hours)."),
    )
    continuity = _weight(
        _("same shifts as last week"),
        "continuity",
        _("Each of last week's people not kept on the same shift on the same weekday."),
    )
    cost = _weight(_("cost of pay"), "cost",
                   _("Each 10 of pay at the person's hourly rate (where one is set)."))  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="planning_settings_once"),
        ]

    def __str__(self) -> str:
        return "Planning settings"

    def weights(self) -> Weights:
        return Weights(**{name: int(getattr(self, name)) for name in WEIGHT_NAMES})


WEIGHT_NAMES: tuple[str, ...] = tuple(WEIGHT_MAXIMA)
