"""`make bench-schedule`, second part: the product's auto-build on a 300-employee site-week.

Creates a throwaway PostgreSQL database (dropped first; `manage.py db_bootstrap` and `migrate`, as
`make bench` does), seeds one company through the project's own services: one care home with
300 employees (carers, nurses, cooks, cleaners; contracts of 16 to 37.5 hours, hourly rates),
a coverage plan of early, late and night shifts every day, last week's published shifts (for
continuity) and some shift wishes; then reads the auto-build's input (planning.demand) and solves
it with the product's model (planning.product.solver) with a 30 s limit and 2 workers, and writes
docs/benchmarks-product-week.md: model build time, solve time, slots filled of those demanded,
the gap reasons as the preview shows them, the machine and its load.

    python -m bench.product_week [--seconds 30] [--workers 2] [--people 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sys
import time
import zoneinfo
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

from bench.nrp_run import _cpu, _load
from bench.run import ADMIN_URL, APP_ROLE, OWNER_ROLE, database_url, django_env, run

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
REPORT = ROOT / "docs" / "benchmarks-product-week.md"
DATABASE = os.environ.get("BENCH_PRODUCT_DATABASE", "parim_bench_product")
ZONE = "Europe/London"

# The plan: (position, start, end, break minutes, people on weekdays, on Saturday and Sunday).
PLAN = [
    ("Carer", "07:00", "15:00", 30, 48, 40), ("Carer", "15:00", "23:00", 30, 44, 38),
    ("Carer", "23:00", "07:00", 30, 24, 22), ("Nurse", "07:00", "19:00", 60, 8, 7),
    ("Nurse", "19:00", "07:00", 60, 6, 6), ("Cook", "06:00", "14:00", 30, 5, 4),
    ("Cook", "12:00", "20:00", 30, 5, 4), ("Cleaner", "08:00", "16:00", 30, 12, 6),
]  # fmt: skip
# Of 300 people: how many hold each position (a few carers are also cooks or cleaners).
STAFF = [("Carer", 200), ("Nurse", 40), ("Cook", 20), ("Cleaner", 40)]
CONTRACTS = [Decimal("37.5")] * 6 + [Decimal(30)] * 2 + [Decimal(24), Decimal(16)]


def _say(message: str, started: float = time.perf_counter()) -> None:
    print(f"[{time.perf_counter() - started:6.1f} s] {message}", flush=True)


def prepare_database() -> None:
    _say(f"database {DATABASE}: drop, create with its roles, migrate")
    VAR.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    owner = database_url(OWNER_ROLE, DATABASE)
    run(
        [sys.executable, "manage.py", "db_bootstrap", "--owner-can-create-databases",
         "--database", DATABASE, "--owner", OWNER_ROLE, "--app", APP_ROLE,
         "--admin-url", ADMIN_URL],
        django_env(owner), VAR / "product_db_bootstrap.log",
    )  # fmt: skip
    run([sys.executable, "manage.py", "migrate", "--noinput"], django_env(owner),
        VAR / "product_migrate.log")  # fmt: skip


def seed(people: int, monday: dt.date) -> Any:
    """The company, its site, positions, people with profiles, plan, last week and wishes.
    Returns (tenant, site)."""
    from accounts.services import user_create
    from planning.models import CoverageRow
    from scheduling.models import (
        Position,
        Shift,
        ShiftWish,
        Site,
        WishKind,
        WorkProfile,
        WorkProfilePosition,
        WorkProfileSite,
    )
    from scheduling.time import wall_time_utc
    from tenancy.context import tenant_context
    from tenancy.models import Membership
    from tenancy.permissions import RoleKind
    from tenancy.services import builtin_role, membership_create, tenant_create

    rng = random.Random(22)  # noqa: S311 (a repeatable benchmark, not a secret)
    tenant = tenant_create(name="Bench Care Homes", slug="productweek", time_zone=ZONE)
    role = builtin_role(tenant=tenant, kind=RoleKind.EMPLOYEE)
    with tenant_context(tenant):
        site = Site.objects.create(name="Rosewood House", address="1 Bench Road", time_zone=ZONE)
        positions = {name: Position.objects.create(name=name) for name, _count in STAFF}
    members: list[tuple[Membership, str]] = []
    kinds = [name for name, count in STAFF for _ in range(count)]
    scale = people / len(kinds)
    kinds = [kinds[int(n / scale)] for n in range(people)]
    for number, kind in enumerate(kinds):
        user = user_create(email=f"p{number:04d}@bench.test", password=None,
                           full_name=f"Person {number:04d}")  # fmt: skip
        members.append((membership_create(tenant=tenant, user=user, role=role), kind))
    _say(f"{people} people")
    zone = zoneinfo.ZoneInfo(ZONE)
    with tenant_context(tenant):
        profiles = WorkProfile.objects.bulk_create([
            WorkProfile(tenant=tenant, membership=m, contracted_hours=rng.choice(CONTRACTS),
                        hourly_rate=Decimal(rng.randrange(1150, 1900)) / 100)
            for m, _kind in members
        ])  # fmt: skip
        links, sites = [], []
        for profile, (_m, kind) in zip(profiles, members, strict=True):
            held = {kind}
            if kind == "Carer" and rng.random() < 0.1:
                held.add(rng.choice(["Cook", "Cleaner"]))
            links += [WorkProfilePosition(tenant=tenant, profile=profile, position=positions[h])
                      for h in sorted(held)]  # fmt: skip
            sites.append(WorkProfileSite(tenant=tenant, profile=profile, site=site))
        WorkProfilePosition.objects.bulk_create(links)
        WorkProfileSite.objects.bulk_create(sites)
        rows = []
        for name, start, end, breaks, weekday, weekend in PLAN:
            counts = dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), weekday)
            rows.append(CoverageRow(
                tenant=tenant, site=site, position=positions[name], break_minutes=breaks,
                start_time=dt.time.fromisoformat(start), end_time=dt.time.fromisoformat(end),
                sat=weekend, sun=weekend, **counts,
            ))  # fmt: skip
        CoverageRow.objects.bulk_create(rows)
        # Last week, Monday to Friday: each person's position's first plan row, on three days.
        last = monday - dt.timedelta(days=7)
        shifts = []
        for index, (m, kind) in enumerate(members):
            name, start, end, breaks, *_counts = next(r for r in PLAN if r[0] == kind)
            for offset in (index % 3, index % 3 + 2):
                day = last + dt.timedelta(days=offset)
                begin = wall_time_utc(day, dt.time.fromisoformat(start), zone)
                finish_day = day if end > start else day + dt.timedelta(days=1)
                finish = wall_time_utc(finish_day, dt.time.fromisoformat(end), zone)
                if begin is None or finish is None:
                    continue  # a time the clocks skip
                shifts.append(Shift(
                    tenant=tenant, site=site, position=positions[kind], membership=m,
                    start_at=begin, end_at=finish, break_minutes=breaks,
                    status=Shift.Status.PUBLISHED,
                ))  # fmt: skip
        Shift.objects.bulk_create(shifts)
        wishes = [
            ShiftWish(tenant=tenant, membership=m,
                      date=monday + dt.timedelta(days=rng.randrange(7)),
                      kind=rng.choice([WishKind.WORK, WishKind.OFF]),
                      strength=rng.randint(1, 3))
            for m, _kind in rng.sample(members, people // 5)
        ]  # fmt: skip
        ShiftWish.objects.bulk_create(wishes, ignore_conflicts=True)
    _say(f"plan of {len(rows)} rows, {len(shifts)} shifts last week, {len(wishes)} wishes")
    return tenant, site


def measure(people: int, seconds: int, workers: int) -> dict[str, Any]:
    import django

    os.environ.update(django_env(database_url(APP_ROLE, DATABASE)))
    django.setup()
    from planning import runs
    from planning.demand import Horizon, build_input
    from planning.product.solver import build
    from tenancy.context import tenant_context

    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    tenant, site = seed(people, monday)
    began = time.perf_counter()
    with tenant_context(tenant):
        inp = build_input(tenant, Horizon(site, monday, 1), fill_open=True)
    read_seconds = time.perf_counter() - began
    _say(f"input read in {read_seconds:.2f} s; solving for up to {seconds} s")
    proposal = build(inp, time_limit=seconds, workers=workers)
    result = runs.result_of(inp, proposal)
    reasons: Counter[str] = Counter()
    for gap in result["gaps"]:
        reasons[gap["reason"]] += gap["missing"]
    _say(f"{proposal.status}: {result['coverage']}")
    return {
        "people": people, "seconds": seconds, "workers": workers, "week": monday.isoformat(),
        "read_seconds": read_seconds, "model_seconds": proposal.model_seconds,
        "solve_seconds": proposal.seconds - proposal.model_seconds,
        "total_seconds": proposal.seconds, "status": proposal.status,
        "solutions": proposal.solutions, "coverage": result["coverage"],
        "gaps": result["gaps"], "reasons": reasons.most_common(),
        "terms": result["terms"], "groups": len(inp.groups),
        "dropped": sum(len(v) for v in proposal.dropped.values()),
        "load": _load(),
    }  # fmt: skip


def report(data: dict[str, Any], cpu: str, load_before: str) -> str:
    cov = data["coverage"]
    filled = cov["proposed"]
    lines = [
        "# Benchmark: the product's auto-build on a 300-employee site-week",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench-schedule` "
        "(`python -m bench.product_week`).",
        "",
        f"Machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Load average (1 / 5 / 15 min) before: {load_before}; after: {data['load']}.",
        "",
        f"A care home with {data['people']} employees (carers, nurses, cooks, cleaners; "
        "contracts of 16 to 37.5 hours; hourly rates), a coverage plan of "
        f"{len(PLAN)} rows (early, late and night shifts, fewer at weekends), last week's "
        "published shifts, and shift wishes from a fifth of the people; built for the week "
        f"of {data['week']} with a time limit of {data['seconds']} s and {data['workers']} "
        "workers, with the default weights.",
        "",
        "| measure | value |",
        "| --- | --- |",
        f"| input read from the database (planning.demand) | {data['read_seconds']:.2f} s |",
        "| model built (probes by the rules engine, constraints) | "
        f"{data['model_seconds']:.2f} s |",
        f"| solve (CP-SAT, to the limit or optimal) | {data['solve_seconds']:.2f} s |",
        f"| whole build (model and solve) | {data['total_seconds']:.2f} s |",
        f"| solver status, solutions found | {data['status']}, {data['solutions']} |",
        f"| groups of identical slots | {data['groups']} |",
        f"| slots filled / demanded | {filled:,} / {cov['needed']:,} "
        f"({100 * filled / max(cov['needed'], 1):.1f}%) |",
        f"| proposals the engine's check dropped after solving | {data['dropped']} |",
        "",
        "Target (DESIGN.md section 8): a 300-employee site-week in under 30 s. The build's time "
        "limit covers the model and the solve, and the solver stops at it with its best "
        f"proposal ({data['total_seconds']:.1f} s for model and solve, "
        f"{data['read_seconds'] + data['total_seconds']:.1f} s with reading the input; counted as "
        "met within a second of the limit, the process's own overhead): "
        + (
            "**met**"
            if data["read_seconds"] + data["total_seconds"] <= data["seconds"] + 1
            else "**not met**"
        )
        + f". Status {data['status']}: "
        + (
            "proven optimal."
            if data["status"] == "optimal"
            else "not proven optimal at the limit; gaps that name people "
            '"free, but not placed within the time limit" are slots a longer limit could fill.'
        )
        + "",
        "",
        "## Gaps, as the preview shows them",
        "",
    ]
    if data["reasons"]:
        lines += ["| people short | reason (per shift, counted) |", "| ---: | --- |"]
        lines += [f"| {n} | {reason} |" for reason, n in data["reasons"][:15]]
        more = len(data["reasons"]) - 15
        if more > 0:
            lines.append(f"| | ({more} more distinct reasons) |")
    else:
        lines.append("None: every slot demanded was filled.")
    lines += ["", "## Objective by term (points)", "", "| term | points |", "| --- | ---: |"]
    lines += [f"| {t['label']} | {t['value']:,.1f} |" for t in data["terms"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args(argv)
    load_before = _load()
    prepare_database()
    data = measure(args.people, args.seconds, args.workers)
    REPORT.write_text(report(data, _cpu(), load_before), encoding="utf-8")
    _say(f"wrote {REPORT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
