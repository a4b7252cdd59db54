"""Sites, positions, work profiles, shifts, publications and the working-time rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scheduling.limits import DayRules, PersonalDayLimits
from tenancy.models import TenantModel, validate_time_zone
from tenancy.object_permissions import TenantUserObjectPermission

SCHEDULE_SITE = "scheduling.schedule_site"


class Site(TenantModel):
    """A place where people work: a care home, an office, a venue."""

    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"), blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/London", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]
        permissions = [("schedule_site", _("Schedule this site"))]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("name"),
                                    name="scheduling_site_name_unique"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class SiteUserObjectPermission(TenantUserObjectPermission):
    """Which sites a member limited to chosen sites may schedule (django-guardian direct FK)."""

    content_object = models.ForeignKey(Site, on_delete=models.CASCADE, db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "user", "permission", "content_object"],
                name="scheduling_site_perm_unique",
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "content_object"], name="scheduling_siteperm_site"),
            models.Index(fields=["tenant", "permission"], name="scheduling_siteperm_perm"),
        ]


class Colour(models.TextChoices):
    """The palette of position colours: each has a chip style in the design system with text
    at AA contrast (no inline styles: the CSP forbids them)."""

    TEAL = "teal", _("Teal")
    BLUE = "blue", _("Blue")
    INDIGO = "indigo", _("Indigo")
    PURPLE = "purple", _("Purple")
    PINK = "pink", _("Pink")
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    AMBER = "amber", _("Amber")
    GREEN = "green", _("Green")
    SLATE = "slate", _("Slate")


class ClaimApproval(models.TextChoices):
    AUTOMATIC = "automatic", _("Automatic: the first claim that breaks no hard rule gets it")
    MANAGER = "manager", _("A manager approves each claim")


class Position(TenantModel):
    """A kind of work, such as "Carer" or "Night porter"; shifts are coloured by it."""

    name = models.CharField(_("name"), max_length=80)
    colour = models.CharField(_("colour"), max_length=16, choices=Colour.choices,
                              default=Colour.TEAL)  # fmt: skip

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("name"),
                                    name="scheduling_position_name_unique"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class SchedulingSettings(TenantModel, DayRules):
    """The company's working-time rules (defaults from the UK Working Time Regulations 1998;
    the rules over days, off until set, in scheduling/limits.py) and the currency of pay rates.
    One row per tenant, created on first use."""

    min_rest_hours = models.DecimalField(
        _("minimum rest between shifts (hours)"), max_digits=4, decimal_places=2,
        default=Decimal("11"), validators=[MinValueValidator(0), MaxValueValidator(24)],
    )  # fmt: skip
    max_hours_7_days = models.DecimalField(
        _("maximum hours in any 7 days"), max_digits=5, decimal_places=2,
        default=Decimal("48"), validators=[MinValueValidator(1), MaxValueValidator(168)],
    )  # fmt: skip
    min_weekly_rest_hours = models.DecimalField(
        _("minimum uninterrupted rest in each week (hours)"), max_digits=5, decimal_places=2,
        default=Decimal("24"), validators=[MinValueValidator(0), MaxValueValidator(168)],
    )  # fmt: skip
    rest_is_hard = models.BooleanField(_("rest between shifts blocks publishing"), default=True)
    max_hours_is_hard = models.BooleanField(_("maximum hours block publishing"), default=True)
    weekly_rest_is_hard = models.BooleanField(_("weekly rest blocks publishing"), default=True)
    qualification_is_hard = models.BooleanField(
        _("working an unlisted position or site blocks publishing"), default=True
    )
    unavailability_is_hard = models.BooleanField(
        _("scheduling someone when they are unavailable blocks publishing"), default=False
    )
    claim_approval = models.CharField(
        _("claims on open shifts"), max_length=16, choices=ClaimApproval.choices,
        default=ClaimApproval.MANAGER,
    )  # fmt: skip
    # Automatic messages: 0 hours turns the shift reminder off.
    shift_reminder_hours = models.PositiveSmallIntegerField(
        _("remind people of a shift this many hours before it (0: never)"), default=12,
        validators=[MaxValueValidator(168)],
    )  # fmt: skip
    shift_reminder_text = models.TextField(
        _("shift reminder"), max_length=1000,
        default="Reminder: you work {position} at {site} from {start} to {end}.",
    )  # fmt: skip
    unpublished_reminder_enabled = models.BooleanField(
        _("remind managers when next week is not published"), default=True
    )
    unpublished_reminder_weekday = models.PositiveSmallIntegerField(
        _("on"), default=3, validators=[MaxValueValidator(6)]
    )  # 0 = Monday
    unpublished_reminder_text = models.TextField(
        _("unpublished week reminder"), max_length=1000,
        default="The rota for the week starting {week} still has {drafts} unpublished shifts.",
    )  # fmt: skip
    currency = models.CharField(_("currency"), max_length=3, default="GBP",
                                validators=[RegexValidator(r"^[A-Z]{3}$")])  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("scheduling settings")
        constraints = [models.UniqueConstraint(fields=["tenant"], name="scheduling_settings_one")]

    def __str__(self) -> str:
        return "Scheduling settings"


class WorkProfile(TenantModel, PersonalDayLimits):
    """What a member can work and is paid: positions, sites, contracted hours, hourly rate, and
    personal limits that override the company's rules (for example for a young worker; those
    over days are in scheduling/limits.py)."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    positions = models.ManyToManyField(Position, through="WorkProfilePosition", related_name="+")
    sites = models.ManyToManyField(Site, through="WorkProfileSite", related_name="+")
    contracted_hours = models.DecimalField(
        _("contracted hours a week"), max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )  # fmt: skip
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    max_hours_7_days = models.DecimalField(
        _("personal maximum hours in any 7 days"), max_digits=5, decimal_places=2, null=True,
        blank=True, validators=[MinValueValidator(1), MaxValueValidator(168)],
    )  # fmt: skip
    min_rest_hours = models.DecimalField(
        _("personal minimum rest between shifts (hours)"), max_digits=4, decimal_places=2,
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(24)],
    )  # fmt: skip
    # sha256 of the secret in the person's calendar feed address; empty: no feed.
    calendar_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"], name="scheduling_profile_one"),
            models.UniqueConstraint(
                fields=["tenant", "calendar_token_hash"],
                condition=~models.Q(calendar_token_hash=""),
                name="scheduling_profile_calendar",
            ),
        ]

    def __str__(self) -> str:
        return f"Work profile {self.pk}"


class WorkProfilePosition(TenantModel):
    profile = models.ForeignKey(WorkProfile, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # fmt: skip
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "profile", "position"],
                                    name="scheduling_profile_position_unique"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["tenant", "position"], name="scheduling_wpp_position")]

    def __str__(self) -> str:
        return f"Work profile position {self.pk}"


class WorkProfileSite(TenantModel):
    profile = models.ForeignKey(WorkProfile, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # fmt: skip
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "profile", "site"],
                                    name="scheduling_profile_site_unique"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["tenant", "site"], name="scheduling_wps_site")]

    def __str__(self) -> str:
        return f"Work profile site {self.pk}"


class Shift(TenantModel):
    """One shift at a site in a position, for a member or open (membership empty). Times are
    stored in UTC and shown in the site's time zone. Employees see only published shifts."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)  # fmt: skip
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    start_at = models.DateTimeField(_("start"))
    end_at = models.DateTimeField(_("end"))
    break_minutes = models.PositiveSmallIntegerField(_("unpaid break (minutes)"), default=0)
    notes = models.TextField(_("notes"), blank=True, max_length=1000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)  # fmt: skip
    # Optimistic locking: every save of an edit names the version it was made from.
    version = models.PositiveIntegerField(default=1, editable=False)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Where a generated shift came from ("template:<item>:<date>", "rotation:<member>:<date>"):
    # applying a pattern again skips what it made before. Empty for shifts made by hand.
    origin = models.CharField(max_length=120, blank=True, default="", editable=False)
    # Locked by a manager: the auto-build and auto-fill leave it exactly as it is (a draft that
    # "replace unlocked drafts" keeps). Changed only through the rota's shift dialog.
    locked = models.BooleanField(_("locked"), default=False)

    class Meta:
        ordering = ["start_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "origin"], condition=~models.Q(origin=""),
                                    name="scheduling_shift_origin_once"),
            models.CheckConstraint(condition=models.Q(end_at__gt=models.F("start_at")),
                                   name="scheduling_shift_ends_after_start"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "start_at"], name="scheduling_shift_start"),
            models.Index(fields=["tenant", "membership", "start_at"],
                         name="scheduling_shift_member"),
            models.Index(fields=["tenant", "site", "start_at"], name="scheduling_shift_site"),
            models.Index(fields=["tenant", "position"], name="scheduling_shift_position"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Shift {self.pk}"

    @property
    def paid_minutes(self) -> int:
        return int((self.end_at - self.start_at).total_seconds() // 60) - self.break_minutes


class Publication(TenantModel):
    """One "publish" of a week's drafts (all sites or one), with the override reason when hard
    rule breaks were published anyway."""

    week_start = models.DateField(_("week starting"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", db_index=False)  # fmt: skip
    published_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    published_at = models.DateTimeField(default=timezone.now, editable=False)
    shift_count = models.PositiveIntegerField(default=0)
    hard_violations = models.PositiveIntegerField(default=0)
    override_reason = models.TextField(_("reason for overriding the rules"), blank=True)

    class Meta:
        ordering = ["-published_at"]
        indexes = [
            models.Index(fields=["tenant", "week_start"], name="scheduling_pub_week"),
            models.Index(fields=["tenant", "site"], name="scheduling_pub_site"),
            models.Index(fields=["tenant", "published_by"], name="scheduling_pub_by"),
        ]

    def __str__(self) -> str:
        return f"Publication {self.pk}"


# Self-service: leave and availability -------------------------------------------------------


class LeaveType(TenantModel):
    """A kind of leave (annual, sick, unpaid, other; admins add more). Only types that count
    against the allowance reduce the balance; a type may allow going beyond it."""

    name = models.CharField(_("name"), max_length=60)
    deducts = models.BooleanField(_("counts against the yearly allowance"), default=False)
    allow_beyond_balance = models.BooleanField(
        _("may be requested beyond the remaining allowance"), default=True
    )
    is_active = models.BooleanField(_("can be requested"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("name"),
                                    name="scheduling_leavetype_name_unique"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.name


class LeaveUnit(models.TextChoices):
    DAYS = "days", _("days")
    HOURS = "hours", _("hours")


class LeaveAllowance(TenantModel):
    """A member's leave allowance for one calendar year, in days or hours."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(
        _("allowance"), max_digits=6, decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(2000)],
    )  # fmt: skip
    unit = models.CharField(_("unit"), max_length=8, choices=LeaveUnit.choices,
                            default=LeaveUnit.DAYS)  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership", "year"],
                                    name="scheduling_allowance_one"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Leave allowance {self.pk}"


class LeaveRequest(TenantModel):
    """Leave asked for by a member: whole days, or part of one day (with times). Approved
    leave shows on the rota, and a shift over it is a hard rule break."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="+",
                                   db_index=False, verbose_name=_("type"))  # fmt: skip
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    # Part of a day: both set, and start_date == end_date (local time of the company).
    start_time = models.TimeField(_("from"), null=True, blank=True)
    end_time = models.TimeField(_("until"), null=True, blank=True)
    amount = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(0))
    unit = models.CharField(max_length=8, choices=LeaveUnit.choices, default=LeaveUnit.DAYS)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="scheduling_leave_ends_after_start"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "membership", "start_date"],
                         name="scheduling_leave_member"),
            models.Index(fields=["tenant", "status", "start_date"],
                         name="scheduling_leave_status"),
            models.Index(fields=["tenant", "leave_type"], name="scheduling_leave_type"),
            models.Index(fields=["tenant", "decided_by"], name="scheduling_leave_decider"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Leave request {self.pk}"

    @property
    def is_part_day(self) -> bool:
        return self.start_time is not None


class AvailabilityKind(models.TextChoices):
    UNAVAILABLE = "unavailable", _("Unavailable")
    PREFERRED = "preferred", _("Preferred")
    AVAILABLE = "available", _("Available after all")


class Availability(TenantModel):
    """A weekly recurring time a member cannot work (or prefers to), in the company's time."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    weekday = models.PositiveSmallIntegerField(
        _("day"), validators=[MaxValueValidator(6)]
    )  # 0 = Monday
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"), null=True, blank=True)  # empty: to midnight
    kind = models.CharField(max_length=16, choices=AvailabilityKind.choices[:2],
                            default=AvailabilityKind.UNAVAILABLE)  # fmt: skip

    class Meta:
        verbose_name_plural = _("availability")
        ordering = ["weekday", "start_time"]
        indexes = [
            models.Index(fields=["tenant", "membership", "weekday"],
                         name="scheduling_avail_member"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Availability {self.pk}"


class AvailabilityException(TenantModel):
    """A one-off change on a date: unavailable (all day or some hours), or available after all
    (lifting that date's recurring unavailability)."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField(_("date"))
    kind = models.CharField(
        max_length=16, default=AvailabilityKind.UNAVAILABLE,
        choices=[AvailabilityKind.choices[0], AvailabilityKind.choices[2]],
    )  # fmt: skip
    start_time = models.TimeField(_("from"), null=True, blank=True)  # both empty: all day
    end_time = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        indexes = [
            models.Index(fields=["tenant", "membership", "date"],
                         name="scheduling_availex_member"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Availability exception {self.pk}"


class WishKind(models.TextChoices):
    WORK = "work", _("I'd like to work")
    OFF = "off", _("I'd rather not work")


class WishStrength(models.IntegerChoices):
    LOW = 1, _("If possible")
    MEDIUM = 2, _("It matters to me")
    HIGH = 3, _("It matters a lot")


class ShiftWish(TenantModel):
    """A person's wish for or against working on a date (all day, or a part of it), with how
    much it matters: not a rule (availability is), but what managers see on the rota and the
    auto-scheduler weighs. One per person and date."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("wish"), max_length=8, choices=WishKind.choices)
    strength = models.PositiveSmallIntegerField(
        _("how much it matters"), choices=WishStrength.choices, default=WishStrength.MEDIUM
    )
    start_time = models.TimeField(_("from"), null=True, blank=True)  # both empty: all day
    end_time = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership", "date"],
                                    name="scheduling_wish_one_a_day"),
            models.CheckConstraint(
                condition=models.Q(start_time__isnull=True, end_time__isnull=True)
                | models.Q(start_time__isnull=False, end_time__isnull=False),
                name="scheduling_wish_both_times_or_none",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Shift wish {self.pk}"


# Self-service: open shifts, swaps -----------------------------------------------------------


class ShiftClaim(TenantModel):
    """A member's claim on a published open shift. At most one claim of a shift is ever
    approved (a partial unique constraint), so of two people claiming at once exactly one wins."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+", db_index=False)
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True, max_length=1000)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "shift"],
                                    condition=models.Q(status="approved"),
                                    name="scheduling_claim_one_winner"),
            models.UniqueConstraint(fields=["tenant", "shift", "membership"],
                                    condition=models.Q(status="pending"),
                                    name="scheduling_claim_one_pending"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "shift"], name="scheduling_claim_shift"),
            models.Index(fields=["tenant", "membership", "status"],
                         name="scheduling_claim_member"),
            models.Index(fields=["tenant", "status", "created_at"],
                         name="scheduling_claim_status"),
            models.Index(fields=["tenant", "decided_by"], name="scheduling_claim_decider"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Shift claim {self.pk}"


class ShiftSwap(TenantModel):
    """A member offers a published shift of theirs to a named colleague or to anyone qualified
    (``offered_to`` empty); a colleague accepts (optionally giving one of their own shifts in
    return); a manager approves, and the shifts change hands. One open swap per shift."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Waiting for a manager")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused by the colleague")
        DECLINED = "declined", _("Declined by a manager")
        CANCELLED = "cancelled", _("Cancelled")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+", db_index=False)
    offered_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    offered_to = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", db_index=False, verbose_name=_("colleague"),
    )  # fmt: skip
    accepted_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    # A shift of the accepting colleague's given in exchange; empty: a plain hand-over.
    return_shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True, max_length=1000)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "shift"],
                                    condition=models.Q(status__in=["offered", "accepted"]),
                                    name="scheduling_swap_one_open"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "shift"], name="scheduling_swap_shift"),
            models.Index(fields=["tenant", "return_shift"], name="scheduling_swap_return"),
            models.Index(fields=["tenant", "offered_by", "status"], name="scheduling_swap_by"),
            models.Index(fields=["tenant", "offered_to", "status"], name="scheduling_swap_to"),
            models.Index(fields=["tenant", "accepted_by"], name="scheduling_swap_accepted"),
            models.Index(fields=["tenant", "status", "created_at"],
                         name="scheduling_swap_status"),
            models.Index(fields=["tenant", "decided_by"], name="scheduling_swap_decider"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Shift swap {self.pk}"


# Repeating patterns -------------------------------------------------------------------------


class WeekTemplate(TenantModel):
    """A week of shifts saved to be applied to later weeks as drafts."""

    name = models.CharField(_("name"), max_length=80)
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("name"),
                                    name="scheduling_weektemplate_name_unique"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["tenant", "created_by"], name="scheduling_wt_creator")]

    def __str__(self) -> str:
        return self.name


class WeekTemplateShift(TenantModel):
    """One shift of a week template, in the site's local wall-clock time; an end at or before
    the start means the shift ends the next day."""

    template = models.ForeignKey(WeekTemplate, on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # fmt: skip
    weekday = models.PositiveSmallIntegerField(validators=[MaxValueValidator(6)])  # 0 = Monday
    start_time = models.TimeField()
    end_time = models.TimeField()
    break_minutes = models.PositiveSmallIntegerField(default=0)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # fmt: skip
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    notes = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["weekday", "start_time", "id"]
        indexes = [
            models.Index(fields=["tenant", "template"], name="scheduling_wts_template"),
            models.Index(fields=["tenant", "site"], name="scheduling_wts_site"),
            models.Index(fields=["tenant", "position"], name="scheduling_wts_position"),
            models.Index(fields=["tenant", "membership"], name="scheduling_wts_member"),
        ]

    def __str__(self) -> str:
        return f"Template shift {self.pk}"


class RotationPattern(TenantModel):
    """A rotating pattern such as four on, four off: ``cycle`` holds one character a day,
    "1" for a working day and "0" for a day off, starting on ``anchor_date``; each member
    follows it from their own offset in the cycle."""

    name = models.CharField(_("name"), max_length=80)
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+", db_index=False)
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+",
                                 db_index=False)  # fmt: skip
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    break_minutes = models.PositiveSmallIntegerField(_("unpaid break (minutes)"), default=0)
    cycle = models.CharField(
        _("cycle"), max_length=56, validators=[RegexValidator(r"^[01]{2,56}$")]
    )
    anchor_date = models.DateField(_("first day of the cycle"))
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("tenant", models.functions.Lower("name"),
                                    name="scheduling_rotation_name_unique"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "site"], name="scheduling_rot_site"),
            models.Index(fields=["tenant", "position"], name="scheduling_rot_position"),
            models.Index(fields=["tenant", "created_by"], name="scheduling_rot_creator"),
        ]

    def __str__(self) -> str:
        return self.name


class RotationMember(TenantModel):
    """A member following a rotating pattern, ``offset`` days into its cycle."""

    pattern = models.ForeignKey(RotationPattern, on_delete=models.CASCADE, related_name="+",
                                db_index=False)  # fmt: skip
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    offset = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(55)])

    class Meta:
        ordering = ["offset", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "pattern", "membership"],
                                    name="scheduling_rotation_member_once"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["tenant", "membership"], name="scheduling_rotm_member")]

    def __str__(self) -> str:
        return f"Rotation member {self.pk}"


# Messages and notifications -----------------------------------------------------------------


class Message(TenantModel):
    """A message a manager sent to chosen people, a site or a position; each recipient gets a
    :class:`Notification` (and an email, if their preferences allow)."""

    sender = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"), max_length=5000)
    # Who it went to, as people read it ("Leeds site", "3 people").
    audience = models.CharField(max_length=200, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="scheduling_message_created"),
            models.Index(fields=["tenant", "sender"], name="scheduling_message_sender"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk}"


class NotificationKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    REQUEST = "request", _("Waiting for you")
    DECISION = "decision", _("Decision")
    REMINDER = "reminder", _("Reminder")
    SCHEDULE = "schedule", _("Schedule")


class Notification(TenantModel):
    """One in-app notification for one member. The text never names a person: ``actor`` is
    shown by name when the list is read, so an erased person's name is nowhere stored here.
    ``key`` (unique per recipient when set) keeps an automatic reminder from repeating."""

    recipient = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", db_index=False,
    )  # fmt: skip
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=5000)
    # A path inside this tenant's pages ("/acme/swaps/"), or empty.
    url = models.CharField(max_length=300, blank=True)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", db_index=False)  # fmt: skip
    key = models.CharField(max_length=200, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "recipient", "key"],
                                    condition=~models.Q(key=""),
                                    name="scheduling_notification_key_once"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["tenant", "recipient", "read_at"],
                         name="scheduling_notif_unread"),
            models.Index(fields=["tenant", "recipient", "created_at"],
                         name="scheduling_notif_recent"),
            models.Index(fields=["tenant", "actor"], name="scheduling_notif_actor"),
            models.Index(fields=["tenant", "message"], name="scheduling_notif_message"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Notification {self.pk}"


class EmailPreferences(TenantModel):
    """Which notifications a member also gets by email (all of them unless they say not)."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    messages = models.BooleanField(_("messages from managers"), default=True)
    requests = models.BooleanField(_("requests waiting for me, and decisions on mine"),
                                   default=True)  # fmt: skip
    reminders = models.BooleanField(_("reminders"), default=True)
    schedule = models.BooleanField(_("my published shifts and changes to them"), default=True)

    class Meta:
        verbose_name_plural = _("email preferences")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "membership"],
                                    name="scheduling_emailprefs_one"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Email preferences {self.pk}"


class UuidArray(models.Field):  # type: ignore[type-arg]
    """A list of UUIDs: uuid[] on PostgreSQL; text elsewhere (the embedded demo, on SQLite, where
    nothing writes it). Written only by database triggers, read only in SQL."""

    def db_type(self, connection: Any) -> str:
        return "uuid[]" if connection.vendor == "postgresql" else "text"


class RotaChange(TenantModel):
    """A transaction that changed something the rota is computed from, written by PostgreSQL
    triggers (migrations 0005 and 0010), never by application code: one row per company and
    transaction, with what it touched: the days (`first_day` to `last_day`, UTC dates widened
    by a day either side; NULL: every day) and the people (`people`, membership ids, with
    OPEN_SHIFTS for the open shifts; NULL: everyone). scheduling/rota/cache.py reuses a
    computed week while no row appears that the week's database snapshot could not see and
    that touched its days and people. Only ever written by its own transaction (then pruned),
    so writers never wait on each other."""

    xid = models.BigIntegerField(editable=False)  # pg_current_xact_id() of the writer
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    first_day = models.DateField(null=True, editable=False)
    last_day = models.DateField(null=True, editable=False)
    people = UuidArray(null=True, editable=False)

    # In `people`: the open shifts' row (a shift with no one on it), which no membership id is.
    OPEN_SHIFTS = "00000000-0000-0000-0000-000000000000"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "xid"], name="scheduling_rotachange_once"),
        ]

    def __str__(self) -> str:
        return f"Rota change {self.pk}"


# Rule breaks, stored ---------------------------------------------------------------------


class RuleBreak(TenantModel):
    """One working-time rule one shift breaks, as the rules engine found it when the facts
    last changed (scheduling/rules/stored.py keeps these rows equal to a full check): derived
    data, rewritten by the services that change shifts, time off, profiles or the rules, and
    read by the rota, the publish review and the home page instead of running the engine.

    A shift is judged with all its person's shifts, drafts and published, around it; the
    minimum hours of a period are stored whether or not the period is over, with the day
    after it ends (`period_end`), so a reader shows them only once its view is settled up
    to then."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+", db_index=False)
    # When the shift starts (as it did when judged): what a refresh of a window replaces.
    starts_at = models.DateTimeField()
    code = models.CharField(max_length=24)
    hard = models.BooleanField()
    # The engine's sentence, in the site's language (settings.LANGUAGE_CODE).
    message = models.TextField()
    # The shift it clashes with, if any (an id only: that shift's own rows name this one).
    other_shift_id = models.UUIDField(null=True, blank=True)
    # For the minimum hours of a period: the first day after the period (local).
    period_end = models.DateField(null=True, blank=True)
    # Its place among the shift's breaks, as the engine orders them (hard first, then code).
    ordinal = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "membership", "starts_at"],
                         name="scheduling_rulebreak_member"),
            models.Index(fields=["tenant", "shift"], name="scheduling_rulebreak_shift"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Rule break {self.pk}"
