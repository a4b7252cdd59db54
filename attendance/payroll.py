"""Payroll from actuals: scheduling's payroll export, with approved hours where a timesheet is
approved and scheduled hours (marked) otherwise, overtime split by the company's weekly rule;
and the summary of scheduled against actual hours and cost by site, position and person.
An approved day is paid from the figures stored at approval (paid and overtime minutes, the
overtime multiplier, sites and positions), whatever the settings say now."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from attendance.models import AttendanceSettings
from attendance.settings import attendance_settings, period_of
from attendance.timesheets.selectors import DayLine, Sheet, overtime_split, sheets
from audit.exports import safe_cell
from scheduling.access import sites_for_member
from scheduling.models import WorkProfile
from scheduling.rules.facts import scheduling_settings
from tenancy.context import tenant_context
from tenancy.models import Membership

COLUMNS = [
    "membership_id", "employee", "date", "sites", "positions", "scheduled_hours", "basis",
    "paid_hours", "regular_hours", "overtime_hours", "hourly_rate", "regular_pay",
    "overtime_pay", "cost", "currency",
]  # fmt: skip
APPROVED = "approved actual"
SCHEDULED = "scheduled (timesheet not approved)"


def _hours(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01")))


def _periods(
    settings: AttendanceSettings, start: dt.date, end: dt.date
) -> list[tuple[dt.date, dt.date]]:
    found, day = [], start
    while day <= end:
        period = period_of(settings, day)
        found.append(period)
        day = period[1] + dt.timedelta(days=1)
    return found


def _people(actor: Membership) -> list[Membership]:
    """Everyone who has been in the company (those who left may still be paid for the range)."""
    return list(
        Membership.objects.filter(tenant=actor.tenant)
        .select_related("user").order_by("user__full_name", "pk")
    )  # fmt: skip


def _rates(actor: Membership) -> dict[uuid.UUID, Decimal | None]:
    profiles = WorkProfile.objects.filter(tenant=actor.tenant)
    return dict(profiles.values_list("membership_id", "hourly_rate"))


@dataclass
class DayPay:
    person: Membership
    day: DayLine
    overtime: int = 0

    @property
    def approved(self) -> bool:
        return self.day.approved is not None

    @property
    def paid(self) -> int:
        return self.day.worked_minutes if self.approved else self.day.scheduled_minutes

    def multiplier(self, current: Decimal) -> Decimal:
        """The overtime multiplier: as approved, else the company's now."""
        return Decimal(self.day.approved["multiplier"]) if self.day.approved else current


def _day_pay(sheet: Sheet, settings: AttendanceSettings, site_ids: set[str]) -> list[DayPay]:
    days = [
        d for d in sheet.days
        if {p.site_id for p in d.scheduled_parts() + d.actual_parts()} & site_ids
    ]  # fmt: skip
    rows = [DayPay(sheet.membership, d) for d in days]
    split = overtime_split({r.day.day: r.paid for r in rows}, float(settings.overtime_weekly_hours))
    for row in rows:  # an approved day's overtime is the one approved
        row.overtime = row.day.overtime_minutes if row.approved else split[row.day.day]
    return [r for r in rows if r.paid or r.day.scheduled_parts() or r.day.actual_parts()]


def day_pay(actor: Membership, start: dt.date, end: dt.date) -> Iterator[DayPay]:
    """Each person's paid day from `start` to `end` at the sites `actor` schedules. Five queries
    per pay period in the range, whatever the number of people, shifts or punches."""
    tenant = actor.tenant
    settings = attendance_settings(tenant)
    site_ids = {str(pk) for pk in sites_for_member(actor).values_list("pk", flat=True)}
    people = _people(actor)
    for first, last in _periods(settings, start, end):
        for sheet in sheets(tenant, settings, people, first, last):
            for row in _day_pay(sheet, settings, site_ids):
                if start <= row.day.day <= end:
                    yield row


def actual_rows(
    actor: Membership, start: dt.date, end: dt.date, *, with_pay: bool
) -> Iterator[list[str]]:
    """The CSV rows (COLUMNS), read after the view returned (the response streams), so in a
    tenant context of its own."""
    tenant = actor.tenant
    with tenant_context(tenant):
        currency = scheduling_settings(tenant).currency
        multiplier = attendance_settings(tenant).overtime_multiplier
        rates: dict[uuid.UUID, Decimal | None] = {}
        if with_pay:
            rates = _rates(actor)
        for row in day_pay(actor, start, end):
            regular = row.paid - row.overtime
            rate = rates.get(row.person.pk)
            pay = ["", "", ""]
            if rate is not None:
                regular_pay = (rate * regular / 60).quantize(Decimal("0.01"))
                overtime_pay = (rate * row.multiplier(multiplier) * row.overtime
                                / 60).quantize(Decimal("0.01"))  # fmt: skip
                pay = [str(regular_pay), str(overtime_pay), str(regular_pay + overtime_pay)]
            sites = dict.fromkeys(p.site for p in row.day.scheduled_parts()
                                  + row.day.actual_parts())  # fmt: skip
            positions = dict.fromkeys(p.position for p in row.day.scheduled_parts())
            yield [
                str(row.person.pk), safe_cell(row.person.user.display_name),
                row.day.day.isoformat(), safe_cell("; ".join(sites)),
                safe_cell("; ".join(positions)), _hours(row.day.scheduled_minutes),
                APPROVED if row.approved else SCHEDULED, _hours(row.paid), _hours(regular),
                _hours(row.overtime), "" if rate is None else str(rate), *pay, currency,
            ]  # fmt: skip


@dataclass
class Tally:
    label: str
    scheduled: int = 0
    actual: int = 0
    scheduled_cost: Decimal = Decimal(0)
    actual_cost: Decimal = Decimal(0)

    @property
    def difference(self) -> int:
        return self.actual - self.scheduled


@dataclass
class Summary:
    by_site: list[Tally] = field(default_factory=list)
    by_position: list[Tally] = field(default_factory=list)
    by_person: list[Tally] = field(default_factory=list)
    total: Tally = field(default_factory=lambda: Tally("total"))


def summary(actor: Membership, start: dt.date, end: dt.date, *, with_pay: bool) -> Summary:
    """Scheduled against actual (clocked, approved or not) hours and cost by site, position and
    person. Actual time is counted at the punch's site, in its shift's position."""
    rates: dict[uuid.UUID, Decimal | None] = {}
    if with_pay:
        rates = _rates(actor)
    tallies: dict[str, dict[str, Tally]] = {"site": {}, "position": {}, "person": {}}
    total = Tally("total")

    def add(kind: str, label: str, scheduled: int, actual: int, rate: Decimal | None) -> None:
        tally = tallies[kind].setdefault(label, Tally(label))
        for t in (tally, total) if kind == "site" else (tally,):
            t.scheduled += scheduled
            t.actual += actual
            if rate is not None:
                t.scheduled_cost += rate * scheduled / 60
                t.actual_cost += rate * actual / 60

    for row in day_pay(actor, start, end):
        rate = rates.get(row.person.pk)
        name = row.person.user.display_name
        for part in row.day.scheduled_parts():
            add("site", part.site, part.minutes, 0, rate)
            add("position", part.position, part.minutes, 0, rate)
            add("person", name, part.minutes, 0, rate)
        for part in row.day.actual_parts():  # approved days: as approved
            add("site", part.site, 0, part.minutes, rate)
            add("position", part.position, 0, part.minutes, rate)
            add("person", name, 0, part.minutes, rate)

    def ordered(kind: str) -> list[Tally]:
        return sorted(tallies[kind].values(), key=lambda t: t.label.lower())

    return Summary(ordered("site"), ordered("position"), ordered("person"), total)
