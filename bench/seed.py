"""Seed the benchmark database: the measured tenants "bench" (300 employees, 2,000 shifts in the
week), "bench50" (50 employees, about 330 shifts) and "bench1000" (1,000 employees, about 6,670
shifts), among 1,000 other tenants with data.

Rows are built in Python and written with COPY in one transaction, as the PostgreSQL superuser
(which row-level security does not bind), so that 1,000 tenants take seconds rather than the
ORM's minutes. Every NOT NULL column is given and every composite key (tenant_id, x_id) points
at a row of the same tenant; the deferred foreign keys are checked at commit.

    python -m bench.seed --admin-url postgresql://postgres@127.0.0.1:5432/parim_bench \
        --week 2026-11-16 --out var/bench/seed.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import sys
import time
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import django
import psycopg

TIME_ZONE = "Europe/London"
ZONE = zoneinfo.ZoneInfo(TIME_ZONE)
OTHER_TENANTS = 1000
OTHER_TENANT_SHIFTS = 20

# Table -> columns, in insertion order (parents first, though the keys are deferred anyway).
COLUMNS: dict[str, tuple[str, ...]] = {
    "tenancy_tenant": (
        "id", "name", "slug", "time_zone", "status", "created_at", "trial_ends_at",
        "billing_customer_id", "grace_ends_at", "has_dpo",
    ),
    "accounts_user": (
        "id", "password", "last_login", "email", "full_name", "is_active", "date_joined",
        "session_generation", "is_superuser",
    ),
    "tenancy_role": ("id", "tenant_id", "name", "kind", "permissions", "requires_two_factor"),
    "tenancy_securitypolicy": (
        "id", "tenant_id", "two_factor", "min_password_length", "updated_at",
    ),
    "tenancy_privacysettings": (
        "id", "tenant_id", "dpo_name", "dpo_email", "dpo_phone", "updated_at",
    ),
    "tenancy_membership": (
        "id", "tenant_id", "user_id", "role_id", "status", "all_sites", "created_at",
    ),
    "scheduling_site": ("id", "tenant_id", "name", "address", "time_zone"),
    "scheduling_position": ("id", "tenant_id", "name", "colour"),
    "scheduling_schedulingsettings": (
        "id", "tenant_id", "min_rest_hours", "max_hours_7_days", "min_weekly_rest_hours",
        "rest_is_hard", "max_hours_is_hard", "weekly_rest_is_hard", "qualification_is_hard",
        "currency", "updated_at",
    ),
    "scheduling_workprofile": (
        "id", "tenant_id", "membership_id", "contracted_hours", "hourly_rate",
        "max_hours_7_days", "min_rest_hours", "calendar_token_hash", "updated_at",
    ),
    "scheduling_workprofileposition": ("id", "tenant_id", "profile_id", "position_id"),
    "scheduling_workprofilesite": ("id", "tenant_id", "profile_id", "site_id"),
    "scheduling_shift": (
        "id", "tenant_id", "site_id", "position_id", "membership_id", "start_at", "end_at",
        "break_minutes", "notes", "status", "version", "published_at", "created_at",
    ),
}  # fmt: skip

FIRST_NAMES = (
    "Amara", "Ben", "Chloe", "Dev", "Ella", "Farah", "George", "Hana", "Isaac", "Jade", "Kofi",
    "Lena", "Mohammed", "Nia", "Oliver", "Priya", "Quinn", "Rosa", "Sam", "Tomasz", "Uma",
    "Victor", "Wen", "Xavier", "Yusuf", "Zara", "Aisha", "Bartek", "Carys", "Declan", "Esther",
    "Finn", "Grace", "Harvey", "Ines", "Jamal", "Kasia", "Liam", "Maya", "Noah",
)  # fmt: skip
LAST_NAMES = (
    "Adams", "Begum", "Campbell", "Davies", "Evans", "Fernandes", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Morgan", "Nowak", "Okafor", "Patel", "Quigley", "Roberts",
    "Smith", "Thomas", "Usman", "Vaughan", "Walker", "Xu", "Young", "Zielinski", "Ahmed",
    "Baker", "Clarke", "Doyle",
)  # fmt: skip

BENCH_SITES = ("Rosewood", "Maple House", "Oakfield")
BENCH_POSITIONS = (
    ("Carer", "teal"), ("Senior carer", "blue"), ("Nurse", "purple"), ("Cook", "amber"),
    ("Cleaner", "slate"),
)  # fmt: skip
OTHER_POSITIONS = (("Carer", "teal"), ("Team leader", "indigo"), ("Porter", "orange"))


@dataclass(frozen=True)
class Pattern:
    """A kind of shift: local start time, elapsed hours and unpaid break."""

    start: dt.time
    hours: float
    break_minutes: int


PATTERNS: dict[str, Pattern] = {
    "early": Pattern(dt.time(7), 8, 30),
    "late": Pattern(dt.time(14), 8, 30),
    "day": Pattern(dt.time(9), 8.5, 30),
    "night": Pattern(dt.time(21, 30), 10, 45),  # ends the next morning
    "short": Pattern(dt.time(10), 4, 0),
}
# A person's usual pattern; "mixed" people change pattern from day to day, which is how rest
# between shifts gets broken (a late then an early).
PERSON_PATTERNS = {"early": 30, "late": 25, "day": 25, "night": 10, "short": 5, "mixed": 5}
# Shifts a person has in the week: most 5 to 7.
SHIFTS_PER_PERSON = {7: 20, 6: 40, 5: 25, 4: 10, 3: 5}
DRAFT_SHARE = 0.4
UNQUALIFIED_SHARE = 0.02  # shifts in a position the person's profile does not list


@dataclass(frozen=True)
class Shape:
    """One tenant to build."""

    slug: str
    name: str
    employees: int
    shifts: int
    sites: Sequence[str]
    positions: Sequence[tuple[str, str]]
    staff: Sequence[str]  # built-in role kinds of the people who are not employees


@dataclass
class Person:
    membership_id: uuid.UUID
    positions: list[uuid.UUID]
    sites: list[uuid.UUID]
    pattern: str


@dataclass
class Rows:
    """Rows per table, in COPY column order."""

    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {table: [] for table in COLUMNS}
    )

    def add(self, table: str, *values: Any) -> None:
        if len(values) != len(COLUMNS[table]):
            raise ValueError(f"{table}: {len(values)} values for {len(COLUMNS[table])} columns")
        self.tables[table].append(values)

    def count(self) -> int:
        return sum(len(rows) for rows in self.tables.values())


class Progress:
    """A line per step, with the seconds since the start."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"  [{time.perf_counter() - self.started:7.1f} s] {message}", flush=True)


def weighted(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def local(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=ZONE).astimezone(dt.UTC)


class Builder:
    def __init__(self, rng: random.Random, week_start: dt.date, now: dt.datetime) -> None:
        from tenancy.permissions import BUILTIN_ROLES

        self.rng = rng
        self.week_start = week_start
        self.now = now
        self.rows = Rows()
        self.roles = {
            kind: (str(kind.label), sorted(perms)) for kind, perms in BUILTIN_ROLES.items()
        }

    def user(self, email: str, full_name: str) -> uuid.UUID:
        user_id = uuid.uuid4()  # accounts.User's own default
        # An unusable password (Django's "!" prefix): the benchmark signs in with force_login.
        password = "!" + secrets.token_urlsafe(30)
        joined = self.now - dt.timedelta(days=self.rng.randint(30, 900))
        self.rows.add("accounts_user", user_id, password, None, email, full_name, True, joined,
                      0, False)  # fmt: skip
        return user_id

    def name(self) -> str:
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def tenant(self, shape: Shape) -> dict[str, Any]:
        from tenancy.ids import uuid7
        from tenancy.permissions import RoleKind

        rng, now = self.rng, self.now
        tenant_id = uuid7()
        created = now - dt.timedelta(days=rng.randint(60, 700))
        self.rows.add("tenancy_tenant", tenant_id, shape.name, shape.slug, TIME_ZONE, "active",
                      created, None, None, None, True)  # fmt: skip
        role_ids: dict[str, uuid.UUID] = {}
        for role_kind, (label, permissions) in self.roles.items():
            role_ids[str(role_kind)] = role_id = uuid7()
            self.rows.add("tenancy_role", role_id, tenant_id, label, str(role_kind),
                          json.dumps(permissions), False)  # fmt: skip
        self.rows.add("tenancy_securitypolicy", uuid7(), tenant_id, "off", 12, created)
        self.rows.add("tenancy_privacysettings", uuid7(), tenant_id, "Dana Protector",
                      f"dpo@{shape.slug}.test", "+44 20 7946 0000", created)  # fmt: skip
        self.rows.add("scheduling_schedulingsettings", uuid7(), tenant_id, Decimal(11),
                      Decimal(48), Decimal(24), True, True, True, True, "GBP", created)  # fmt: skip
        sites = [uuid7() for _ in shape.sites]
        for site_id, site_name in zip(sites, shape.sites, strict=True):
            self.rows.add("scheduling_site", site_id, tenant_id, site_name,
                          f"{rng.randint(1, 200)} High Street", TIME_ZONE)  # fmt: skip
        positions = [uuid7() for _ in shape.positions]
        for position_id, (position_name, colour) in zip(positions, shape.positions, strict=True):
            self.rows.add("scheduling_position", position_id, tenant_id, position_name, colour)

        staff: dict[str, uuid.UUID] = {}
        people: list[Person] = []
        for index in range(len(shape.staff) + shape.employees):
            is_staff = index < len(shape.staff)
            kind = shape.staff[index] if is_staff else str(RoleKind.EMPLOYEE)
            email = (
                f"{kind}@{shape.slug}.test"
                if is_staff
                else f"employee{index - len(shape.staff):04d}@{shape.slug}.test"
            )
            user_id = self.user(email, self.name())
            membership_id = uuid7()
            joined = created + dt.timedelta(days=rng.randint(0, 30))
            self.rows.add("tenancy_membership", membership_id, tenant_id, user_id,
                          role_ids[kind], "active", True, joined)  # fmt: skip
            if is_staff:
                staff[kind] = membership_id
                if kind != str(RoleKind.MANAGER):
                    continue  # owners and admins do not work shifts; managers sometimes do
            person = Person(
                membership_id=membership_id,
                positions=rng.sample(positions, k=min(len(positions), 1 + (rng.random() < 0.3))),
                sites=rng.sample(sites, k=min(len(sites), 1 + (rng.random() < 0.25))),
                pattern=weighted(rng, PERSON_PATTERNS),
            )
            self.profile(tenant_id, person)
            people.append(person)
        shifts = self.shifts(tenant_id, people, sites, positions, shape.shifts)
        return {
            "slug": shape.slug,
            "tenant_id": str(tenant_id),
            "members": len(shape.staff) + shape.employees,
            "employees": shape.employees,
            "admin_email": f"{RoleKind.ADMIN}@{shape.slug}.test"
            if str(RoleKind.ADMIN) in staff
            else None,
            **shifts,
        }

    def profile(self, tenant_id: uuid.UUID, person: Person) -> None:
        from tenancy.ids import uuid7

        rng = self.rng
        profile_id = uuid7()
        contracted = rng.choice([None, Decimal(16), Decimal(24), Decimal(30), Decimal("37.5"),
                                 Decimal(40)])  # fmt: skip
        rate = Decimal(rng.randint(1144, 1900)) / 100
        personal_max = Decimal(40) if rng.random() < 0.03 else None  # a young worker
        self.rows.add("scheduling_workprofile", profile_id, tenant_id, person.membership_id,
                      contracted, rate, personal_max, None, "", self.now)  # fmt: skip
        for position_id in person.positions:
            self.rows.add("scheduling_workprofileposition", uuid7(), tenant_id, profile_id,
                          position_id)  # fmt: skip
        for site_id in person.sites:
            self.rows.add("scheduling_workprofilesite", uuid7(), tenant_id, profile_id, site_id)

    def shifts(
        self,
        tenant_id: uuid.UUID,
        people: list[Person],
        sites: list[uuid.UUID],
        positions: list[uuid.UUID],
        total: int,
    ) -> dict[str, int]:
        """`total` shifts in the week: each person's 3 to 7 (most 5 to 7), the rest open."""
        rng = self.rng
        counts = {p.membership_id: int(weighted(rng, SHIFTS_PER_PERSON)) for p in people}
        min_open = max(1, total // 20)
        while people and sum(counts.values()) > total - min_open:
            person = rng.choice(people)
            counts[person.membership_id] = max(1, counts[person.membership_id] - 1)
        tally: Counter[str] = Counter()
        for person in people:
            for day in sorted(rng.sample(range(7), counts[person.membership_id])):
                pattern = person.pattern
                if pattern == "mixed":
                    pattern = rng.choice(["early", "late", "day", "night"])
                position = rng.choice(person.positions)
                if rng.random() < UNQUALIFIED_SHARE:
                    position = rng.choice(positions)
                self.shift(tenant_id, person.membership_id, rng.choice(person.sites), position,
                           day, pattern, tally)  # fmt: skip
        for _ in range(total - sum(counts.values())):
            pattern = rng.choice(["early", "late", "day", "night", "short"])
            self.shift(tenant_id, None, rng.choice(sites), rng.choice(positions),
                       rng.randrange(7), pattern, tally)  # fmt: skip
        return dict(tally)

    def shift(
        self,
        tenant_id: uuid.UUID,
        membership_id: uuid.UUID | None,
        site_id: uuid.UUID,
        position_id: uuid.UUID,
        day_offset: int,
        pattern_name: str,
        tally: Counter[str],
    ) -> None:
        from tenancy.ids import uuid7

        rng = self.rng
        pattern = PATTERNS[pattern_name]
        day = self.week_start + dt.timedelta(days=day_offset)
        start = local(day, pattern.start)
        end = start + dt.timedelta(hours=pattern.hours)
        draft = rng.random() < DRAFT_SHARE
        status = "draft" if draft else "published"
        published_at = None if draft else self.now - dt.timedelta(days=rng.randint(3, 9))
        notes = "Handover at the start" if rng.random() < 0.05 else ""
        created = self.now - dt.timedelta(days=rng.randint(10, 20))
        self.rows.add("scheduling_shift", uuid7(), tenant_id, site_id, position_id,
                      membership_id, start, end, pattern.break_minutes, notes, status,
                      1 if draft else 2, published_at, created)  # fmt: skip
        tally["shifts"] += 1
        tally["open_shifts" if membership_id is None else "assigned_shifts"] += 1
        tally[f"{status}_shifts"] += 1


def shapes() -> list[Shape]:
    from tenancy.permissions import RoleKind

    staff = [str(RoleKind.OWNER), str(RoleKind.ADMIN), str(RoleKind.MANAGER)]
    bench = [
        Shape("bench", "Bench Care Group", 300, 2000, BENCH_SITES, BENCH_POSITIONS, staff),
        # The same shape at 50 employees: 2,000 * 50 / 300 shifts.
        Shape("bench50", "Bench Fifty Care", 50, 333, BENCH_SITES, BENCH_POSITIONS, staff),
        # And at 1,000 employees, for the growth table: 2,000 * 1,000 / 300 shifts.
        Shape("bench1000", "Bench Thousand Care", 1000, 6667, BENCH_SITES, BENCH_POSITIONS, staff),
    ]
    others = [
        Shape(
            f"company-{number:04d}",
            f"Company {number:04d} Ltd",
            3,
            OTHER_TENANT_SHIFTS,
            (f"Site {number:04d}",),
            OTHER_POSITIONS,
            [str(RoleKind.OWNER), str(RoleKind.MANAGER)],
        )
        for number in range(1, OTHER_TENANTS + 1)
    ]
    return bench + others


def model_defaults(table: str, now: dt.datetime) -> dict[str, Any]:
    """The columns of `table`'s model that the seed does not set, with the value the ORM would
    give them (the field's default; now for auto_now), so that a field added to a model later
    does not break the seed. A NOT NULL field without a default stops it, naming the field."""
    from django.apps import apps
    from django.db import models

    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    fields = {f.column: f for f in model._meta.concrete_fields if f.column is not None}
    unknown = set(COLUMNS[table]) - set(fields)
    if unknown:
        raise SystemExit(f"bench.seed: {table} has no column {', '.join(sorted(unknown))}")
    extra: dict[str, Any] = {}
    for column, model_field in fields.items():
        if column in COLUMNS[table]:
            continue
        if model_field.has_default():
            value = model_field.get_default()
        elif getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            value = now
        elif model_field.null:
            value = None
        else:
            raise SystemExit(f"bench.seed: give {table}.{column} a value (NOT NULL, no default)")
        extra[column] = json.dumps(value) if isinstance(model_field, models.JSONField) else value
    return extra


def count_rows(connection: psycopg.Connection[Any], table: str) -> int:
    row = connection.execute(f"SELECT count(*) FROM {table}").fetchone()  # noqa: S608 (ours)
    return int(row[0]) if row else 0


def seed(admin_url: str, week_start: dt.date, out: Path) -> dict[str, Any]:
    say = Progress()
    # Not for secrets: the same data every run (relative to the week).
    rng = random.Random(20_261_116)  # noqa: S311
    now = dt.datetime.now(dt.UTC)
    builder = Builder(rng, week_start, now)
    all_shapes = shapes()
    say(f"building rows for {len(all_shapes)} tenants (week of {week_start.isoformat()})")
    measured: list[dict[str, Any]] = []
    for index, shape in enumerate(all_shapes):
        summary = builder.tenant(shape)
        if summary["admin_email"]:
            measured.append(summary)
        if index in {1, 250, 500, 750} or index == len(all_shapes) - 1:
            say(f"  {index + 1} tenants built, {builder.rows.count():,} rows")
    for summary in measured:
        say(
            f"  {summary['slug']}: {summary['members']} members ({summary['employees']} "
            f"employees), {summary['shifts']} shifts ({summary['open_shifts']} open, "
            f"{summary['draft_shifts']} drafts)"
        )
    with psycopg.connect(admin_url) as connection:
        row = connection.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        if not (row and row[0]):
            raise SystemExit("bench.seed needs a superuser connection (RLS must not bind it).")
        with connection.cursor() as cursor:
            for table, columns in COLUMNS.items():
                extra = model_defaults(table, now)
                rows = builder.rows.tables[table]
                started = time.perf_counter()
                names = ", ".join([*columns, *extra])
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for values in rows:
                        copy.write_row((*values, *extra.values()))
                defaults = f" (model defaults for {', '.join(extra)})" if extra else ""
                say(
                    f"COPY {table}: {len(rows):,} rows in {time.perf_counter() - started:.2f} s"
                    f"{defaults}"
                )
    say("committed (the deferred foreign keys were checked at commit)")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        say("VACUUM ANALYZE")
        counts = {table: count_rows(connection, table) for table in COLUMNS}
    result = {
        "week_start": week_start.isoformat(),
        "tenants": counts["tenancy_tenant"],
        "counts": counts,
        "measured": measured,
        "seconds": round(time.perf_counter() - say.started, 1),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    say(f"seeded {sum(counts.values()):,} rows in {result['seconds']} s")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-url", required=True, help="a superuser connection to the DB")
    parser.add_argument("--week", required=True, type=dt.date.fromisoformat, help="a Monday")
    parser.add_argument("--out", required=True, type=Path, help="where to write the summary")
    args = parser.parse_args(argv)
    django.setup()  # the built-in roles' labels are translated strings
    seed(args.admin_url, args.week, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
