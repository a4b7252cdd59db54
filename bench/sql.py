"""The rota page's SQL on its own: the statements of one captured request replayed, as the
application role and as the superuser, interleaved, to see row-level security's cost where it
is paid (in PostgreSQL) without the page's Python around it; and EXPLAIN ANALYZE of each
SELECT as the application role, with the tenant set as the request sets it."""

from __future__ import annotations

import statistics
import time
from typing import Any

import psycopg

from bench.measure import percentile


def _statements(queries: list[str]) -> list[str]:
    """The reads (a session write, when the request made one, is not replayed; BEGIN and
    COMMIT are the replay's own)."""
    return [q for q in queries if q.startswith("SELECT")]


def _replay(connection: psycopg.Connection[Any], statements: list[str]) -> float:
    """All the statements in one transaction (the tenant is set by one of them); ms."""
    started = time.perf_counter()
    with connection.transaction(), connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.encode())
            if cursor.description is not None:
                cursor.fetchall()
    return (time.perf_counter() - started) * 1000


def replay(
    queries: list[str], app_url: str, superuser_url: str, *, runs: int = 300, warmup: int = 30
) -> dict[str, Any]:
    statements = _statements(queries)
    samples: dict[str, list[float]] = {"app": [], "superuser": []}
    with (
        psycopg.connect(app_url, autocommit=True) as app,
        psycopg.connect(superuser_url, autocommit=True) as superuser,
    ):
        connections = {"app": app, "superuser": superuser}
        for index in range(warmup + runs):
            order = ("app", "superuser") if index % 2 else ("superuser", "app")
            for name in order:
                took = _replay(connections[name], statements)
                if index >= warmup:
                    samples[name].append(took)
    result: dict[str, Any] = {"statements": len(statements), "runs": runs}
    for name, values in samples.items():
        result[name] = {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
        }
    result["p50_difference"] = round(result["app"]["p50_ms"] / result["superuser"]["p50_ms"] - 1, 4)
    return result


def explain(queries: list[str], app_url: str) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of each SELECT, in order, in the request's transaction."""
    out: list[str] = []
    with (
        psycopg.connect(app_url, autocommit=True) as connection,
        connection.transaction(),
        connection.cursor() as cursor,
    ):
        for statement in _statements(queries):
            if "set_config(" in statement:
                cursor.execute(statement.encode())  # the tenant, as the request sets it
                continue
            cursor.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + statement.encode())
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
            out.append(f"{statement}\n\n{plan}\n")
    return ("\n" + "-" * 100 + "\n\n").join(out)
