"""What the middleware stack costs a trivial request, in-process: the trivial view (bench.urls)
through the first 0, 1, 2, ... of settings.MIDDLEWARE, signed in as the company's admin, each
stack measured by the Python function calls a request makes (counted by cProfile: the same on
every run, however busy the machine), its queries, and its median time. The difference between
one stack and the next is what that middleware adds.

    python -m bench.stack --slug bench50 --out var/bench/stack.json
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import django

TRIVIAL_PATH = "/_bench/ok"


def _measure(middleware: list[str], user: Any, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    with override_settings(MIDDLEWARE=middleware):
        client = Client()
        client.force_login(user)
        for _ in range(10):
            response = client.get(TRIVIAL_PATH)
        if response.status_code != 200:
            raise SystemExit(f"{TRIVIAL_PATH} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(TRIVIAL_PATH)
        queries = [q["sql"] for q in captured.captured_queries]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(20):
            client.get(TRIVIAL_PATH)
        profile.disable()
        calls = pstats.Stats(profile).total_calls / 20  # type: ignore[attr-defined]
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(TRIVIAL_PATH)
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "calls": round(calls),
        "queries": len(queries),
        "sql": queries,
        "p50_ms": round(statistics.median(samples), 3),
    }


def measure_stack(slug: str, runs: int) -> dict[str, Any]:
    from django.conf import settings

    from bench.measure import tenant_and_admin

    _tenant, user, _membership = tenant_and_admin(slug)
    full = list(settings.MIDDLEWARE)
    layers = []
    before: dict[str, Any] | None = None
    for size in range(len(full) + 1):
        result = _measure(full[:size], user, runs)
        name = full[size - 1] if size else "(bare Django: no middleware)"
        layers.append({
            "middleware": name, **result,
            "added_calls": result["calls"] - before["calls"] if before else result["calls"],
            "added_queries": result["queries"] - before["queries"] if before else result["queries"],
        })  # fmt: skip
        before = result
    bare, whole = layers[0], layers[-1]
    return {
        "path": TRIVIAL_PATH,
        "layers": layers,
        "bare_calls": bare["calls"],
        "stack_calls": whole["calls"],
        "stack_queries": whole["queries"],
        "bare_p50_ms": bare["p50_ms"],
        "stack_p50_ms": whole["p50_ms"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slug", required=True)
    parser.add_argument("--runs", type=int, default=200, help="timed requests per stack")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    django.setup()
    result = measure_stack(args.slug, args.runs)
    for layer in result["layers"]:
        print(f"{layer['added_calls']:6d} calls {layer['added_queries']:+d} queries "
              f"p50 {layer['p50_ms']:7.3f} ms  {layer['middleware']}")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
