"""In-process measurements, one per process so that settings and connections start clean. The
database role is whatever DATABASE_URL names: parim_app (row-level security on) or postgres (a
superuser, which RLS does not bind). Each writes its result as JSON to --out.

    python -m bench.measure rota --slug bench --week 2026-11-16 --out var/bench/rota.json
    python -m bench.measure rules --slug bench --week 2026-11-16 --out var/bench/rules.json
    python -m bench.measure publish --slug bench --week 2026-11-16 --out var/bench/publish.json
    python -m bench.measure session --slug bench50 --out var/bench/session.json
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import html
import importlib
import inspect
import io
import json
import math
import pstats
import re
import statistics
import sys
import time
import zoneinfo
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import django

if TYPE_CHECKING:
    from accounts.models import User
    from scheduling.models import Shift
    from tenancy.models import Membership, Tenant

PROFILED_REQUESTS = 10
ROTA_WEEK_RUNS = 20


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (p95 of 100 samples is the 95th smallest)."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered) - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def database_role() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
    return {"role": user, "superuser": superuser, "bypass_rls": superuser or bypass}


def tenant_and_admin(slug: str) -> tuple[Tenant, User, Membership]:
    from accounts.identity import account_lookup
    from accounts.models import User
    from tenancy.context import tenant_context
    from tenancy.models import Membership, Tenant
    from tenancy.permissions import RoleKind

    tenant = Tenant.objects.get(slug=slug)
    email = f"{RoleKind.ADMIN}@{slug}.test"
    with account_lookup(email):  # accounts are read under their own policy (identity RLS)
        user = User.objects.get(email=email)
    with tenant_context(tenant):
        membership = Membership.objects.select_related("role").get(user=user)
    membership.tenant = tenant
    return tenant, user, membership


MORE_ROWS = re.compile(rb'<tr class="rota__more" hx-get="([^"]+)"[^>]*>.*?</tr>')


def following_rows(body: bytes) -> bytes | None:
    """The address of the rows that come after `body`'s (the rota sends a large company's week
    a few dozen people at a time, the next as the table scrolls into view), if any."""
    found = MORE_ROWS.search(body)
    return html.unescape(found.group(1).decode()).encode() if found else None


def measure_rota(args: argparse.Namespace) -> dict[str, Any]:
    """GET the rota page with django.test.Client: warm-up, timed runs, then one request with
    its queries captured (the count, and the SQL to a file for reading). Then the rows that
    follow the page (rota/rows/, as htmx asks for them when the table scrolls): each of those
    requests timed, and the whole week (the page, then every rows request, one after the
    other), which is also what the page checks count."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _tenant, user, _membership = tenant_and_admin(args.slug)
    client = Client()
    client.force_login(user)
    url = f"/{args.slug}/rota/?week={args.week.isoformat()}"

    def get(address: str = url) -> bytes:
        if address == url:
            response = client.get(address)
        else:  # htmx asks for the rows that follow the page's as its table scrolls into view
            response = client.get(address, HTTP_HX_REQUEST="true")
        if response.status_code != 200:
            raise SystemExit(f"GET {address} answered {response.status_code}")
        return response.content

    for _ in range(args.warmup):
        get()
    samples = []
    for _ in range(args.runs):
        started = time.perf_counter()
        get()
        samples.append((time.perf_counter() - started) * 1000)
    # Counted as the project's query-budget tests count: BEGIN and COMMIT included.
    with CaptureQueriesContext(connection) as captured:
        body = get()
    # A copy now: captured_queries is a view of the connection's log, which the next
    # request (the profile's) empties.
    queries = list(captured.captured_queries)
    transaction_statements = sum(
        1
        for q in queries
        if q["sql"].split(" ", 1)[0].rstrip(";") in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}
    )
    if args.queries_out:
        args.queries_out.write_text(
            "\n".join(f"-- {q['time']} s\n{q['sql']};" for q in queries) + "\n",
            encoding="utf-8",
        )
    profile: dict[str, Any] = {}
    if args.profile_out:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(PROFILED_REQUESTS):
            get()
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        args.profile_out.write_text(text.getvalue(), encoding="utf-8")
        profile = where_the_time_goes(stats, get)
    data_ms = rota_week_alone(args.slug, args.week, runs=ROTA_WEEK_RUNS)
    rows = measure_rows(get, runs=args.runs if args.with_rows else 0)
    return {
        "url": url,
        "runs": args.runs,
        "warmup": args.warmup,
        "samples_ms": [round(s, 3) for s in samples],
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "mean_ms": round(statistics.fmean(samples), 1),
        "queries": len(queries),
        "transaction_statements": transaction_statements,
        "sql": [q["sql"] for q in queries],
        "query_times": [q["time"] for q in queries],
        "profile": profile,
        "rota_week_p50_ms": data_ms,
        "shift_cards": rows["week"].count(b'data-shift="'),
        "rows": rows["week"].count(b'<th scope="row" class="rota__person">'),
        "page_shift_cards": body.count(b'data-shift="'),
        "page_rows": body.count(b'<th scope="row" class="rota__person">'),
        "rows_requests": rows["requests"],
        "rows_queries": rows["queries"],
        "rows_samples_ms": rows["samples_ms"],
        "rows_p50_ms": rows["p50_ms"],
        "rows_p95_ms": rows["p95_ms"],
        "week_samples_ms": rows["week_samples_ms"],
        "week_p50_ms": rows["week_p50_ms"],
        "week_p95_ms": rows["week_p95_ms"],
        "bytes": len(body),
        "week_bytes": len(rows["week"]),
        **database_role(),
    }


def measure_rows(get: Callable[..., bytes], *, runs: int) -> dict[str, Any]:
    """The requests for the rows that follow the page's (`get()` answers the page): about
    `runs` of them timed (after one untimed round), the queries of one, and `runs` times the
    whole week, one request after the other (the page, then every rows request); and the whole
    week, assembled as the browser does (with `runs` 0, only that)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def week() -> tuple[bytes, list[bytes]]:
        body, addresses = get(), []
        address = following_rows(body)
        while address is not None:
            addresses.append(address)
            rows = get(address.decode())
            found = MORE_ROWS.search(body)
            assert found is not None  # noqa: S101 (following_rows found it)
            body = body[: found.start()] + rows + body[found.end() :]
            address = following_rows(rows)
        return body, addresses

    whole, addresses = week()
    samples: list[float] = []
    queries = 0
    if addresses and runs:
        for _ in range(-(-runs // len(addresses))):
            for address in addresses:
                started = time.perf_counter()
                get(address.decode())
                samples.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            get(addresses[-1].decode())
        queries = len(captured.captured_queries)
    week_samples = []
    for _ in range(runs if addresses else 0):
        started = time.perf_counter()
        week()
        week_samples.append((time.perf_counter() - started) * 1000)
    return {
        "week": whole,
        "requests": len(addresses),
        "queries": queries,
        "samples_ms": [round(s, 3) for s in samples],
        "p50_ms": round(statistics.median(samples), 1) if samples else None,
        "p95_ms": round(percentile(samples, 0.95), 1) if samples else None,
        "week_samples_ms": [round(s, 3) for s in week_samples],
        "week_p50_ms": round(statistics.median(week_samples), 1) if week_samples else None,
        "week_p95_ms": round(percentile(week_samples, 0.95), 1) if week_samples else None,
    }


# What the profile reports: the share of a request's time spent in each of these (those that
# exist in the code measured), and how often per request the costly template steps run.
PROFILED_SHARES = (
    "scheduling.rota.views.rota",
    "scheduling.rota.selectors.rota_week",
    "scheduling.rules.checks.violations_in_context",
    "scheduling.rules.engine.check_rows",
    "scheduling.rota.html.RotaRows.html",
    "tenancy.http._rendered",
)
PROFILED_CALLS = (
    "django.template.loader_tags.IncludeNode.render",
    "django.urls.base.reverse",
    "django.template.defaultfilters.date",
    "django.templatetags.i18n.BlockTranslateNode.render",
    "django.utils.html.escape",
    "html.escape",
)


def _resolve(dotted: str) -> Any:
    """The function at `dotted` (module, then attributes), unwrapped; None if it is gone."""
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for name in parts[split:]:
            target = getattr(target, name, None)
        return inspect.unwrap(target) if callable(target) else None
    return None


def where_the_time_goes(stats: pstats.Stats, request: Callable[[], bytes]) -> dict[str, Any]:
    """From a profile of PROFILED_REQUESTS requests: shares of the time and calls per request."""
    # pstats keeps (calls, all calls, own time, cumulative time, callers) by function.
    table: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]

    def entry(function: Any) -> tuple[Any, ...] | None:
        code = getattr(function, "__code__", None)
        if code is None:
            return None
        return table.get((code.co_filename, code.co_firstlineno, code.co_name))

    total_entry = entry(request)
    total = float(total_entry[3]) if total_entry else 0.0
    shares = {}
    for dotted in PROFILED_SHARES:
        found = entry(_resolve(dotted))
        if found and total:
            shares[dotted] = round(found[3] / total, 3)
    calls = {}
    for dotted in PROFILED_CALLS:
        found = entry(_resolve(dotted))
        calls[dotted] = found[1] / PROFILED_REQUESTS if found else 0.0
    return {
        "profiled_ms_per_request": round(total / PROFILED_REQUESTS * 1000, 1),
        "shares": shares,
        "calls_per_request": calls,
    }


def rota_week_alone(slug: str, week: dt.date, *, runs: int) -> float:
    """The median ms of scheduling.rota.selectors.rota_week alone (queries, rules, grid; no
    template), in a tenant context as the view calls it: what the page costs before rendering."""
    from scheduling.rota.selectors import rota_week
    from scheduling.rota.views import ROWS_AT_ONCE
    from tenancy.context import tenant_context

    tenant, _user, membership = tenant_and_admin(slug)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        with tenant_context(tenant):
            rota_week(membership, week, rows=slice(0, ROWS_AT_ONCE))  # as the page calls it
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 1)


def week_of(tenant: Tenant, week_start: dt.date) -> list[Shift]:
    """The week's shifts at every site, selected as the rota page selects them."""
    from scheduling.models import Site
    from scheduling.rota.selectors import week_shifts
    from scheduling.time import local_date

    zones = {
        site.pk: zoneinfo.ZoneInfo(site.time_zone) for site in Site.objects.filter(tenant=tenant)
    }
    end = week_start + dt.timedelta(days=7)
    return [
        shift
        for shift in week_shifts(tenant, week_start, list(zones))
        if week_start <= local_date(shift, zones) < end
    ]


def measure_rules(args: argparse.Namespace) -> dict[str, Any]:
    """scheduling.rules.checks.violations_for over the week's shifts (queries included), each run
    in its own tenant context as a request would be."""
    from scheduling.rules.checks import violations_for
    from tenancy.context import tenant_context

    tenant, _user, _membership = tenant_and_admin(args.slug)
    with tenant_context(tenant):
        shifts = week_of(tenant, args.week)
    samples = []
    found: dict[Any, Any] = {}
    for _ in range(args.runs):
        started = time.perf_counter()
        with tenant_context(tenant):
            found = violations_for(tenant, shifts)
        samples.append(time.perf_counter() - started)
    violations = [v for vs in found.values() for v in vs]
    by_rule: dict[str, int] = {}
    for violation in violations:
        by_rule[violation.code] = by_rule.get(violation.code, 0) + 1
    return {
        "shifts": len(shifts),
        "runs": args.runs,
        "samples_s": [round(s, 4) for s in samples],
        "median_s": round(statistics.median(samples), 3),
        "max_s": round(max(samples), 3),
        "shifts_with_violations": len(found),
        "hard": sum(1 for v in violations if v.hard),
        "soft": sum(1 for v in violations if not v.hard),
        "by_rule": by_rule,
        **database_role(),
    }


def measure_publish(args: argparse.Namespace) -> dict[str, Any]:
    """scheduling.rota.services.week_publish of the whole week by an admin (who may override the
    rules), inside an outer transaction so that the service's own work and what happens at
    commit (the after-commit emails, run eagerly here: no broker) are timed apart. Every shift
    of the week is made a draft first (not timed), so that all of it is checked and published."""
    from django.core import mail
    from django.db import transaction

    from scheduling.models import Shift
    from scheduling.rota.services import week_publish
    from tenancy.context import tenant_context

    tenant, _user, actor = tenant_and_admin(args.slug)
    with tenant_context(tenant):
        week = week_of(tenant, args.week)
        seeded_drafts = sum(1 for s in week if s.status == Shift.Status.DRAFT)
        Shift.objects.filter(pk__in=[s.pk for s in week]).update(
            status=Shift.Status.DRAFT, published_at=None
        )
        drafts = len(week)
    started = time.perf_counter()
    with transaction.atomic():
        publication = week_publish(
            tenant=tenant,
            actor=actor,
            week_start=args.week,
            override_reason="Benchmark: publishing the seeded week as it stands.",
        )
        returned = time.perf_counter()
    committed = time.perf_counter()
    return {
        "seeded_drafts": seeded_drafts,
        "drafts_before": drafts,
        "published": publication.shift_count,
        "hard_violations_overridden": publication.hard_violations,
        "service_s": round(returned - started, 3),
        "commit_and_after_commit_s": round(committed - returned, 3),
        "total_s": round(committed - started, 3),
        "emails_sent": len(getattr(mail, "outbox", [])),
        **database_role(),
    }


def make_session(args: argparse.Namespace) -> dict[str, Any]:
    """A signed-in session of the tenant's admin, for the load generator's cookie."""
    from django.conf import settings
    from django.test import Client

    _tenant, user, _membership = tenant_and_admin(args.slug)
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"cookie_name": name, "cookie_value": client.cookies[name].value, **database_role()}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("what", choices=["rota", "rules", "publish", "session"])
    parser.add_argument("--slug", required=True)
    parser.add_argument("--week", type=dt.date.fromisoformat, help="the Monday of the week")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--queries-out", type=Path, help="rota: write the captured SQL here")
    parser.add_argument("--profile-out", type=Path, help="rota: write a cProfile report here")
    parser.add_argument(
        "--with-rows", action="store_true", help="rota: time the rows that follow the page too"
    )
    args = parser.parse_args(argv)
    if args.what != "session" and args.week is None:
        parser.error("--week is required")
    django.setup()
    from parim.startup import tune_garbage_collector

    tune_garbage_collector()  # as each gunicorn worker does once the app is loaded
    measure = {
        "rota": measure_rota,
        "rules": measure_rules,
        "publish": measure_publish,
        "session": make_session,
    }[args.what]
    result = measure(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
