"""The rota page's totals and counts, summed by the database (scheduling/rota/totals.py), equal
what reading every shift gives: a plain Python sum over random weeks (shifts across midnight,
sites in several time zones and across a clock change, breaks, drafts and locked ones, former
members, rates whose pennies tie), and the rota built from every shift (rows=None, which still
reads the whole week) for the page built from its first rows only."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from scheduling.models import Position, RuleBreak, Shift, Site, WorkProfile
from scheduling.rota import selectors
from scheduling.rota.selectors import pay
from scheduling.rota.totals import _CENTS, week_totals
from scheduling.rules.stored import refresh_company
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.builders import Company

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Auckland")
# Pennies that tie at half a penny for some paid minutes (10.01 an hour for 30 minutes is 5.005).
RATES = (None, Decimal("10.01"), Decimal("12.00"), Decimal("9.99"), Decimal("0.03"),
         Decimal("13.37"))  # fmt: skip
# A week with no clock change, and one in which New York's clocks go back (Sunday 1 November).
WEEKS = (dt.date(2026, 11, 23), dt.date(2026, 10, 26))


def test_a_shifts_cost_in_sql_rounds_half_pennies_to_even_as_pay_does() -> None:
    """Every rate in pennies times paid minutes in a range with many ties, and large ones."""
    values = [*range(-400, 4000), 1001 * 30, 1001 * 90, 99_999_999 * 1_000, 7 * 10**12 + 30]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT n, {_CENTS} FROM unnest(%s::bigint[]) AS n", [values])
        found = dict(cursor.fetchall())
    for n in values:
        assert Decimal(found[n]).scaleb(-2) == pay(Decimal(n).scaleb(-2), 1), n
    assert pay(Decimal("10.01"), 30) == Decimal("5.00")  # not PostgreSQL's ROUND: 5.01
    assert Decimal(found[1001 * 30]) == 500


class RandomWeek(Company):
    """Sites in several time zones, three positions, people with random rates (two of whom
    leave), and random shifts around `week`."""

    def __init__(self, seed: int, week: dt.date) -> None:
        super().__init__(f"totals{seed}")
        rng = random.Random(seed)
        self.week = week
        self.sites = [self.new_site(f"Site {zone}", zone) for zone in rng.sample(ZONES, 3)]
        self.positions = [self.new_position(name) for name in ("Carer", "Cook", "Nurse")]
        self.people = [
            self.new_person(
                f"Person {index:02d}",
                sites=rng.sample(self.sites, rng.randint(1, 3)),
                positions=rng.sample(self.positions, rng.randint(1, 3)),
                hourly_rate=rng.choice(RATES),
            )
            for index in range(7)
        ]
        self.people.append(self.new_person("No profile"))
        with tenant_context(self.tenant):
            shifts = [self._random_shift(rng) for _ in range(90)]
            Shift.objects.bulk_create(shifts)
            refresh_company(self.tenant)
            # Two people leave after their shifts were judged: theirs no longer count.
            for person in self.people[:2]:
                Membership.objects.filter(pk=person.pk).update(status=Membership.Status.LEFT)

    def _random_shift(self, rng: random.Random) -> Shift:
        site = rng.choice(self.sites)
        zone = zoneinfo.ZoneInfo(site.time_zone)
        day = self.week + dt.timedelta(days=rng.randint(-2, 8))
        start = dt.datetime.combine(day, dt.time(rng.randrange(24), rng.choice((0, 15, 30, 45))),
                                    tzinfo=zone).astimezone(dt.UTC)  # fmt: skip
        minutes = rng.randrange(60, 14 * 60, 15)
        draft = rng.random() < 0.4
        return Shift(
            tenant=self.tenant, site=site, position=rng.choice(self.positions),
            membership=rng.choice([*self.people, None, None]), start_at=start,
            end_at=start + dt.timedelta(minutes=minutes),
            break_minutes=min(rng.choice((0, 15, 30, 45, 60)), minutes - 15),
            status=Shift.Status.DRAFT if draft else Shift.Status.PUBLISHED,
            locked=draft and rng.random() < 0.3,
        )  # fmt: skip


def _plain_totals(
    company: RandomWeek, sites: list[Site], position: Position | None
) -> dict[str, Any]:
    """The totals as the rota defines them, from every shift as model instances."""
    week = company.week
    minutes, cost = [0] * 7, [Decimal(0)] * 7
    drafts = published = unlocked = 0
    judged: dict[Any, dt.datetime] = {}
    with tenant_context(company.tenant):
        active = set(Membership.objects.filter(status=Membership.Status.ACTIVE)
                     .values_list("pk", flat=True))  # fmt: skip
        rate_of = dict(WorkProfile.objects.values_list("membership_id", "hourly_rate"))
        for shift in Shift.objects.filter(site__in=sites).select_related("site"):
            day = (shift.start_at.astimezone(zoneinfo.ZoneInfo(shift.site.time_zone)).date()
                   - week).days  # fmt: skip
            if not 0 <= day < 7:
                continue
            if shift.status != Shift.Status.PUBLISHED and not shift.locked:
                unlocked += 1
            if position is not None and shift.position_id != position.pk:
                continue
            if shift.membership_id is not None:
                judged[shift.pk] = shift.start_at
                if shift.membership_id not in active:
                    continue
                paid = int((shift.end_at - shift.start_at).total_seconds() // 60)
                paid -= shift.break_minutes
                minutes[day] += paid
                cost[day] += pay(rate_of.get(shift.membership_id), paid)
            if shift.status == Shift.Status.PUBLISHED:
                published += 1
            else:
                drafts += 1
        stored = RuleBreak.objects.filter(shift_id__in=list(judged))
        breaks = list(stored.values_list("hard", "period_end"))
    # A period's minimum hours count once the period ends by the Monday after the week (in the
    # company's time) of the last shift judged.
    settled = None
    if judged:
        last = max(judged.values()).astimezone(zoneinfo.ZoneInfo(company.tenant.time_zone))
        settled = last.date() + dt.timedelta(days=7 - last.weekday())
    counted = [hard for hard, end in breaks
               if end is None or (settled is not None and end <= settled)]  # fmt: skip
    return {
        "minutes": minutes, "cost": [str(c) for c in cost], "drafts": drafts,
        "published": published, "drafts_at_sites": unlocked,
        "breaks": (counted.count(True), counted.count(False)),
    }  # fmt: skip


def _shown(week: selectors.RotaWeek) -> dict[str, Any]:
    return {
        "days": [(day.minutes, str(day.cost)) for day in week.days],
        "counts": (week.drafts, week.published, week.drafts_at_sites, week.people),
        "breaks": (week.hard_violations, week.soft_violations),
        "open": [[card.id for card in cards] for cards in week.open_row.days],
    }


@pytest.mark.parametrize("seed", range(8))
def test_the_databases_totals_equal_reading_every_shift(seed: int) -> None:
    company = RandomWeek(seed, WEEKS[seed % 2])
    choices: list[tuple[Site | None, Position | None]] = [
        (None, None), (company.sites[0], None), (None, company.positions[seed % 3]),
        (company.sites[1], company.positions[0]),
    ]  # fmt: skip
    for site, position in choices:
        sites = [site] if site else company.sites
        with tenant_context(company.tenant):
            totals = week_totals(company.tenant, company.week, {str(s.pk) for s in sites},
                                 str(position.pk) if position else None)  # fmt: skip
            site_id, position_id = (site.pk if site else None), (position.pk if position else None)
            whole = selectors.rota_week(company.admin, company.week, site_id=site_id,
                                        position_id=position_id)  # fmt: skip
            page = selectors.rota_week(company.admin, company.week, site_id=site_id,
                                       position_id=position_id, rows=slice(0, 3))  # fmt: skip
        plain = _plain_totals(company, sites, position)
        assert {
            "minutes": totals.minutes, "cost": [str(c) for c in totals.cost],
            "drafts": totals.drafts, "published": totals.published,
            "drafts_at_sites": totals.drafts_at_sites,
            "breaks": (totals.hard_violations, totals.soft_violations),
        } == plain, (seed, site, position)  # fmt: skip
        assert _shown(page) == _shown(whole), (seed, site, position)
        assert [(row.name, row.minutes, str(row.cost), row.days) for row in page.rows] == [
            (row.name, row.minutes, str(row.cost), row.days) for row in whole.rows[:3]
        ]
        assert page.violations.keys() <= whole.violations.keys()
