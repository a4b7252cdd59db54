"""A small closed-loop HTTP load generator: a pool of threads, each with one keep-alive
http.client connection, sending GETs back to back for a fixed time. Counts only complete
200 responses; anything else is an error (reported, and fatal to the measurement)."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    path: str
    concurrency: int
    seconds: float
    requests: int
    errors: int
    latencies_ms: tuple[float, ...]
    # Percentiles reported by the generator itself (wrk keeps no per-request list).
    p50_ms: float | None = None
    p95_ms: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _worker(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str],
    start: threading.Barrier,
    deadline: list[float],
    counts: list[int],
    errors: list[int],
    latencies: list[float],
    index: int,
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    start.wait()
    end = deadline[0]
    while True:
        began = time.perf_counter()
        if began >= end:
            break
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                counts[index] += 1
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                errors[index] += 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
        except (OSError, http.client.HTTPException):
            errors[index] += 1
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.close()


def run_load(
    host: str, port: int, path: str, cookie: str, *, concurrency: int, seconds: float
) -> LoadResult:
    """Send GET `path` from `concurrency` connections for `seconds`."""
    headers = {"Host": f"{host}:{port}", "Cookie": cookie, "Accept": "text/html"}
    counts = [0] * concurrency
    errors = [0] * concurrency
    latencies: list[float] = []  # list.append is atomic under the GIL
    deadline = [0.0]
    started = [0.0]

    def go() -> None:  # runs once, in the last thread to reach the barrier, before any request
        started[0] = time.perf_counter()
        deadline[0] = started[0] + seconds

    barrier = threading.Barrier(concurrency, action=go)
    threads = [
        threading.Thread(
            target=_worker,
            args=(host, port, path, headers, barrier, deadline, counts, errors, latencies, i),
            daemon=True,
        )
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started[0]
    return LoadResult(
        path=path,
        concurrency=concurrency,
        seconds=elapsed,
        requests=sum(counts),
        errors=sum(errors),
        latencies_ms=tuple(latencies),
    )
