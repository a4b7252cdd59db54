"""Timesheets read from the punches against the published shifts: each day's worked and
scheduled minutes, with the company's rounding, automatic break and overtime rules, and the
variances flagged. Days inside an approved timesheet show the figures stored at approval
instead (the rules may have changed since). Read for many people at once in a fixed number of
queries."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from attendance.models import AttendanceSettings, Break, Punch, PunchEdit, Timesheet
from scheduling.models import SchedulingSettings, Shift
from scheduling.time import local_midnight
from tenancy.models import Membership, Tenant


class Variance:
    """Codes of what a timesheet flags, with their labels in VARIANCE_LABELS."""

    LATE = "late"
    EARLY_LEAVE = "early_leave"
    MISSED_BREAK = "missed_break"
    UNSCHEDULED = "unscheduled"
    NO_SHOW = "no_show"
    NOT_CLOCKED_OUT = "not_clocked_out"
    OUTSIDE = "outside"
    DEVICE_CLOCK = "device_clock"
    CORRECTED = "corrected"
    SHORT_REST = "short_rest"
    OVER_MAX_HOURS = "over_max_hours"


VARIANCE_LABELS = {
    Variance.LATE: "Late",
    Variance.EARLY_LEAVE: "Left early",
    Variance.MISSED_BREAK: "Missed break",
    Variance.UNSCHEDULED: "Unscheduled",
    Variance.NO_SHOW: "No-show",
    Variance.NOT_CLOCKED_OUT: "Not clocked out",
    Variance.OUTSIDE: "Outside the site",
    Variance.DEVICE_CLOCK: "Device clock wrong",
    Variance.CORRECTED: "Corrected by a manager",
    Variance.SHORT_REST: "Short rest before",
    Variance.OVER_MAX_HOURS: "Over the 7-day maximum",
}


@dataclass
class PunchLine:
    punch: Punch
    breaks: list[Break]
    break_minutes: int  # clocked, or the automatic break where none was
    worked_minutes: int  # paid: rounded, less breaks; 0 while open
    variances: list[str]
    edits: list[PunchEdit]


@dataclass(frozen=True)
class Part:
    """Minutes at a site in a position: a shift (scheduled) or a punch (actual)."""

    site_id: str
    site: str
    position: str
    minutes: int


@dataclass
class DayLine:
    day: dt.date
    shifts: list[Shift] = field(default_factory=list)
    punches: list[PunchLine] = field(default_factory=list)
    no_shows: list[Shift] = field(default_factory=list)
    overtime_minutes: int = 0
    # The working-time rules checked against what was worked (scheduling's settings).
    rule_breaks: list[str] = field(default_factory=list)
    # Inside an approved timesheet: the day as approved (Timesheet.approved_days), which wins
    # over anything computed now.
    approved: dict[str, Any] | None = None

    @property
    def scheduled_minutes(self) -> int:
        if self.approved is not None:
            return int(self.approved["scheduled"])
        return sum(s.paid_minutes for s in self.shifts)

    @property
    def worked_minutes(self) -> int:
        if self.approved is not None:
            return int(self.approved["paid"])
        return sum(p.worked_minutes for p in self.punches)

    def scheduled_parts(self) -> list[Part]:
        if self.approved is not None:
            return [Part(p["site_id"], p["site"], p["position"], p["minutes"])
                    for p in self.approved["shifts"]]  # fmt: skip
        return [Part(str(s.site_id), s.site.name, s.position.name, s.paid_minutes)
                for s in self.shifts]  # fmt: skip

    def actual_parts(self) -> list[Part]:
        if self.approved is not None:
            return [Part(p["site_id"], p["site"], p["position"], p["paid"])
                    for p in self.approved["punches"]]  # fmt: skip
        return [Part(str(p.punch.site_id), p.punch.site.name,
                     p.punch.shift.position.name if p.punch.shift else "Unscheduled",
                     p.worked_minutes) for p in self.punches]  # fmt: skip

    def snapshot(self, multiplier: str) -> dict[str, Any]:
        """The day as it is approved (stored in Timesheet.approved_days)."""
        return {
            "day": self.day.isoformat(), "scheduled": self.scheduled_minutes,
            "paid": self.worked_minutes, "overtime": self.overtime_minutes,
            "multiplier": multiplier,
            "shifts": [vars(p) for p in self.scheduled_parts()],
            "punches": [{"punch": str(line.punch.pk), **vars(part), "paid": part.minutes,
                         "breaks": line.break_minutes}
                        for line, part in zip(self.punches, self.actual_parts(), strict=True)],
        }  # fmt: skip

    @property
    def variances(self) -> list[str]:
        found = [v for p in self.punches for v in p.variances]
        found += [Variance.NO_SHOW] * len(self.no_shows)
        return list(dict.fromkeys(found + self.rule_breaks))


@dataclass
class Sheet:
    membership: Membership
    start: dt.date
    end: dt.date
    timesheet: Timesheet | None  # the stored row that starts the period, if any
    days: list[DayLine]

    @property
    def scheduled_minutes(self) -> int:
        return sum(d.scheduled_minutes for d in self.days)

    @property
    def worked_minutes(self) -> int:
        return sum(d.worked_minutes for d in self.days)

    @property
    def overtime_minutes(self) -> int:
        return sum(d.overtime_minutes for d in self.days)

    @property
    def regular_minutes(self) -> int:
        return self.worked_minutes - self.overtime_minutes

    @property
    def variance_count(self) -> int:
        return sum(len(d.variances) for d in self.days)

    @property
    def has_open_punch(self) -> bool:
        return any(p.punch.clock_out_at is None for d in self.days for p in d.punches)

    @property
    def is_locked(self) -> bool:
        """Every day inside an approved timesheet (by the stored periods)."""
        return bool(self.days) and all(d.approved is not None for d in self.days)

    @property
    def partly_locked(self) -> bool:
        """Some days approved, some not (the pay period changed since an approval)."""
        return not self.is_locked and any(d.approved is not None for d in self.days)

    def snapshot(self, multiplier: str) -> list[dict[str, Any]]:
        return [d.snapshot(multiplier) for d in self.days]


def _round(minutes: int, step: int) -> int:
    if step <= 1:
        return minutes
    return int((minutes + step / 2) // step * step)


def punch_line(
    punch: Punch, breaks: list[Break], edits: list[PunchEdit], settings: AttendanceSettings
) -> PunchLine:
    """One punch's paid minutes and variances, by the company's rules."""
    variances: list[str] = []
    shift = punch.shift
    grace = dt.timedelta(minutes=settings.late_grace_minutes)
    if shift is None:
        variances.append(Variance.UNSCHEDULED)
    elif punch.clock_in_at > shift.start_at + grace:
        variances.append(Variance.LATE)
    if punch.clock_out_at is None:
        variances.append(Variance.NOT_CLOCKED_OUT)
    elif shift is not None and punch.clock_out_at < shift.end_at - grace:
        variances.append(Variance.EARLY_LEAVE)
    if punch.outside:
        variances.append(Variance.OUTSIDE)
    if punch.device_skew_minutes is not None:
        variances.append(Variance.DEVICE_CLOCK)
    if edits:
        variances.append(Variance.CORRECTED)
    clocked = sum(b.minutes for b in breaks if b.end_at is not None)
    if punch.clock_out_at is None:
        return PunchLine(punch, breaks, clocked, 0, variances, edits)
    raw = int((punch.clock_out_at - punch.clock_in_at).total_seconds() // 60)
    taken = clocked
    if shift is not None and shift.break_minutes and clocked < shift.break_minutes:
        variances.append(Variance.MISSED_BREAK)
    if (not clocked and settings.auto_break_minutes
            and raw > settings.auto_break_after_hours * 60):  # fmt: skip
        taken = settings.auto_break_minutes
    worked = max(0, _round(raw, settings.rounding_minutes) - taken)
    return PunchLine(punch, breaks, taken, worked, variances, edits)


# Days before a period read with it: a week's overtime and the 7-day maximum look back 6 days.
CONTEXT_DAYS = 6


def overtime_split(minutes: dict[dt.date, int], weekly_hours: float) -> dict[dt.date, int]:
    """Minutes beyond the weekly threshold (Monday to Sunday, counted day by day in order) are
    overtime: each day's overtime minutes."""
    limit = int(weekly_hours * 60)
    totals: dict[dt.date, int] = defaultdict(int)
    overtime: dict[dt.date, int] = {}
    for day in sorted(minutes):
        monday = day - dt.timedelta(days=day.weekday())
        before = totals[monday]
        totals[monday] += minutes[day]
        overtime[day] = max(0, totals[monday] - max(limit, before))
    return overtime


def split_overtime(days: list[DayLine], weekly_hours: float) -> None:
    split = overtime_split({d.day: d.worked_minutes for d in days}, weekly_hours)
    for day in days:
        day.overtime_minutes = split[day.day]


def check_working_time(days: list[DayLine], rules: SchedulingSettings) -> None:
    """The working-time rules against actual hours: a punch starting less than the minimum rest
    after the previous one ended, and more than the maximum hours worked in the 7 days ending
    on a day. `days` are consecutive and start with the six before the period (CONTEXT_DAYS),
    so both rules see across the period's first edge."""
    rest = dt.timedelta(hours=float(rules.min_rest_hours))
    previous_end: dt.datetime | None = None
    for day in days:
        for line in sorted(day.punches, key=lambda p: p.punch.clock_in_at):
            if previous_end is not None and line.punch.clock_in_at - previous_end < rest:
                day.rule_breaks.append(Variance.SHORT_REST)
            previous_end = line.punch.clock_out_at or previous_end
    limit = int(float(rules.max_hours_7_days) * 60)
    for index, day in enumerate(days):
        window = days[max(0, index - 6) : index + 1]
        if sum(d.worked_minutes for d in window) > limit:
            day.rule_breaks.append(Variance.OVER_MAX_HOURS)


def sheets(
    tenant: Tenant,
    settings: AttendanceSettings,
    people: list[Membership],
    start: dt.date,
    end: dt.date,
) -> list[Sheet]:
    """Each person's timesheet from `start` to `end` (days in the site's time zone, punches by
    their clock-in). Six queries whatever the number of people, shifts or punches. Punches of
    the CONTEXT_DAYS before `start` are read too: overtime counts the whole week, rest and the
    7-day maximum look back across the period's edge; those days are not part of the sheet."""
    rules = SchedulingSettings.objects.filter(tenant=tenant).first() or SchedulingSettings()
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    margin = dt.timedelta(days=1)  # site time zones may differ from the company's
    window = (local_midnight(start, zone) - margin,
              local_midnight(end + dt.timedelta(days=1), zone) + margin)  # fmt: skip
    ids = [p.pk for p in people]
    shifts = list(
        Shift.objects.filter(tenant=tenant, membership_id__in=ids, status=Shift.Status.PUBLISHED,
                             start_at__gte=window[0], start_at__lt=window[1])
        .select_related("site", "position").order_by("start_at")
    )  # fmt: skip
    first = start - dt.timedelta(days=CONTEXT_DAYS)
    punches = list(
        Punch.objects.filter(tenant=tenant, membership_id__in=ids,
                             clock_in_at__gte=local_midnight(first, zone) - margin,
                             clock_in_at__lt=window[1])
        .select_related("site", "shift__position").order_by("clock_in_at")
    )  # fmt: skip
    punch_ids = [p.pk for p in punches]
    breaks: dict[uuid.UUID, list[Break]] = defaultdict(list)
    edits: dict[uuid.UUID, list[PunchEdit]] = defaultdict(list)
    if punch_ids:
        for b in Break.objects.filter(tenant=tenant, punch_id__in=punch_ids).order_by("start_at"):
            breaks[b.punch_id].append(b)
        for e in PunchEdit.objects.filter(tenant=tenant, punch_id__in=punch_ids).order_by(
            "created_at"
        ):
            edits[e.punch_id].append(e)
    stored: dict[uuid.UUID, list[Timesheet]] = defaultdict(list)
    for row in Timesheet.objects.filter(tenant=tenant, membership_id__in=ids,
                                        period_start__lte=end, period_end__gte=first):  # fmt: skip
        stored[row.membership_id].append(row)
    now = timezone.now()
    days: dict[uuid.UUID, dict[dt.date, DayLine]] = {
        p.pk: {first + dt.timedelta(days=i): DayLine(first + dt.timedelta(days=i))
               for i in range((end - first).days + 1)}
        for p in people
    }  # fmt: skip
    punched_shifts = {p.shift_id for p in punches if p.shift_id}
    for shift in shifts:
        day = shift.start_at.astimezone(zoneinfo.ZoneInfo(shift.site.time_zone)).date()
        line = days[shift.membership_id].get(day) if shift.membership_id else None
        if line is None or day < start:
            continue
        line.shifts.append(shift)
        if shift.pk not in punched_shifts and shift.end_at <= now:
            line.no_shows.append(shift)
    for punch in punches:
        day = punch.clock_in_at.astimezone(zoneinfo.ZoneInfo(punch.site.time_zone)).date()
        line = days[punch.membership_id].get(day)
        if line is not None:
            line.punches.append(punch_line(punch, breaks[punch.pk], edits[punch.pk], settings))
    made = []
    for person in people:
        with_context = list(days[person.pk].values())
        legacy = _apply_approved(with_context, stored[person.pk])
        split_overtime(with_context, float(settings.overtime_weekly_hours))
        check_working_time(with_context, rules)
        for line in with_context:
            if line.approved is not None:
                line.overtime_minutes = int(line.approved["overtime"])
            elif any(t.period_start <= line.day <= t.period_end for t in legacy):
                line.approved = line.snapshot(str(settings.overtime_multiplier))
        starting = next((t for t in stored[person.pk] if t.period_start == start), None)
        made.append(Sheet(person, start, end, starting, with_context[CONTEXT_DAYS:]))
    return made


def _apply_approved(days: list[DayLine], rows: list[Timesheet]) -> list[Timesheet]:
    """Days inside an approved timesheet take the figures stored at approval, down to each
    punch's paid minutes and breaks. Returns the approved rows that stored no days (approved
    before the days were stored): their days are approved as computed now."""
    stored = {
        entry["day"]: entry
        for row in rows if row.is_locked for entry in row.approved_days
    }  # fmt: skip
    for line in days:
        entry = stored.get(line.day.isoformat())
        if entry is None:
            continue
        line.approved = entry
        by_punch = {p["punch"]: p for p in entry["punches"]}
        for punch in line.punches:
            kept = by_punch.get(str(punch.punch.pk))
            if kept is not None:
                punch.worked_minutes, punch.break_minutes = kept["paid"], kept["breaks"]
    return [row for row in rows if row.is_locked and not row.approved_days]
