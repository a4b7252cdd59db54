"""The demo's rotas: positions, work profiles, last week's, this week's and next week's shifts
(a busy week with a few rule breaks to see, and drafts at one site to publish). Loaded again on a
later day, the weeks that have come since are added, so the demo stays relative to today."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from decimal import Decimal

from scheduling.models import Position, SchedulingSettings, Shift, Site
from scheduling.setup.services import work_profile_save
from scheduling.time import local_midnight, today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind

# (start hour, length in hours, break minutes, days worked a week): early, late, long day, night.
# Each keeps within the UK rules on its own; the breaks to see are added on purpose below.
PATTERNS = [(7, 8, 30, 6), (14, 8, 30, 6), (8, 12, 60, 4), (21, 10, 30, 4)]
# The demo employee (employee@) works part time, days, so that open shifts fit their week.
PART_TIME = (9, 8, 30, 3)


def _is_demo_employee(member: Membership) -> bool:
    return member.user.email.startswith(f"{RoleKind.EMPLOYEE.value}@")


def _has_shifts(tenant: Tenant, week: dt.date, zone: zoneinfo.ZoneInfo) -> bool:
    start = local_midnight(week, zone)
    with tenant_context(tenant):
        return Shift.objects.filter(start_at__gte=start,
                                    start_at__lt=start + dt.timedelta(days=7)).exists()  # fmt: skip


def seed_schedule(tenant: Tenant, positions: list[tuple[str, str]]) -> int:
    """Returns how many shifts were written: the three weeks around today that have none (all
    three, profiles and the rule breaks to see the first time)."""
    with tenant_context(tenant):
        first_time = not Shift.objects.exists()
        owner = Membership.objects.get(role__kind=RoleKind.OWNER)
        SchedulingSettings.objects.get_or_create(tenant=tenant)
        made = [
            Position.objects.get_or_create(name=name, defaults={"colour": colour})[0]
            for name, colour in positions
        ]
        sites = list(Site.objects.order_by("name"))
        workers = list(
            Membership.objects.select_related("user", "role")
            .exclude(role__kind__in=[RoleKind.OWNER, RoleKind.AUDITOR, RoleKind.ADMIN])
            .order_by("user__email")
        )
    rng = random.Random(tenant.slug)  # noqa: S311 (demo data, not security)
    home: dict[int, tuple[Site, Position]] = {}
    for index, member in enumerate(workers):
        site = sites[index % len(sites)]
        position = made[index % len(made)]
        extra = [made[(index + 1) % len(made)]] if index % 3 == 0 else []
        hours = rng.choice([24, 30, 37.5, 40])
        rate = Decimal(rng.choice(["11.44", "12.10", "13.50", "16.80"]))
        if first_time:
            work_profile_save(
                tenant=tenant, actor=owner, membership=member, positions=[position, *extra],
                sites=[site], contracted_hours=Decimal(24 if _is_demo_employee(member) else hours),
                hourly_rate=rate, max_hours_7_days=None, min_rest_hours=None,
            )  # fmt: skip
        home[index] = (site, position)
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    this_week = week_start_of(today_in(tenant))
    # Drafts at one site, not the demo employee's: their shifts are all published.
    their_site = next((home[i][0] for i, m in enumerate(workers) if _is_demo_employee(m)), None)
    draft_site = next((site for site in sites if site != their_site), None)
    if len(sites) < 2:
        draft_site = None
    shifts: list[Shift] = []
    weeks = [(this_week - dt.timedelta(days=7), "published"), (this_week, "mixed"),
             (this_week + dt.timedelta(days=7), "mixed")]  # fmt: skip
    for week, status in weeks:
        if not first_time and _has_shifts(tenant, week, zone):
            continue
        for index, member in enumerate(workers):
            site, position = home[index]
            pattern = PART_TIME if _is_demo_employee(member) else PATTERNS[index % len(PATTERNS)]
            start_hour, length, breaks, days = pattern
            # The same days every week, so that no 7 days in a row exceed the rules.
            working = {(index + step * 7 // days) % 7 for step in range(days)}
            for offset in range(7):
                if offset not in working:
                    continue
                day = week + dt.timedelta(days=offset)
                start = local_midnight(day, zone) + dt.timedelta(hours=start_hour)
                draft = status == "mixed" and site == draft_site
                shifts.append(Shift(
                    tenant=tenant, site=site, position=position, membership=member,
                    start_at=start, end_at=start + dt.timedelta(hours=length),
                    break_minutes=breaks,
                    status=Shift.Status.DRAFT if draft else Shift.Status.PUBLISHED,
                ))  # fmt: skip
    # Rule breaks to see this week: a late then an early (short rest) and a second shift
    # overlapping the first, both for the first worker at the draft site; and an open shift.
    if first_time and draft_site is not None:
        broken = next(m for i, m in enumerate(workers) if home[i][0] == draft_site)
        _site, position = home[workers.index(broken)]
        monday = local_midnight(this_week, zone)
        shifts += [
            Shift(tenant=tenant, site=draft_site, position=made[-1], membership=broken,
                  start_at=monday + dt.timedelta(days=2, hours=22),
                  end_at=monday + dt.timedelta(days=3, hours=6)),
            Shift(tenant=tenant, site=draft_site, position=position, membership=broken,
                  start_at=monday + dt.timedelta(days=3, hours=5),
                  end_at=monday + dt.timedelta(days=3, hours=13), break_minutes=30),
        ]  # fmt: skip
    for offset in (4, 5) if first_time else ():
        start = local_midnight(this_week + dt.timedelta(days=offset), zone) + dt.timedelta(hours=7)
        shifts.append(Shift(
            tenant=tenant, site=sites[0], position=made[0], start_at=start,
            end_at=start + dt.timedelta(hours=8), break_minutes=30,
            status=Shift.Status.PUBLISHED,
        ))  # fmt: skip
    with tenant_context(tenant):
        for shift in shifts:
            shift.save()  # one by one, so that each is in the audit log like a manager's
    return len(shifts)
