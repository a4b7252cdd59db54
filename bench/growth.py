"""The growth tables of `make bench`: the audit log of one company measured in-process at each
size (its page, its filters, its text search and its exports, each with its query count), and
the results block's sections for them and for the rota at 50, 300 and 1,000 employees.

    python -m bench.growth --slug bench --runs 20 --out var/bench/audit-100000.json

Sizes: BENCH_AUDIT_SIZES (entries, comma-separated), else 10,000, 100,000 and 1,000,000, or
1,000, 3,000 and 10,000 with BENCH_QUICK=1."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import django

from bench.measure import percentile

FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (1_000, 3_000, 10_000)
SEARCH_P95_TARGET_MS = 150.0
EXPORT_TARGET_S = 20.0
AUDIT_RATIO_TARGET = 0.15
STACK_RATIO_TARGET = 0.40
ROTA300_P95_TARGET_MS = 100.0
WEEK1000_TARGET_MS = 500.0


def quick() -> bool:
    return os.environ.get("BENCH_QUICK", "") not in {"", "0", "false"}


def audit_sizes() -> list[int]:
    given = os.environ.get("BENCH_AUDIT_SIZES", "").strip()
    if given:
        return sorted(int(x.replace("_", "")) for x in given.split(",") if x.strip())
    return list(QUICK_SIZES if quick() else FULL_SIZES)


def _timed(get: Callable[[], Any], runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        get()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        get()
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        get()
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "queries": len(captured.captured_queries),
    }


def measure_audit(slug: str, runs: int) -> dict[str, Any]:
    from django.test import Client

    from audit.models import AuditEntry
    from bench.measure import tenant_and_admin
    from tenancy.context import tenant_context

    tenant, user, _membership = tenant_and_admin(slug)
    client = Client()
    client.force_login(user)
    with tenant_context(tenant):
        entries = AuditEntry.objects.filter(tenant=tenant).count()
        actor = (AuditEntry.objects.filter(tenant=tenant, actor__isnull=False)
                 .values_list("actor_id", flat=True).first())  # fmt: skip
    today = dt.date.today()
    url = f"/{slug}/audit/"

    def page(params: dict[str, str]) -> Callable[[], Any]:
        def get() -> Any:
            response = client.get(url, params)
            if response.status_code != 200:
                raise SystemExit(f"GET {url} {params} answered {response.status_code}")
            return response

        return get

    def day(back: int) -> dict[str, str]:
        return {"date_from": str(today - dt.timedelta(days=back)),
                "date_to": str(today - dt.timedelta(days=back))}  # fmt: skip

    cases: dict[str, dict[str, str]] = {
        "page": {},
        "filter: an event": {"event": "shift.updated"},
        "filter: a person": {"actor": str(actor)} if actor else {"event": "auth.login"},
        "filter: a category": {"category": "schedule"},
        "filter: a day a week back": day(7),
        "filter: a day a month back": day(30),
        "filter: a day eleven months back": day(330),
        "search: a common word (shift)": {"q": "shift"},
        "search: a name (ingrid berg)": {"q": "ingrid berg"},
        "search: a prefix (grac)": {"q": "grac"},
        "search: nothing matches (zzyzx)": {"q": "zzyzx"},
    }
    results = {name: _timed(page(params), runs) for name, params in cases.items()}
    exports = {}
    # Described (each entry's sentence, in Python) and without sentences (?words=0: written by
    # PostgreSQL's COPY, audit/raw_export.py).
    for key, fmt, params in EXPORTS:
        started = time.perf_counter()
        response = client.get(f"/{slug}/audit/export.{fmt}", params)
        pieces: Any = response.streaming_content  # type: ignore[attr-defined]
        size = sum(len(piece) for piece in pieces)
        exports[key] = {
            "seconds": round(time.perf_counter() - started, 2),
            "mib": round(size / 1024 / 1024, 1),
            "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }
    return {"entries": entries, "cases": results, "exports": exports}


# The results block -------------------------------------------------------------------------


EXPORTS = [
    ("csv", "csv", {}),
    ("jsonl", "jsonl", {}),
    ("csv_raw", "csv", {"words": "0"}),
    ("jsonl_raw", "jsonl", {"words": "0"}),
]
EXPORT_NAMES = {
    "csv": "export CSV, with sentences",
    "jsonl": "export JSON Lines, with sentences",
    "csv_raw": "export CSV, without sentences (COPY)",
    "jsonl_raw": "export JSON Lines, without sentences (COPY)",
}


def _met(ok: bool, measured: bool = True) -> str:
    if not measured:
        return "**not measured** at that size (a smaller run)"
    return "**met**" if ok else "**not met**"


def audit_lines(runs: list[dict[str, Any]], throughput: dict[str, Any] | None) -> list[str]:
    if not runs:
        return []
    sizes = [r["entries"] for r in runs]
    head = " | ".join(f"{n:,} entries" for n in sizes)
    lines = [
        "### The audit log as it grows (in-process, as `parim_app`)",
        "",
        "One company's log (`bench`) filled by `bench/audit_seed.py` to each size in turn; each "
        "request timed after two warm-ups, p50 / p95 and its queries (BEGIN and COMMIT "
        "included). Text search is by word prefix from the words table (docs/design.md).",
        "",
        f"| request | {head} |",
        "| --- |" + " --- |" * len(sizes),
    ]
    for name in runs[0]["cases"]:
        cells = [
            f"{r['cases'][name]['p50_ms']} / {r['cases'][name]['p95_ms']} ms, "
            f"{r['cases'][name]['queries']} q"
            for r in runs
        ]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    for key, name in EXPORT_NAMES.items():
        cells = [
            f"{r['exports'][key]['seconds']} s, {r['exports'][key]['mib']} MiB, "
            f"peak RSS {r['exports'][key]['max_rss_mib']} MiB"
            if key in r["exports"]
            else "not measured"
            for r in runs
        ]
        lines.append(f"| {name} (whole log) | {' | '.join(cells)} |")
    largest = runs[-1]
    at_million = largest["entries"] >= 1_000_000
    search = max(v["p95_ms"] for k, v in largest["cases"].items() if k.startswith("search"))
    cases = largest["cases"]
    days = [cases[k]["p50_ms"] for k in cases if k.startswith("filter: a day")]
    rss = [r["exports"]["csv"]["max_rss_mib"] for r in runs]
    fastest = min(
        (largest["exports"][key]["seconds"], EXPORT_NAMES[key])
        for key in ("csv", "csv_raw")
        if key in largest["exports"]
    )
    constant = all(
        len({r["cases"][name]["queries"] for r in runs}) == 1 for name in runs[0]["cases"]
    )
    scale = "at 1M entries" if at_million else f"at {largest['entries']:,} entries (not 1M)"
    lines += [
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| text search at 1M entries: p95 < {SEARCH_P95_TARGET_MS:.0f} ms | slowest search "
        f"p95 {search} ms {scale} | {_met(search < SEARCH_P95_TARGET_MS, at_million)} |",
        f"| a day's range costs the same however far back | p50 {', '.join(map(str, days))} "
        f"ms (a week, a month, eleven months back) | {_met(max(days) <= 1.5 * min(days) + 2)} |",
        f"| export of 1M entries under {EXPORT_TARGET_S:.0f} s with flat memory | "
        f"{fastest[1]}: {fastest[0]} s {scale} (with sentences: "
        f"{largest['exports']['csv']['seconds']} s); peak RSS by size "
        f"{', '.join(map(str, rss))} MiB | "
        f"{_met(fastest[0] < EXPORT_TARGET_S, at_million)} |",
        f"| query counts constant in the size of the log | "
        f"{'the same at every size' if constant else 'they differ between sizes'} | "
        f"{_met(constant)} |",
    ]
    if throughput:
        ratio = throughput["ratio"]
        lines.append(
            f"| audit log page at least {AUDIT_RATIO_TARGET:.0%} of the trivial view's "
            f"requests/s (wrk, at {throughput['entries']:,} entries) | **{ratio:.1%}** "
            f"({throughput['target']['rps']} vs {throughput['trivial']['rps']} req/s) | "
            f"{_met(ratio >= AUDIT_RATIO_TARGET)} |"
        )
    return [*lines, ""]


def rota_lines(rotas: dict[int, dict[str, Any]]) -> list[str]:
    lines = [
        "### The rota as the company grows (in-process, computed on every request)",
        "",
        "| employees | page p50 / p95 | page queries | rows requests | whole week p50 / p95 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for people, r in sorted(rotas.items()):
        more = r.get("rows_requests") or 0
        lines.append(
            f"| {people:,} | {r['p50_ms']} / {r['p95_ms']} ms | {r['queries']} | "
            + (f"{more} ({r['rows_queries']} queries each) | " if more else "none | ")
            + f"{_week(r, 'p50')} / {_week(r, 'p95')} ms |"
        )
    r300, r1000 = rotas.get(300), rotas.get(1000)
    lines += ["", "| target | measured | |", "| --- | --- | --- |"]
    if r300:
        ok = r300["p95_ms"] < ROTA300_P95_TARGET_MS
        lines.append(f"| rota at 300 employees, computed: p95 < {ROTA300_P95_TARGET_MS:.0f} ms | "
                     f"{r300['p95_ms']} ms | {_met(ok)} |")  # fmt: skip
    if r300 and r1000:
        week = _week(r1000, "p50")
        per300 = _week(r300, "p50") / 300
        linear = week <= per300 * 1000 * 1.25
        lines.append(
            f"| whole week at 1,000 employees under {WEEK1000_TARGET_MS:.0f} ms, and linear | "
            f"{week} ms (linear from 300 would be {per300 * 1000:.0f} ms) | "
            f"{_met(week < WEEK1000_TARGET_MS and linear)} |"
        )
    return [*lines, ""]


def _week(r: dict[str, Any], which: str) -> float:
    """The whole week (the page and every rows request), or the page when it holds it all."""
    value = r.get(f"week_{which}_ms") if r.get("rows_requests") else None
    return float(value if value is not None else r[f"{which}_ms"])


def stack_lines(stack: dict[str, Any] | None, bare: dict[str, Any] | None) -> list[str]:
    if not stack and not bare:
        return []
    lines = ["### What the middleware costs a trivial request", ""]
    if bare:
        ratio = bare["ratio"]
        lines += [
            f"Under gunicorn with wrk, alternating rounds: bare Django (no middleware, "
            f"`bench.bare_settings`) {bare['bare']['rps']} req/s, the trivial view through the "
            f"project's middleware (signed in) {bare['trivial']['rps']} req/s: **{ratio:.1%}** "
            f"(target at least {STACK_RATIO_TARGET:.0%}: {_met(ratio >= STACK_RATIO_TARGET)}).",
            "",
        ]
    if stack:
        lines += [
            "In-process (`bench/stack.py`), each middleware added in order: the Python function "
            "calls it adds to a request (counted by cProfile, the same on every run), its "
            "queries and the stack's median time.",
            "",
            "| middleware | calls added | queries added | stack p50 |",
            "| --- | --- | --- | --- |",
            *(
                f"| `{x['middleware']}` | {x['added_calls']} | {x['added_queries']} | "
                f"{x['p50_ms']} ms |"
                for x in stack["layers"]
            ),
            "",
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    django.setup()
    result = measure_audit(args.slug, args.runs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
