"""Reads of the scheduling app: the sites a member schedules, the rota week (a fixed number of
queries, whatever the number of people), rule checks, an employee's own shifts."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from scheduling import rules
from scheduling.models import (
    SCHEDULE_SITE,
    Position,
    SchedulingSettings,
    Shift,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.object_permissions import objects_permitted

WEEK = dt.timedelta(days=7)
# Rules look this far either side of the shifts being checked (rest, 7-day windows, weeks).
RULE_CONTEXT = dt.timedelta(days=8)


def sites_for_member(membership: Membership) -> QuerySet[Site]:
    """The sites `membership` may schedule: all of the tenant's, or only those granted to a
    member limited to chosen sites (django-guardian object permissions)."""
    sites = Site.objects.filter(tenant_id=membership.tenant_id).order_by("name")
    if membership.all_sites:
        return sites
    return objects_permitted(membership=membership, permission=SCHEDULE_SITE, queryset=sites)


def scheduling_settings(tenant: Tenant) -> SchedulingSettings:
    """The company's rules; the defaults (unsaved) until an admin first saves them."""
    return SchedulingSettings.objects.filter(tenant=tenant).first() or SchedulingSettings(
        tenant=tenant
    )


def _minutes(hours: Decimal | None) -> int | None:
    return None if hours is None else int(hours * 60)


def rule_set(tenant: Tenant, settings: SchedulingSettings) -> rules.RuleSet:
    return rules.RuleSet(
        time_zone=tenant.time_zone,
        min_rest_minutes=int(settings.min_rest_hours * 60),
        max_minutes_7_days=int(settings.max_hours_7_days * 60),
        min_weekly_rest_minutes=int(settings.min_weekly_rest_hours * 60),
        rest_is_hard=settings.rest_is_hard,
        max_hours_is_hard=settings.max_hours_is_hard,
        weekly_rest_is_hard=settings.weekly_rest_is_hard,
        qualification_is_hard=settings.qualification_is_hard,
    )


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def wall_time_utc(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """`day` at wall-clock `time` in `zone`, in UTC; None for a time that the clocks skip."""
    local = dt.datetime.combine(day, time, tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def today_in(tenant: Tenant) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


@dataclass
class Profiles:
    """Work profiles by membership id, with the positions and sites of each (3 queries)."""

    by_member: dict[uuid.UUID, WorkProfile]
    positions: dict[uuid.UUID, set[uuid.UUID]]
    sites: dict[uuid.UUID, set[uuid.UUID]]

    def facts(self) -> dict[uuid.UUID, rules.PersonFacts]:
        return {
            member_id: rules.PersonFacts(
                id=member_id,
                positions=frozenset(self.positions.get(member_id, ())),
                sites=frozenset(self.sites.get(member_id, ())),
                min_rest_minutes=_minutes(profile.min_rest_hours),
                max_minutes_7_days=_minutes(profile.max_hours_7_days),
            )
            for member_id, profile in self.by_member.items()
        }


PROFILE_FIELDS = ("id", "membership_id", "contracted_hours", "hourly_rate", "max_hours_7_days",
                  "min_rest_hours")  # fmt: skip


def profiles_of(tenant: Tenant, member_ids: Iterable[uuid.UUID] | None = None) -> Profiles:
    profiles = WorkProfile.objects.filter(tenant=tenant).only(*PROFILE_FIELDS)
    if member_ids is not None:
        profiles = profiles.filter(membership_id__in=list(member_ids))
    by_profile = {profile.pk: profile for profile in profiles}
    positions: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    sites: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    if by_profile:
        member_of = {profile.pk: profile.membership_id for profile in by_profile.values()}
        wanted = Q(tenant=tenant) & Q(profile_id__in=list(by_profile))
        for profile_id, position_id in WorkProfilePosition.objects.filter(wanted).values_list(
            "profile_id", "position_id"
        ):
            positions[member_of[profile_id]].add(position_id)
        for profile_id, site_id in WorkProfileSite.objects.filter(wanted).values_list(
            "profile_id", "site_id"
        ):
            sites[member_of[profile_id]].add(site_id)
    return Profiles(
        by_member={profile.membership_id: profile for profile in by_profile.values()},
        positions=positions,
        sites=sites,
    )


def shift_facts(shift: Shift) -> rules.ShiftFacts:
    return rules.ShiftFacts(
        id=shift.pk,
        person=shift.membership_id,
        start=shift.start_at,
        end=shift.end_at,
        break_minutes=shift.break_minutes,
        site=shift.site_id,
        position=shift.position_id,
    )


@dataclass(frozen=True)
class Loaded:
    """Shifts the caller has read already: every shift at `site_ids` starting in [start, end)."""

    shifts: list[Shift]
    site_ids: set[uuid.UUID]
    start: dt.datetime
    end: dt.datetime


def _published_context(
    tenant: Tenant, shifts: list[Shift], loaded: Loaded | None = None
) -> dict[uuid.UUID, rules.ShiftFacts]:
    """The published shifts of the people of `shifts` within RULE_CONTEXT of them, at any site
    (rest and hours are the person's, whoever scheduled them), as the rules' plain facts (no
    model instances: a busy week has thousands). Drafts elsewhere are not commitments yet, so
    they neither count nor block. One query."""
    people = {shift.membership_id for shift in shifts if shift.membership_id is not None}
    if not people:
        return {}
    first = min(shift.start_at for shift in shifts) - RULE_CONTEXT
    last = max(shift.end_at for shift in shifts) + RULE_CONTEXT
    query = Shift.objects.filter(
        tenant=tenant, membership_id__in=list(people), status=Shift.Status.PUBLISHED,
        start_at__lt=last, end_at__gt=first,
    )  # fmt: skip
    known: dict[uuid.UUID, rules.ShiftFacts] = {}
    if loaded is not None:  # read those rows once, not twice
        query = query.exclude(
            site_id__in=list(loaded.site_ids), start_at__gte=loaded.start, start_at__lt=loaded.end
        )
        known = {
            shift.pk: shift_facts(shift)
            for shift in loaded.shifts
            if shift.status == Shift.Status.PUBLISHED and shift.membership_id in people
        }
    rows = query.values_list("id", "membership_id", "start_at", "end_at", "break_minutes",
                             "site_id", "position_id")  # fmt: skip
    return known | {
        row[0]: rules.ShiftFacts(
            id=row[0],
            person=row[1],
            start=row[2],
            end=row[3],
            break_minutes=row[4],
            site=row[5],
            position=row[6],
        )
        for row in rows
    }


def _check(
    tenant: Tenant,
    facts: Iterable[rules.ShiftFacts],
    settings: SchedulingSettings,
    profiles: Profiles,
    only: set[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[rules.Violation]]:
    found = rules.check(facts, profiles.facts(), rule_set(tenant, settings), only=only)
    return {cast(uuid.UUID, pk): violations for pk, violations in found.items()}


def violations_for(
    tenant: Tenant,
    shifts: list[Shift],
    *,
    settings: SchedulingSettings | None = None,
    profiles: Profiles | None = None,
    loaded: Loaded | None = None,
) -> dict[uuid.UUID, list[rules.Violation]]:
    """The rule breaks of `shifts`, judged together with the same people's published shifts
    around them. Three to five queries, whatever the number of shifts."""
    people = {shift.membership_id for shift in shifts if shift.membership_id is not None}
    if not people:
        return {}
    # Unsaved or just-changed shifts under judgement replace their stored versions.
    facts = _published_context(tenant, shifts, loaded)
    facts.update({shift.pk: shift_facts(shift) for shift in shifts})
    settings = settings or scheduling_settings(tenant)
    profiles = profiles or profiles_of(tenant, people)
    return _check(tenant, facts.values(), settings, profiles, only={s.pk for s in shifts})


def _keys(found: dict[uuid.UUID, list[rules.Violation]]) -> set[tuple[object, ...]]:
    return {(v.shift_id, v.code, v.other_shift_id) for vs in found.values() for v in vs if v.hard}


def hard_violations_added(
    tenant: Tenant, changed: list[Shift]
) -> dict[uuid.UUID, list[rules.Violation]]:
    """The hard rule breaks that `changed` (drafts about to be published, or a new version of
    a published shift) would add to what is published: on those shifts themselves, and on
    published shifts that only break a rule because of them (48 hours in 7 days is charged to
    the later shift; weekly rest to every shift of the week). Breaks that exist anyway do not
    count. Four to six queries."""
    people = {shift.membership_id for shift in changed if shift.membership_id is not None}
    if not people:
        return {}
    published = _published_context(tenant, changed)
    settings = scheduling_settings(tenant)
    profiles = profiles_of(tenant, people)
    before = _check(tenant, published.values(), settings, profiles)
    after_facts = dict(published)
    after_facts.update({shift.pk: shift_facts(shift) for shift in changed})
    after = _check(tenant, after_facts.values(), settings, profiles)
    new = _keys(after) - _keys(before)
    added: dict[uuid.UUID, list[rules.Violation]] = {}
    for pk, violations in after.items():
        kept = [v for v in violations if (v.shift_id, v.code, v.other_shift_id) in new]
        if kept:
            added[pk] = kept
    return added


@dataclass
class ShiftCard:
    """A shift as the rota shows it: local times at its site, and its rule breaks."""

    shift: Shift
    start: dt.datetime
    end: dt.datetime
    violations: list[rules.Violation]

    @property
    def crosses_midnight(self) -> bool:
        return self.end.date() > self.start.date()

    @property
    def hard(self) -> bool:
        return any(v.hard for v in self.violations)


@dataclass
class Cell:
    date: dt.date
    cards: list[ShiftCard] = field(default_factory=list)


@dataclass
class Row:
    membership: Membership | None  # None: the open shifts row
    cells: list[Cell]
    minutes: int = 0
    cost: Decimal = Decimal(0)
    contracted_hours: Decimal | None = None

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60


@dataclass
class Day:
    date: dt.date
    minutes: int = 0
    cost: Decimal = Decimal(0)
    is_today: bool = False

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60


@dataclass
class RotaWeek:
    week_start: dt.date
    days: list[Day]
    sites: list[Site]
    positions: list[Position]
    site: Site | None
    position: Position | None
    open_row: Row
    rows: list[Row]
    violations: dict[uuid.UUID, list[rules.Violation]]
    settings: SchedulingSettings
    drafts: int
    published: int
    drafts_at_sites: int

    @property
    def previous_week(self) -> dt.date:
        return self.week_start - WEEK

    @property
    def next_week(self) -> dt.date:
        return self.week_start + WEEK

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def minutes(self) -> int:
        return sum(day.minutes for day in self.days)

    @property
    def hours(self) -> Decimal:
        return Decimal(self.minutes) / 60

    @property
    def cost(self) -> Decimal:
        return sum((day.cost for day in self.days), Decimal(0))

    @property
    def hard_violations(self) -> int:
        return sum(1 for found in self.violations.values() for v in found if v.hard)

    @property
    def soft_violations(self) -> int:
        return sum(1 for found in self.violations.values() for v in found if not v.hard)


def local_date(shift: Shift, zones: dict[uuid.UUID, zoneinfo.ZoneInfo]) -> dt.date:
    return shift.start_at.astimezone(zones[shift.site_id]).date()


def shift_cost(shift: Shift, profile: WorkProfile | None) -> Decimal:
    if profile is None or profile.hourly_rate is None or shift.membership_id is None:
        return Decimal(0)
    return (profile.hourly_rate * shift.paid_minutes / 60).quantize(Decimal("0.01"))


def week_shifts(
    tenant: Tenant, week_start: dt.date, site_ids: Iterable[uuid.UUID]
) -> QuerySet[Shift]:
    """Shifts that may start within the week at any of the sites: two days' margin either side
    (site time zones differ from the company's); callers keep those whose local date is in."""
    start, end = week_window(tenant, week_start)
    return Shift.objects.filter(
        tenant=tenant, site_id__in=list(site_ids), start_at__gte=start, start_at__lt=end
    )


def week_window(tenant: Tenant, week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = local_midnight(week_start, zone) - dt.timedelta(days=2)
    end = local_midnight(week_start + WEEK, zone) + dt.timedelta(days=2)
    return start, end


# What the grid reads of each shift (not notes, nor creation and publication times).
GRID_FIELDS = ("id", "tenant_id", "site_id", "position_id", "membership_id", "start_at", "end_at",
               "break_minutes", "status", "version")  # fmt: skip


def rota_week(
    membership: Membership,
    week_start: dt.date,
    *,
    site_id: uuid.UUID | None = None,
    position_id: uuid.UUID | None = None,
) -> RotaWeek:
    """Everything the rota page shows, in a fixed number of queries: sites, positions,
    settings, members, profiles (3), the week's shifts, and the rules' context."""
    tenant = membership.tenant
    week_start = week_start_of(week_start)
    sites = list(sites_for_member(membership))
    site = next((s for s in sites if s.pk == site_id), None)
    shown_sites = [site] if site else sites
    positions = list(Position.objects.filter(tenant=tenant).order_by("name"))
    position = next((p for p in positions if p.pk == position_id), None)
    settings = scheduling_settings(tenant)
    zones = {s.pk: zoneinfo.ZoneInfo(s.time_zone) for s in sites}
    members = list(
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    profiles = profiles_of(tenant)
    dates = [week_start + dt.timedelta(days=offset) for offset in range(7)]
    window = week_shifts(tenant, week_start, [s.pk for s in shown_sites]).only(*GRID_FIELDS)
    raw = list(window)
    window_start, window_end = week_window(tenant, week_start)
    loaded = Loaded(shifts=raw, site_ids={s.pk for s in shown_sites}, start=window_start,
                    end=window_end)  # fmt: skip
    in_week = [shift for shift in raw if local_date(shift, zones) in dates]
    # "Clear drafts" deletes every draft of the week at the shown sites, whatever the filter.
    drafts_at_sites = sum(1 for shift in in_week if shift.status == Shift.Status.DRAFT)
    shifts = [s for s in in_week if position is None or s.position_id == position.pk]
    shown_site_ids = {s.pk for s in shown_sites}
    rostered = {shift.membership_id for shift in shifts}
    everyone_shown = membership.all_sites and site is None and position is None

    def listed(member: Membership) -> bool:
        if member.pk in rostered or everyone_shown:
            return True
        works_here = bool(profiles.sites.get(member.pk, set()) & shown_site_ids)
        if position is not None:
            return works_here and position.pk in profiles.positions.get(member.pk, set())
        return works_here

    today = today_in(tenant)
    days = [Day(date=date, is_today=date == today) for date in dates]
    rows = {m.pk: Row(membership=m, cells=[Cell(d) for d in dates]) for m in members if listed(m)}
    open_row = Row(membership=None, cells=[Cell(d) for d in dates])
    violations = violations_for(tenant, shifts, settings=settings, profiles=profiles,
                                loaded=loaded)  # fmt: skip
    site_by_id = {s.pk: s for s in sites}
    position_by_id = {p.pk: p for p in positions}
    drafts = published = 0
    for shift in shifts:
        row = rows.get(shift.membership_id) if shift.membership_id else open_row
        if row is None:  # rostered but no longer an active member
            continue
        # Related rows from the lists already loaded: no query per shift.
        shift.site = site_by_id[shift.site_id]
        shift.position = position_by_id[shift.position_id]
        zone = zones[shift.site_id]
        index = dates.index(local_date(shift, zones))
        row.cells[index].cards.append(ShiftCard(
            shift=shift, start=shift.start_at.astimezone(zone), end=shift.end_at.astimezone(zone),
            violations=violations.get(shift.pk, []),
        ))  # fmt: skip
        if shift.status == Shift.Status.DRAFT:
            drafts += 1
        else:
            published += 1
        if shift.membership_id is None:
            continue
        cost = shift_cost(shift, profiles.by_member.get(shift.membership_id))
        row.minutes += shift.paid_minutes
        row.cost += cost
        days[index].minutes += shift.paid_minutes
        days[index].cost += cost
    for member_id, row in rows.items():
        profile = profiles.by_member.get(member_id)
        row.contracted_hours = profile.contracted_hours if profile else None
    return RotaWeek(
        week_start=week_start, days=days, sites=sites, positions=positions, site=site,
        position=position, open_row=open_row, rows=list(rows.values()), violations=violations,
        settings=settings, drafts=drafts, published=published, drafts_at_sites=drafts_at_sites,
    )  # fmt: skip


def my_schedule(membership: Membership, *, days: int = 42) -> dict[str, Any]:
    """The member's own published shifts from today for `days`, each with the colleagues
    working at the same site at the same time, and their paid hours this week and this month.
    Four queries, whatever the number of shifts."""
    tenant = membership.tenant
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    today = today_in(tenant)
    week_start = week_start_of(today)
    month_start = today.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    window_start = local_midnight(min(week_start, month_start), zone)
    last_day = max(today + dt.timedelta(days=days), month_end, week_start + WEEK)
    window_end = local_midnight(last_day, zone)
    mine = list(
        Shift.objects.filter(
            tenant=tenant, membership=membership, status=Shift.Status.PUBLISHED,
            end_at__gt=window_start, start_at__lt=window_end,
        ).select_related("site", "position").order_by("start_at")
    )  # fmt: skip

    def paid_hours(first: dt.date, last: dt.date) -> Decimal:
        start, end = local_midnight(first, zone), local_midnight(last, zone)
        minutes = sum(s.paid_minutes for s in mine if start <= s.start_at < end)
        return Decimal(minutes) / 60

    now = timezone.now()
    horizon = local_midnight(today + dt.timedelta(days=days), zone)
    upcoming = [s for s in mine if s.end_at > now and s.start_at < horizon]
    colleagues: dict[uuid.UUID, list[Shift]] = defaultdict(list)
    if upcoming:
        others = (
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                site_id__in={s.site_id for s in upcoming},
                start_at__lt=max(s.end_at for s in upcoming),
                end_at__gt=min(s.start_at for s in upcoming),
            ).exclude(membership=membership)
            .select_related("membership__user", "position").order_by("start_at")
        )  # fmt: skip
        for other in others:
            for shift in upcoming:
                if (other.site_id == shift.site_id and other.start_at < shift.end_at
                        and shift.start_at < other.end_at):  # fmt: skip
                    colleagues[shift.pk].append(other)
    return {
        "upcoming": [(shift, colleagues.get(shift.pk, [])) for shift in upcoming],
        "hours_week": paid_hours(week_start, week_start + WEEK),
        "hours_month": paid_hours(month_start, month_end),
        "week_start": week_start,
        "month_start": month_start,
        "days": days,
    }


def feed_shifts(membership: Membership) -> list[Shift]:
    """The member's published shifts for their calendar feed: from 90 days ago, a year ahead."""
    now = timezone.now()
    return list(
        Shift.objects.filter(
            tenant=membership.tenant, membership=membership, status=Shift.Status.PUBLISHED,
            start_at__gte=now - dt.timedelta(days=90), start_at__lt=now + dt.timedelta(days=366),
        ).select_related("site", "position").order_by("start_at")
    )  # fmt: skip


def payroll_rows(
    actor: Membership, start: dt.date, end: dt.date, *, with_pay: bool
) -> Iterator[list[str]]:
    """One row per employee and day (in the site's time zone) of published shifts from `start`
    to `end` inclusive, at the sites `actor` schedules: scheduled hours, breaks, paid hours and,
    `with_pay`, rate and cost. Read after the view has returned (the response streams), so in a
    tenant context of its own, a chunk at a time."""
    from audit.exports import safe_cell

    tenant = actor.tenant
    with tenant_context(tenant):
        settings = scheduling_settings(tenant)
        rates: dict[uuid.UUID, Decimal | None] = {}
        if with_pay:
            rates = {
                p.membership_id: p.hourly_rate
                for p in WorkProfile.objects.filter(tenant=tenant).only(
                    "membership_id", "hourly_rate"
                )
            }
        site_ids = list(sites_for_member(actor).values_list("pk", flat=True))
        zone = zoneinfo.ZoneInfo(tenant.time_zone)
        margin = dt.timedelta(days=2)  # site time zones may differ from the company's
        shifts = (
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                site_id__in=site_ids, start_at__gte=local_midnight(start, zone) - margin,
                start_at__lt=local_midnight(end + dt.timedelta(days=1), zone) + margin,
            )
            .select_related("site", "position", "membership__user")
            .order_by("membership_id", "start_at")
        )  # fmt: skip
        group: list[Shift] = []
        key: tuple[uuid.UUID | None, dt.date] | None = None
        for shift in shifts.iterator(chunk_size=2000):
            day = shift.start_at.astimezone(zoneinfo.ZoneInfo(shift.site.time_zone)).date()
            if not start <= day <= end:
                continue
            if key is not None and key != (shift.membership_id, day):
                yield _payroll_row(group, key[1], rates, settings.currency, safe_cell)
                group = []
            key = (shift.membership_id, day)
            group.append(shift)
        if group and key is not None:
            yield _payroll_row(group, key[1], rates, settings.currency, safe_cell)


def _payroll_row(
    shifts: list[Shift],
    day: dt.date,
    rates: dict[uuid.UUID, Decimal | None],
    currency: str,
    safe: Callable[[str], str],
) -> list[str]:
    first = shifts[0]
    assert first.membership is not None  # noqa: S101 (membership__isnull=False above)
    scheduled = sum(int((s.end_at - s.start_at).total_seconds() // 60) for s in shifts)
    breaks = sum(s.break_minutes for s in shifts)
    rate = rates.get(first.membership.pk)
    paid = Decimal(scheduled - breaks) / 60
    cost = "" if rate is None else str((rate * paid).quantize(Decimal("0.01")))
    return [
        str(first.membership.pk),
        safe(first.membership.user.display_name),
        day.isoformat(),
        safe("; ".join(dict.fromkeys(s.site.name for s in shifts))),
        safe("; ".join(dict.fromkeys(s.position.name for s in shifts))),
        str(len(shifts)),
        str((Decimal(scheduled) / 60).quantize(Decimal("0.01"))),
        str(breaks),
        str(paid.quantize(Decimal("0.01"))),
        "" if rate is None else str(rate),
        cost,
        currency,
    ]
