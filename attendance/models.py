"""Punches (clocked time), breaks, the company's attendance settings, per-site location checks,
timesheets per person and pay period, and the manager's corrections with their reasons."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenancy.models import TenantModel


class PayPeriod(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    FORTNIGHTLY = "fortnightly", _("Fortnightly")
    MONTHLY = "monthly", _("Monthly")


class AttendanceSettings(TenantModel):
    """How the company turns punches into paid time. One row per tenant, created on first use."""

    pay_period = models.CharField(_("pay period"), max_length=16, choices=PayPeriod.choices,
                                  default=PayPeriod.WEEKLY)  # fmt: skip
    # Fortnights are counted from this Monday (weekly periods always start on a Monday).
    period_anchor = models.DateField(_("first day of a fortnightly pay period"),
                                     null=True, blank=True)  # fmt: skip
    rounding_minutes = models.PositiveSmallIntegerField(
        _("round worked time to the nearest (minutes)"), default=0,
        validators=[MaxValueValidator(60)], help_text=_("0: no rounding."),
    )  # fmt: skip
    auto_break_after_hours = models.DecimalField(
        _("deduct an unpaid break when a punch is longer than (hours)"), max_digits=4,
        decimal_places=2, default=Decimal("6"),
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )  # fmt: skip
    auto_break_minutes = models.PositiveSmallIntegerField(
        _("automatic break (minutes) when none was clocked"), default=0,
        validators=[MaxValueValidator(120)], help_text=_("0: no automatic break."),
    )  # fmt: skip
    late_grace_minutes = models.PositiveSmallIntegerField(
        _("late after (minutes past the start)"), default=5, validators=[MaxValueValidator(120)]
    )
    no_show_minutes = models.PositiveSmallIntegerField(
        _("tell the manager someone has not turned up after (minutes)"), default=15,
        validators=[MinValueValidator(1), MaxValueValidator(240)],
    )  # fmt: skip
    overtime_weekly_hours = models.DecimalField(
        _("overtime after (hours in a week)"), max_digits=5, decimal_places=2,
        default=Decimal("40"), validators=[MinValueValidator(0), MaxValueValidator(168)],
    )  # fmt: skip
    overtime_multiplier = models.DecimalField(
        _("overtime pay multiplier"), max_digits=4, decimal_places=2, default=Decimal("1.5"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("attendance settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="attendance_settings_one")]

    def __str__(self) -> str:
        return "Attendance settings"


class LocationMode(models.TextChoices):
    OFF = "off", _("No location check")
    FLAG = "flag", _("Record and flag punches outside the radius")
    BLOCK = "block", _("Refuse punches outside the radius")


class SiteLocation(TenantModel):
    """Where a site is, for the optional location check when people clock from a phone."""

    site = models.ForeignKey("scheduling.Site", on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # fmt: skip
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )  # fmt: skip
    radius_m = models.PositiveIntegerField(
        _("radius (metres)"), default=200, validators=[MinValueValidator(20),
                                                       MaxValueValidator(10000)],
    )  # fmt: skip
    mode = models.CharField(_("check"), max_length=8, choices=LocationMode.choices,
                            default=LocationMode.FLAG)  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "site"], name="attendance_siteloc_one"),
        ]

    def __str__(self) -> str:
        return f"Site location {self.pk}"


class Place(models.TextChoices):
    """Where a punch was made, as far as the location check knows; nothing else is kept."""

    UNKNOWN = "", _("Not checked")
    INSIDE = "inside", _("Inside the site's radius")
    OUTSIDE = "outside", _("Outside the site's radius")
    UNAVAILABLE = "unavailable", _("Location not given")
    # A punch on the site's kiosk: the tablet is enrolled at the site, so the punch is at the
    # site; no position is asked for (kept, like the others, only where location is kept).
    KIOSK = "kiosk", _("At the site's kiosk")


class Source(models.TextChoices):
    PHONE = "phone", _("Phone or computer")
    KIOSK = "kiosk", _("Kiosk")
    MANAGER = "manager", _("Manager")


class Punch(TenantModel):
    """One stretch of work: clocked in, and (once) clocked out. Times are the server's. At most
    one open punch per person (a partial unique index), so two devices make one record."""

    membership = models.ForeignKey("tenancy.Membership", on_delete=models.PROTECT,
                                   related_name="+", db_index=False)  # fmt: skip
    # The published shift it was matched to; empty: unscheduled (flagged).
    shift = models.ForeignKey("scheduling.Shift", on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="+", db_index=False)  # fmt: skip
    site = models.ForeignKey("scheduling.Site", on_delete=models.PROTECT, related_name="+",
                             db_index=False)  # fmt: skip
    clock_in_at = models.DateTimeField(_("clocked in"))
    clock_out_at = models.DateTimeField(_("clocked out"), null=True, blank=True)
    in_source = models.CharField(max_length=8, choices=Source.choices, default=Source.PHONE)
    out_source = models.CharField(max_length=8, choices=Source.choices, blank=True)
    # Location check: only inside/outside and the distance in metres, and only where the
    # company keeps location (tenancy.SensitiveKind.LOCATION).
    in_place = models.CharField(max_length=12, choices=Place.choices, blank=True, default="")
    in_distance_m = models.PositiveIntegerField(null=True, blank=True)
    out_place = models.CharField(max_length=12, choices=Place.choices, blank=True, default="")
    out_distance_m = models.PositiveIntegerField(null=True, blank=True)
    # A device clock more than a few minutes from the server's (the punch uses the server's).
    device_skew_minutes = models.IntegerField(null=True, blank=True)
    created_by = models.ForeignKey("tenancy.Membership", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", db_index=False)  # fmt: skip
    edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["clock_in_at", "id"]
        verbose_name_plural = "punches"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"],
                                    condition=models.Q(clock_out_at__isnull=True),
                                    name="attendance_punch_one_open"),
            models.CheckConstraint(condition=models.Q(clock_out_at__isnull=True)
                                   | models.Q(clock_out_at__gt=models.F("clock_in_at")),
                                   name="attendance_punch_out_after_in"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "membership", "clock_in_at"],
                         name="attendance_punch_member"),
            models.Index(fields=["tenant", "site", "clock_in_at"], name="attendance_punch_site"),
            models.Index(fields=["tenant", "shift"], name="attendance_punch_shift"),
            models.Index(fields=["tenant", "created_by"], name="attendance_punch_creator"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Punch {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.clock_out_at is None

    @property
    def outside(self) -> bool:
        return Place.OUTSIDE in (self.in_place, self.out_place)


class Break(TenantModel):
    """A break within a punch; at most one open at a time (a partial unique index)."""

    punch = models.ForeignKey(Punch, on_delete=models.CASCADE, related_name="+", db_index=False)
    start_at = models.DateTimeField(_("break started"))
    end_at = models.DateTimeField(_("break ended"), null=True, blank=True)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "punch"],
                                    condition=models.Q(end_at__isnull=True),
                                    name="attendance_break_one_open"),
            models.CheckConstraint(condition=models.Q(end_at__isnull=True)
                                   | models.Q(end_at__gt=models.F("start_at")),
                                   name="attendance_break_end_after_start"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["tenant", "punch"], name="attendance_break_punch")]

    def __str__(self) -> str:
        return f"Break {self.pk}"

    @property
    def minutes(self) -> int:
        end = self.end_at or timezone.now()
        return int((end - self.start_at).total_seconds() // 60)


class PunchEdit(TenantModel):
    """A manager's correction of a punch, with the reason and the times before and after: the
    original is kept in the first correction of each punch."""

    punch = models.ForeignKey(Punch, on_delete=models.CASCADE, related_name="+", db_index=False)
    editor = models.ForeignKey("tenancy.Membership", on_delete=models.PROTECT, related_name="+",
                               db_index=False)  # fmt: skip
    reason = models.TextField(_("reason"), max_length=1000)
    before_in = models.DateTimeField()
    before_out = models.DateTimeField(null=True, blank=True)
    after_in = models.DateTimeField()
    after_out = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "punch"], name="attendance_edit_punch"),
            models.Index(fields=["tenant", "editor"], name="attendance_edit_editor"),
        ]

    def __str__(self) -> str:
        return f"Punch edit {self.pk}"


class Timesheet(TenantModel):
    """One person's pay period: its state (open, approved and locked) and the person's answer.
    While open, the hours are computed from the punches (attendance.timesheets.selectors). Once
    approved it is a stored fact: its first and last day, and the paid, overtime and scheduled
    minutes of each day and punch as they were approved (`approved_days`), which payroll and the
    pages read; a later change of the pay period, rounding, break or overtime rules changes
    nothing in it. Its punches cannot change until someone with "unlock" reopens it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        APPROVED = "approved", _("Approved")

    class Answer(models.TextChoices):
        NONE = "", _("Not answered")
        CONFIRMED = "confirmed", _("Confirmed")
        QUERIED = "queried", _("Queried")

    membership = models.ForeignKey("tenancy.Membership", on_delete=models.PROTECT,
                                   related_name="+", db_index=False)  # fmt: skip
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    approved_by = models.ForeignKey("tenancy.Membership", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", db_index=False)  # fmt: skip
    approved_at = models.DateTimeField(null=True, blank=True)
    # Paid minutes as approved (regular and overtime), for payroll; cleared on unlocking.
    approved_minutes = models.PositiveIntegerField(null=True, blank=True)
    approved_overtime_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Each day of the period as approved: [{"day", "scheduled", "paid", "overtime",
    # "multiplier", "shifts": [{"site_id", "site", "position", "minutes"}], "punches":
    # [{"punch", "site_id", "site", "position", "paid", "breaks"}]}]; cleared on unlocking.
    approved_days = models.JSONField(default=list, blank=True)
    answer = models.CharField(max_length=16, choices=Answer.choices, blank=True, default="")
    answer_note = models.TextField(_("your note"), blank=True, max_length=1000)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership", "period_start"],
                                    name="attendance_timesheet_one"),
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="attendance_timesheet_period"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "period_start", "status"],
                         name="attendance_ts_period"),
            models.Index(fields=["tenant", "approved_by"], name="attendance_ts_approver"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Timesheet {self.pk}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.APPROVED


class Kiosk(TenantModel):
    """A shared tablet at a site, bound to one enrolled device: a manager makes a one-time
    enrolment link (its hash and a short expiry kept here), and opening it on the tablet gives
    the tablet a long-lived device cookie holding a random token whose hash is `token_hash`
    (a random, unknown one until a device is enrolled or after it is revoked). Not a person's
    session: people clock on it with their personal PIN."""

    site = models.ForeignKey("scheduling.Site", on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # fmt: skip
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, editable=False)  # the enrolled device's token
    enrolled_at = models.DateTimeField(null=True, blank=True)
    enrol_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    enrol_expires_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("tenancy.Membership", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", db_index=False)  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Wrong PINs on this kiosk in a row (any person): past KIOSK_PAUSE_AFTER, it pauses.
    failed_attempts = models.PositiveIntegerField(default=0)
    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "token_hash"], name="attendance_kiosk_token"),
        ]
        indexes = [
            models.Index(fields=["tenant", "site"], name="attendance_kiosk_site"),
            models.Index(fields=["tenant", "created_by"], name="attendance_kiosk_creator"),
        ]

    def __str__(self) -> str:
        return f"Kiosk {self.pk}"


class KioskPin(TenantModel):
    """A person's personal PIN for kiosks, hashed like a password; wrong attempts lock it."""

    membership = models.ForeignKey("tenancy.Membership", on_delete=models.CASCADE,
                                   related_name="+", db_index=False)  # fmt: skip
    pin_hash = models.CharField(max_length=256, editable=False)
    failed_attempts = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"], name="attendance_pin_one"),
        ]

    def __str__(self) -> str:
        return f"Kiosk PIN {self.pk}"
