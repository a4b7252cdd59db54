"""`make bench` from end to end: the database, the seed, every measurement (each in its own
process), and the results block of docs/benchmarks.md. See that file for what is measured."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import zoneinfo
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench import growth, report, sql
from bench.load import LoadResult
from bench.measure import percentile
from bench.monitor import Monitor
from bench.wrk import run_wrk

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
DATABASE = os.environ.get("BENCH_DATABASE", "parim_bench")
OWNER_ROLE = "parim_owner"
APP_ROLE = "parim_app"
ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SUPERUSER = urlsplit(ADMIN_URL).username or "postgres"
RLS_ROUNDS = 3  # rota runs at 300 employees as each role, alternating
TRIVIAL_PATH = "/_bench/ok"  # bench.urls.TRIVIAL_PATH (not imported: that needs Django set up)

# Variables the settings read that must not leak in from the caller's shell: the benchmark runs
# eager Celery tasks, the local-memory cache and no billing.
UNSET = (
    "REDIS_URL", "REDIS_HOST", "STRIPE_SECRET_KEY", "STRIPE_PRICE_ID", "STRIPE_WEBHOOK_SECRET",
    "AUDIT_ARCHIVE_BUCKET", "DATABASE_HOST", "SECRET_KEY_FILE", "DATABASE_URL_FILE",
    "SECURE_SSL_REDIRECT", "TRUSTED_PROXY_HOPS", "ROTA_CACHE_URL", "ROTA_CACHE_SECONDS",
    "ROTA_CACHE_ENTRIES",
)  # fmt: skip
# The rota computed on every request (its cost, what row-level security costs it), or reused
# while nothing it shows has changed (scheduling/rota/cache.py), from Redis as in production
# when a Redis answers on 127.0.0.1:6379 (database 3, which nothing else here uses).
COMPUTED = {"ROTA_CACHE_SECONDS": "0"}
REDIS_CACHE_URL = "redis://127.0.0.1:6379/3"
CHANGE_INTERVAL_S = 1.0  # one change to the rota a second, in the busy variant


class Say:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __call__(self, message: str) -> None:
        print(f"[{time.perf_counter() - self.started:7.1f} s] {message}", flush=True)


say = Say()


def database_url(user: str, database: str = DATABASE) -> str:
    """The benchmark database: as the superuser of the admin URL (its credentials kept), or as
    another role on the same host and port (trust authentication, as make test assumes)."""
    parts = urlsplit(ADMIN_URL)
    if user == SUPERUSER:
        return urlunsplit(parts._replace(path=f"/{database}"))
    return f"postgresql://{user}@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}/{database}"


def django_env(url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in UNSET}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PARIM_ENV": "development",
            "DATABASE_URL": url,
            "DATABASE_APP_ROLE": APP_ROLE,
            # Production-like: DEBUG off (no query log, no debug templates)...
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # ...but plain HTTP on loopback: no HTTPS redirect, cookies without __Host-.
            "HTTPS": "false",
            "STATIC_MANIFEST": "false",  # no collectstatic needed
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
    )
    env.update(extra)
    return env


def run(command: Sequence[str], env: dict[str, str], log: Path | None = None) -> None:
    """Run a step; its output goes to `log` (shown when it fails) or to the terminal."""
    if log is None:
        completed = subprocess.run(command, env=env, cwd=ROOT, check=False)  # noqa: S603
    else:
        with log.open("w", encoding="utf-8") as out:
            completed = subprocess.run(  # noqa: S603
                command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, check=False
            )
    if completed.returncode != 0:
        if log is not None:
            print(log.read_text(encoding="utf-8")[-4000:], file=sys.stderr)
        raise SystemExit(f"failed ({completed.returncode}): {' '.join(command)}")


def measure(
    what: str, slug: str, url: str, name: str, *extra: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    out = VAR / f"{name}.json"
    run(
        [sys.executable, "-m", "bench.measure", what, "--slug", slug, "--out", str(out), *extra],
        django_env(url, **(env or {})),
        VAR / f"{name}.log",
    )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


# The code under measurement: if any of it changes while the benchmark runs (someone editing the
# working tree), the results mix two versions, and the report says so.
SOURCES = ("accounts", "tenancy", "audit", "scheduling", "gdpr", "billing", "parim", "templates")


def source_digest() -> str:
    digest = hashlib.sha256()
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in {".py", ".html", ".txt"} and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def current_week() -> dt.date:
    today = dt.datetime.now(zoneinfo.ZoneInfo("Europe/London")).date()
    return today - dt.timedelta(days=today.weekday())


def prepare_database() -> None:
    say(f"database {DATABASE}: drop, then create with its roles (manage.py db_bootstrap)")
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    # --owner-can-create-databases as make test passes it: db_bootstrap re-asserts the roles'
    # attributes, and the test runner's owner needs CREATEDB.
    run(
        [sys.executable, "manage.py", "db_bootstrap", "--owner-can-create-databases",
         "--database", DATABASE, "--owner", OWNER_ROLE, "--app", APP_ROLE,
         "--admin-url", ADMIN_URL],
        django_env(database_url(OWNER_ROLE)),
        VAR / "db_bootstrap.log",
    )  # fmt: skip
    started = time.perf_counter()
    run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        django_env(database_url(OWNER_ROLE)),
        VAR / "migrate.log",
    )
    say(f"migrated as {OWNER_ROLE} in {time.perf_counter() - started:.1f} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", TRIVIAL_PATH)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer on port {port} within {timeout:.0f} s")


def gunicorn_sizing() -> tuple[int, int]:
    """What deploy/gunicorn.conf.py computes (the environment may override it)."""
    workers = os.environ.get("WEB_CONCURRENCY", "").strip()
    threads = os.environ.get("GUNICORN_THREADS", "").strip()
    return (
        int(workers) if workers else max(2, (os.cpu_count() or 1) * 2),
        int(threads) if threads else 4,
    )


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def reuse_env() -> tuple[dict[str, str], str]:
    """The settings that reuse computed weeks, and where they are kept."""
    if redis_up():
        return {"ROTA_CACHE_URL": REDIS_CACHE_URL}, f"Redis, at {REDIS_CACHE_URL}"
    return {}, "each process's memory (no Redis answered on 127.0.0.1:6379)"


class Changer:
    """While running: one change to the measured week a second, committed as the application
    role in the company's context (a shift's notes rewritten: a write the triggers log with the
    shift's days and person, which makes the cached page of that week stale), as a manager
    editing the rota would."""

    def __init__(self, slug: str) -> None:
        self.slug = slug
        self.stop = threading.Event()
        self.changes = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()

    def _run(self) -> None:
        with psycopg.connect(database_url(APP_ROLE)) as connection:
            tenant = connection.execute(
                "SELECT id FROM tenancy_tenant WHERE slug = %s", [self.slug]
            ).fetchone()
            connection.commit()
            if tenant is None:
                raise SystemExit(f"no tenant {self.slug}")
            while not self.stop.wait(CHANGE_INTERVAL_S):
                connection.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant[0])])
                connection.execute(
                    "UPDATE scheduling_shift SET notes = %s WHERE id = "
                    "(SELECT id FROM scheduling_shift ORDER BY start_at, id LIMIT 1)",
                    [f"change {self.changes}"],
                )
                connection.commit()
                self.changes += 1


VARIANTS = {
    "computed": "computed on every request (ROTA_CACHE_SECONDS=0)",
    "reused": "reused while nothing changes",
    "busy": f"reused, with a change every {CHANGE_INTERVAL_S:.0f} s",
}


def throughput(
    slug: str, week: dt.date, args: argparse.Namespace, variant: str, page: str | None = None
) -> dict[str, Any]:
    """Requests per second of the rota page (or of `page`) and of the trivial view, on one
    gunicorn with the project's configuration, alternating in rounds so that both see the same
    machine, with wrk. The rota `variant`: computed on every request, reused, or reused with a
    change every second."""
    session = measure("session", slug, database_url(APP_ROLE), f"session-{slug}")
    cookie = f"{session['cookie_name']}={session['cookie_value']}"
    port = free_port()
    workers, threads = gunicorn_sizing()
    cache_env, kept_in = reuse_env() if variant != "computed" else (COMPUTED, "not kept")
    env = django_env(
        database_url(APP_ROLE),
        # No worker recycling in the middle of a measurement (production: every 5,000).
        GUNICORN_MAX_REQUESTS="0",
        **cache_env,
    )
    log = (VAR / f"gunicorn-{variant}.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
            "--bind", f"127.0.0.1:{port}", "parim.wsgi:application",
        ],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    rota_path = page or f"/{slug}/rota/?week={week.isoformat()}"
    results: dict[str, list[LoadResult]] = {"trivial": [], "rota": []}
    changer = Changer(slug)
    try:
        wait_until_up(port)
        say(f"gunicorn up on 127.0.0.1:{port}: {workers} gthread workers x {threads} threads; "
            f"rota {VARIANTS[variant]}")  # fmt: skip
        if variant == "busy":
            changer.start()
        for path in (TRIVIAL_PATH, rota_path):
            warm = run_wrk("127.0.0.1", port, path, cookie, concurrency=args.concurrency,
                           seconds=args.warmup_seconds)  # fmt: skip
            if warm.errors:  # none done is possible in a short warm-up of a slow page
                raise SystemExit(f"warm-up of {path}: {warm.errors} errors, {warm.requests} ok")
        per_round = args.seconds / args.rounds
        for round_number in range(args.rounds):
            for name, path in (("trivial", TRIVIAL_PATH), ("rota", rota_path)):
                result = run_wrk("127.0.0.1", port, path, cookie,
                                 concurrency=args.concurrency, seconds=per_round)  # fmt: skip
                if result.errors:
                    raise SystemExit(f"{path}: {result.errors} requests did not answer 200")
                results[name].append(result)
                say(f"  round {round_number + 1}: {name:7s} {result.rps:8.1f} req/s "
                    f"({result.requests} in {result.seconds:.1f} s)")  # fmt: skip
    finally:
        changer.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()

    trivial, rota = _summary(results["trivial"]), _summary(results["rota"])
    # Each round's ratio (a rota round over the trivial round just before it), and their
    # median: a shared machine slowed down during one round moves one ratio, not the result.
    round_ratios = [
        r.rps / t.rps for t, r in zip(results["trivial"], results["rota"], strict=True) if t.rps
    ]
    return {
        "workers": workers,
        "threads": threads,
        "concurrency": args.concurrency,
        "rounds": args.rounds,
        "warmup_seconds": args.warmup_seconds,
        "trivial": trivial,
        "rota": rota,
        "ratio": round(statistics.median(round_ratios), 4),
        "round_ratios": [round(x, 4) for x in round_ratios],
        "pooled_ratio": round(rota["rps"] / trivial["rps"], 4),
        "database_role": session["role"],
        "variant": variant,
        "cache": kept_in,
        "changes": changer.changes,
    }


def _summary(runs: list[LoadResult]) -> dict[str, Any]:
    """The rounds of one target together; wrk reports each round's percentiles (no list of
    latencies), so the latencies are the medians of the rounds'."""
    latencies = [ms for r in runs for ms in r.latencies_ms]
    p50s = [r.p50_ms for r in runs if r.p50_ms is not None]
    p95s = [r.p95_ms for r in runs if r.p95_ms is not None]
    requests, seconds = sum(r.requests for r in runs), sum(r.seconds for r in runs)
    return {
        "path": runs[0].path,
        "requests": requests,
        "seconds": round(seconds, 1),
        "rps": round(requests / seconds, 1),
        "rounds_rps": [round(r.rps, 1) for r in runs],
        "latency_p50_ms": round(
            statistics.median(latencies) if latencies else statistics.median(p50s), 1
        ),
        "latency_p95_ms": round(
            percentile(latencies, 0.95) if latencies else statistics.median(p95s), 1
        ),
        "errors": sum(r.errors for r in runs),
    }


def start_gunicorn(env: dict[str, str], name: str) -> tuple[subprocess.Popen[bytes], int, Any]:
    port = free_port()
    log = (VAR / f"gunicorn-{name}.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "deploy/gunicorn.conf.py",
            "--bind", f"127.0.0.1:{port}", "parim.wsgi:application",
        ],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return server, port, log


def stop_gunicorn(server: subprocess.Popen[bytes], log: Any) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    log.close()


def bare_and_stack(slug: str, args: argparse.Namespace) -> dict[str, Any]:
    """The trivial view on bare Django (no middleware: bench.bare_settings) and through the
    project's middleware signed in, on two gunicorns, alternating rounds of wrk."""
    session = measure("session", slug, database_url(APP_ROLE), f"session-{slug}-stack")
    cookie = f"{session['cookie_name']}={session['cookie_value']}"
    env = django_env(database_url(APP_ROLE), GUNICORN_MAX_REQUESTS="0")
    servers = {
        "bare": start_gunicorn({**env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}, "bare"),
        "trivial": start_gunicorn(env, "stack"),
    }
    results: dict[str, list[LoadResult]] = {"bare": [], "trivial": []}
    try:
        for name, (_server, port, _log) in servers.items():
            wait_until_up(port)
            run_wrk("127.0.0.1", port, TRIVIAL_PATH, cookie if name == "trivial" else "",
                    concurrency=args.concurrency, seconds=args.warmup_seconds)  # fmt: skip
        for round_number in range(args.rounds):
            for name, (_server, port, _log) in servers.items():
                result = run_wrk("127.0.0.1", port, TRIVIAL_PATH,
                                 cookie if name == "trivial" else "",
                                 concurrency=args.concurrency,
                                 seconds=args.seconds / args.rounds)  # fmt: skip
                if result.errors:
                    raise SystemExit(f"{name}: {result.errors} requests did not answer 200")
                results[name].append(result)
                say(f"  round {round_number + 1}: {name:7s} {result.rps:8.1f} req/s")
    finally:
        for server, _port, log in servers.values():
            stop_gunicorn(server, log)
    ratios = [t.rps / b.rps for b, t in zip(results["bare"], results["trivial"], strict=True)]
    return {
        "bare": _summary(results["bare"]),
        "trivial": _summary(results["trivial"]),
        "ratio": round(statistics.median(ratios), 4),
    }


def pooled(runs: list[dict[str, Any]]) -> dict[str, Any]:
    samples = [ms for r in runs for ms in r["samples_ms"]]
    return {
        "runs": len(samples),
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
        "p50s_ms": [r["p50_ms"] for r in runs],
        "role": runs[0]["role"],
        "bypass_rls": runs[0]["bypass_rls"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__)
    parser.add_argument("--runs", type=int, default=100, help="timed rota requests per run")
    parser.add_argument("--warmup", type=int, default=5, help="untimed rota requests first")
    parser.add_argument("--seconds", type=float, default=30, help="load seconds per target")
    parser.add_argument("--rounds", type=int, default=6, help="alternations of the targets")
    parser.add_argument("--warmup-seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=8, help="load connections")
    parser.add_argument("--no-doc", action="store_true", help="do not update the document")
    args = parser.parse_args(argv)
    if growth.quick():  # BENCH_QUICK=1: small sizes and short runs, to try the whole run
        args.runs, args.warmup, args.seconds, args.rounds, args.warmup_seconds = 10, 2, 4, 2, 2
    rls_rounds = 1 if growth.quick() else RLS_ROUNDS
    VAR.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    digest_before = source_digest()
    machine = report.machine(ADMIN_URL)  # with the commit measured
    monitor = Monitor()
    monitor.start()
    monitor.phase("database and seed")
    load_before = Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3]
    say(f"load average before: {' '.join(load_before)}")
    week = current_week()
    seed_file = VAR / "seed.json"
    # Always from scratch (about 15 s): publishing, measured last, changes the data.
    prepare_database()
    say(f"seeding {DATABASE} as {SUPERUSER} for the week of {week} (COPY, RLS bypassed)")
    run(
        [sys.executable, "-m", "bench.seed", "--admin-url", database_url(SUPERUSER),
         "--week", week.isoformat(), "--out", str(seed_file)],
        django_env(database_url(SUPERUSER)),
    )  # fmt: skip
    # The seed writes past the services: the rota reads stored rule breaks, worked out here.
    started_breaks = time.perf_counter()
    run([sys.executable, "manage.py", "refresh_rule_breaks"], django_env(database_url(SUPERUSER)),
        VAR / "refresh_rule_breaks.log")  # fmt: skip
    # Their statistics now, as autovacuum would take them in time (it may be off here).
    with psycopg.connect(database_url(SUPERUSER), autocommit=True) as connection:
        connection.execute("ANALYZE scheduling_rulebreak")
    say(f"stored rule breaks worked out in {time.perf_counter() - started_breaks:.1f} s")
    seed: dict[str, Any] = json.loads(seed_file.read_text(encoding="utf-8"))
    app, superuser = database_url(APP_ROLE), database_url(SUPERUSER)
    timing = ["--week", week.isoformat(), "--runs", str(args.runs), "--warmup", str(args.warmup)]

    def rota(
        slug: str, url: str, name: str, *extra: str, env: dict[str, str] = COMPUTED
    ) -> dict[str, Any]:
        result = measure("rota", slug, url, name, *timing, *extra, env=env)
        say(f"  rota {slug:8s} as {result['role']:9s}: p50 {result['p50_ms']:6.1f} ms, "
            f"p95 {result['p95_ms']:6.1f} ms, {result['queries']} queries, "
            f"{result['shift_cards']} shifts shown")  # fmt: skip
        if result.get("rows_requests"):
            say(f"    and {result['rows_requests']} rows request(s): p50 "
                f"{result['rows_p50_ms']} ms, p95 {result['rows_p95_ms']} ms; the whole week "
                f"p50 {result['week_p50_ms']} ms, p95 {result['week_p95_ms']} ms")  # fmt: skip
        return result

    monitor.phase("rota page in-process (7 runs)")
    say(f"rota page server time in-process ({args.warmup} warm-up + {args.runs} timed each), "
        "computed on every request")  # fmt: skip
    rota50 = rota("bench50", app, "rota-bench50-app", "--with-rows",
                  "--queries-out", str(VAR / "queries-bench50.sql"))  # fmt: skip
    rota300 = rota("bench", app, "rota-bench-app-1", "--with-rows",
                   "--queries-out", str(VAR / "queries-bench.sql"),
                   "--profile-out", str(VAR / "profile-rota-bench.txt"))  # fmt: skip
    rota1000 = rota("bench1000", app, "rota-bench1000-app", "--with-rows")
    say("row-level security cost: the same measurement as the superuser, alternating runs")
    # Alternating processes (the first as the application role is the run above), so that a
    # drift of the machine's speed during the phase falls on both roles alike.
    rls_on, rls_off = [rota300], []
    for round_number in range(1, rls_rounds + 1):
        rls_off.append(rota("bench", superuser, f"rota-bench-superuser-{round_number}"))
        if round_number < rls_rounds:
            rls_on.append(rota("bench", app, f"rota-bench-app-{round_number + 1}"))
    rls_sql = sql.replay(rota300["sql"], app, superuser)
    say(f"  the SQL alone ({rls_sql['statements']} statements, {rls_sql['runs']} times each): "
        f"p50 {rls_sql['app']['p50_ms']} ms as {APP_ROLE}, {rls_sql['superuser']['p50_ms']} "
        f"ms as {SUPERUSER} ({rls_sql['p50_difference']:+.1%})")  # fmt: skip
    (VAR / "explain-rota-bench.txt").write_text(sql.explain(rota300["sql"], app), "utf-8")
    reuse, kept_in = reuse_env()
    say(f"rota page reused while nothing changes, kept in {kept_in}")
    reused = {
        "cache": kept_in,
        "rota50": rota("bench50", app, "rota-bench50-reused", "--with-rows", env=reuse),
        "rota300": rota("bench", app, "rota-bench-reused", "--with-rows", env=reuse),
    }

    monitor.phase("throughput under gunicorn (3 variants)")
    loads = {}
    for variant, label in VARIANTS.items():
        say(f"throughput under gunicorn at 50 employees, rota {label} ({args.seconds:.0f} s "
            f"per target, {args.concurrency} connections)")  # fmt: skip
        loads[variant] = throughput("bench50", week, args, variant)
        say(f"  ratio rota / trivial: {loads[variant]['ratio']:.1%}")

    monitor.phase("the middleware stack")
    say("the middleware stack in-process, a middleware at a time (bench/stack.py)")
    run([sys.executable, "-m", "bench.stack", "--slug", "bench50", "--out",
         str(VAR / "stack.json")], django_env(app), VAR / "stack.log")  # fmt: skip
    stack = json.loads((VAR / "stack.json").read_text(encoding="utf-8"))
    say(f"  {stack['stack_calls']} calls and {stack['stack_queries']} queries a trivial request "
        f"(bare Django {stack['bare_calls']} calls)")  # fmt: skip
    say("bare Django and the trivial view through the middleware under gunicorn (wrk)")
    bare = bare_and_stack("bench50", args)
    say(f"  trivial through the middleware / bare Django: {bare['ratio']:.1%}")

    monitor.phase("audit log growth")
    audit_runs: list[dict[str, Any]] = []
    have = 0
    for size in growth.audit_sizes():
        say(f"audit log of bench: {size - have:,} entries more, then its pages and exports")
        run([sys.executable, "-m", "bench.audit_seed", "--admin-url", superuser, "--slug",
             "bench", "--count", str(size - have)], django_env(superuser),
            VAR / f"audit-seed-{size}.log")  # fmt: skip
        have = size
        out = VAR / f"audit-{size}.json"
        run([sys.executable, "-m", "bench.growth", "--slug", "bench", "--runs",
             str(max(5, args.runs // 5)), "--out", str(out)], django_env(app),
            VAR / f"audit-{size}.log")  # fmt: skip
        audit_runs.append(json.loads(out.read_text(encoding="utf-8")))
        cases = audit_runs[-1]["cases"]
        say(f"  page p50 {cases['page']['p50_ms']} ms; search p95 "
            f"{max(v['p95_ms'] for k, v in cases.items() if k.startswith('search'))} ms; CSV "
            f"export {audit_runs[-1]['exports']['csv']['seconds']} s")  # fmt: skip
    say("throughput of the audit log page against the trivial view (wrk)")
    audit_load = throughput("bench", week, args, "computed", page="/bench/audit/")
    audit_load["entries"] = have
    audit_load["target"] = audit_load["rota"]
    say(f"  ratio audit log / trivial: {audit_load['ratio']:.1%}")

    monitor.phase("rules and publish")
    say("rules: violations_for over the week of bench")
    rules = measure("rules", "bench", app, "rules-bench", "--week", week.isoformat(),
                    "--runs", "10")  # fmt: skip
    say(f"  {rules['shifts']} shifts: median {rules['median_s']} s, {rules['hard']} hard and "
        f"{rules['soft']} soft rule breaks")  # fmt: skip
    say("publish: week_publish of the whole week of bench")
    publish = measure("publish", "bench", app, "publish-bench", "--week", week.isoformat())
    say(
        f"  {publish['published']} shifts published in {publish['service_s']} s, commit and "
        f"{publish['emails_sent']} emails after it {publish['commit_and_after_commit_s']} s"
    )
    load_after = Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3]
    say(f"load average after: {' '.join(load_after)}")
    usage = monitor.stop()
    code_changed = source_digest() != digest_before
    if code_changed:
        say("WARNING: the application's code changed while the benchmark ran: rerun it")
    say(f"CPU seconds by process group: {usage['cpu_s']}")

    results: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "week": week.isoformat(),
        "machine": machine,
        "load_before": load_before,
        "load_after": load_after,
        "monitor": usage,
        "code_changed": code_changed,
        "seed": seed,
        "rota50": rota50,
        "rota300": rota300,
        "rota1000": rota1000,
        "reused": reused,
        "stack": stack,
        "bare": bare,
        "audit_growth": audit_runs,
        "audit_throughput": audit_load,
        "rls": {"on": pooled(rls_on), "off": pooled(rls_off), "sql": rls_sql},
        "throughput": loads,
        "rules": rules,
        "publish": publish,
        "settings": vars(args),
    }
    (VAR / "results.json").write_text(json.dumps(results, indent=2, default=str), "utf-8")
    block = report.render(results)
    print(block)
    if not args.no_doc:
        report.write(DOC, block)
        say(f"results written to {DOC.relative_to(ROOT)} (and {VAR.relative_to(ROOT)}/)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
