"""Demand and facts from the database for one auto-build: the site's coverage plan over the
horizon as groups of slots (less what existing shifts already cover), open draft shifts to fill,
the shifts that stay, and everyone's rules facts. Call it inside the tenant's context."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from planning.models import CoverageException, CoverageRow, PlanningSettings
from planning.product.problem import BuildInput, FactsRow, Group, Weights, Wish
from scheduling.models import Position, Shift, ShiftWish, Site, WishKind
from scheduling.rules.facts import profiles_of, rule_set, scheduling_settings, time_off_between
from scheduling.time import wall_time_utc
from tenancy.models import Membership, Tenant


@dataclass(frozen=True)
class Horizon:
    site: Site
    first_day: dt.date
    weeks: int

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.site.time_zone)

    def days(self) -> list[dt.date]:
        return [self.first_day + dt.timedelta(days=n) for n in range(7 * self.weeks)]

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), tzinfo=self.zone).astimezone(dt.UTC)

    @property
    def end(self) -> dt.datetime:
        last = self.first_day + dt.timedelta(days=7 * self.weeks)
        return dt.datetime.combine(last, dt.time(), tzinfo=self.zone).astimezone(dt.UTC)


def needs(horizon: Horizon) -> dict[tuple[uuid.UUID, dt.date], int]:
    """People needed per (coverage row, date): the weekday's number unless an exception says
    otherwise. Two queries."""
    rows = list(CoverageRow.objects.filter(site=horizon.site))
    exceptions = {
        (row_id, day): people
        for row_id, day, people in CoverageException.objects.filter(
            row__site=horizon.site, date__gte=horizon.first_day, date__lte=horizon.days()[-1]
        ).values_list("row_id", "date", "people")
    }
    return {
        (row.pk, day): exceptions.get((row.pk, day), row.counts()[day.weekday()])
        for row in rows
        for day in horizon.days()
    }


def _times(
    row: CoverageRow, day: dt.date, zone: zoneinfo.ZoneInfo
) -> tuple[dt.datetime, dt.datetime] | None:
    start = wall_time_utc(day, row.start_time, zone)
    end_day = day if row.end_time > row.start_time else day + dt.timedelta(days=1)
    end = wall_time_utc(end_day, row.end_time, zone)
    if start is None or end is None or end <= start:
        return None  # a time the clocks skip that night: left out, and said so
    return start, end


def _replaceable(s: Shift, site: Site, start: dt.datetime, end: dt.datetime) -> bool:
    """An unlocked draft with a person at the site starting in the horizon."""
    return (
        s.site_id == site.pk and start <= s.start_at < end and s.status == Shift.Status.DRAFT
        and not s.locked and s.membership_id is not None
    )  # fmt: skip


def build_input(
    tenant: Tenant, horizon: Horizon, *, fill_open: bool, replace_drafts: bool = False
) -> BuildInput:
    """The builder's input for `horizon` at its site. A fixed number of queries. Published
    and locked shifts always stay as they are; other drafts stay too unless `replace_drafts`:
    then those with a person at the site in the horizon are left out of what stays (their
    demand open again) and named in `replaced`."""
    zone = horizon.zone
    site = horizon.site
    rows = {row.pk: row for row in CoverageRow.objects.filter(site=site)}
    wanted = needs(horizon)
    positions = dict(Position.objects.filter(tenant=tenant).values_list("pk", "name"))
    start, end = horizon.start, horizon.end
    settings = scheduling_settings(tenant)
    ruleset = rule_set(tenant, settings)
    profiles = profiles_of(tenant)
    # As far around the horizon as the rules look for these people (weeks, for a period rule).
    context = ruleset.context(profiles.facts().values())
    # Every assigned shift near the horizon stays as it is and counts for the rules; at the
    # site in the horizon, open shifts are demand already covered (published: on offer) or to
    # fill (drafts, when asked).
    near = Shift.objects.filter(
        tenant=tenant, start_at__lt=end + context, end_at__gt=start - context,
        membership__isnull=False,
    )  # fmt: skip
    open_here = Shift.objects.filter(
        tenant=tenant, site=site, membership__isnull=True, start_at__gte=start, start_at__lt=end
    )
    shifts = [*near, *open_here]
    replaced = [s for s in near if replace_drafts and _replaceable(s, site, start, end)]
    if replaced:
        gone = {s.pk for s in replaced}
        shifts = [s for s in shifts if s.pk not in gone]
    fixed: list[FactsRow] = [
        (s.pk, s.membership_id, s.start_at, s.end_at, s.break_minutes, s.site_id, s.position_id)
        for s in shifts if s.membership_id is not None
    ]  # fmt: skip
    covered: Counter[tuple[uuid.UUID, dt.datetime, dt.datetime]] = Counter()
    open_drafts: dict[tuple[uuid.UUID, dt.datetime, dt.datetime], list[str]] = defaultdict(list)
    loose: list[Shift] = []
    for s in shifts:
        if s.site_id != site.pk or not start <= s.start_at < end:
            continue
        key = (s.position_id, s.start_at, s.end_at)
        draft = s.status == Shift.Status.DRAFT and not s.locked
        if s.membership_id is None and draft and fill_open:
            open_drafts[key].append(str(s.pk))
            loose.append(s)
        else:
            covered[key] += 1
    before = last_week(tenant, horizon)
    continuity: dict[str, frozenset[uuid.UUID]] = {}
    groups: list[Group] = []
    for (row_id, day), count in sorted(
        wanted.items(), key=lambda item: (item[0][1], str(item[0][0]))
    ):
        row = rows[row_id]
        times = _times(row, day, zone)
        if times is None or count <= 0:
            continue
        key = (row.position_id, *times)
        have = covered.pop(key, 0)
        opened = open_drafts.pop(key, [])
        for s in list(loose):
            if str(s.pk) in opened:
                loose.remove(s)
        new = max(count - have - len(opened), 0)
        units = (*opened, *(f"{row_id}:{day.isoformat()}:{n}" for n in range(new)))
        times_text = f"{row.start_time:%H:%M}-{row.end_time:%H:%M}"
        label = f"{positions.get(row.position_id, '')} {day:%a %d %b} {times_text}"
        same = before.get((day.weekday(), row.position_id, row.start_time, row.end_time))
        if same:
            continuity[f"{row_id}:{day.isoformat()}"] = frozenset(same)
        groups.append(Group(
            key=f"{row_id}:{day.isoformat()}", start=times[0], end=times[1],
            break_minutes=row.break_minutes, site=site.pk, position=row.position_id, label=label,
            units=units, open_units=frozenset(opened),
        ))  # fmt: skip
    for s in loose:  # open drafts outside the plan: each a group of its own
        local = s.start_at.astimezone(zone)
        label = f"{positions.get(s.position_id, '')} {local:%a %d %b %H:%M} (open shift)"
        groups.append(Group(
            key=f"open:{s.pk}", start=s.start_at, end=s.end_at, break_minutes=s.break_minutes,
            site=site.pk, position=s.position_id, label=label, units=(str(s.pk),),
            open_units=frozenset({str(s.pk)}),
        ))  # fmt: skip
    active = {
        pk: name or email
        for pk, name, email in Membership.objects.filter(
            tenant=tenant, status=Membership.Status.ACTIVE
        ).values_list("pk", "user__full_name", "user__email")
    }
    people: set[uuid.UUID] = {pk for pk in profiles.by_member if pk in active}
    away = time_off_between(tenant, start - context, end + context, people, read_everyone=True)
    facts = {pk: f for pk, f in profiles.facts(away).items() if pk in people}
    contract: dict[Hashable, int | None] = {}
    rates: dict[Hashable, int] = {}
    for pk in people:
        hours = profiles.by_member[pk].contracted_hours
        contract[pk] = None if hours is None else int(hours * 60) * horizon.weeks
        rate = profiles.by_member[pk].hourly_rate
        if rate:
            rates[pk] = int(rate * 100)
    replaced_rows = tuple(
        (s.pk, s.version, s.membership_id,
         f"{active.get(s.membership_id or s.pk, '')}: {positions.get(s.position_id, '')} "
         f"{s.start_at.astimezone(zone):%a %d %b %H:%M}")
        for s in sorted(replaced, key=lambda s: (s.start_at, str(s.pk)))
    )  # fmt: skip
    tuned = PlanningSettings.objects.filter(tenant=tenant).first()
    return BuildInput(
        weights=tuned.weights() if tuned is not None else Weights(),
        replaced=replaced_rows, last_week=continuity, rate_cents=rates, rules=ruleset,
        people=dict(facts),
        names={pk: active[pk] for pk in people}, contract_minutes=contract,
        groups=tuple(groups), fixed=tuple(fixed), horizon_start=start, horizon_end=end,
        position_names=dict(positions), wishes=wishes_in(tenant, horizon, people),
    )  # fmt: skip


def last_week(
    tenant: Tenant, horizon: Horizon
) -> dict[tuple[int, uuid.UUID, dt.time, dt.time], set[uuid.UUID]]:
    """Who worked which shift at the site in the week before the horizon, by (weekday,
    position, local start, local end): the auto-build prefers to keep them on it. One query."""
    zone = horizon.zone
    found: dict[tuple[int, uuid.UUID, dt.time, dt.time], set[uuid.UUID]] = defaultdict(set)
    rows = Shift.objects.filter(
        tenant=tenant, site=horizon.site, membership__isnull=False,
        start_at__gte=horizon.start - dt.timedelta(days=7), start_at__lt=horizon.start,
    ).values_list("membership_id", "position_id", "start_at", "end_at")  # fmt: skip
    for person, position, start_at, end_at in rows:
        start, end = start_at.astimezone(zone), end_at.astimezone(zone)
        found[start.weekday(), position, start.time(), end.time()].add(person)
    return found


def wishes_in(tenant: Tenant, horizon: Horizon, people: set[uuid.UUID]) -> tuple[Wish, ...]:
    """The shift wishes of `people` on the horizon's days (a day either side: the company's
    dates are not the site's), as real times: a date is the company's, all day or between two
    times (scheduling.ShiftWish). One query."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    found: list[Wish] = []
    rows = ShiftWish.objects.filter(
        tenant=tenant, date__gte=horizon.first_day - dt.timedelta(days=1),
        date__lte=horizon.days()[-1] + dt.timedelta(days=1),
    ).values_list(
        "membership_id", "date", "kind", "strength", "start_time", "end_time"
    )  # fmt: skip
    for person, day, kind, strength, start_time, end_time in rows:
        if person not in people:
            continue
        begin = wall_time_utc(day, start_time or dt.time(), zone)
        until = (
            wall_time_utc(day, end_time, zone) if end_time is not None
            else wall_time_utc(day + dt.timedelta(days=1), dt.time(), zone)
        )  # fmt: skip
        if begin is None or until is None or until <= begin:
            continue  # a time the clocks skip: nothing to weigh
        found.append(Wish(person, begin, until, kind == WishKind.WORK, strength))
    return tuple(found)
