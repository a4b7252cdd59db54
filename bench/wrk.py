"""wrk (Debian's package) as the load generator: a fixed number of keep-alive connections on
two threads (the machine's cores), for a fixed time. A Lua `done` hook writes the counts and
latency percentiles as one JSON line, read here; any response other than 2xx/3xx, and any
socket error, is counted as an error (fatal to the measurement, as with bench.load)."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.load import LoadResult

REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "status_errors": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
THREADS = 2


def available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(
    host: str, port: int, path: str, cookie: str, *, concurrency: int, seconds: float
) -> LoadResult:
    if not available():
        raise SystemExit("wrk is not installed (bench/run.sh installs Debian's package wrk)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(REPORT)
    try:
        command = [
            "wrk", f"-t{min(THREADS, concurrency)}", f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s", "--timeout", "30s", "-s", script.name,
            *(["-H", f"Cookie: {cookie}"] if cookie else []), f"http://{host}:{port}{path}",
        ]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((x for x in completed.stdout.splitlines() if x.startswith("WRK ")), None)
    if completed.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({completed.returncode}): {completed.stderr[-2000:]}")
    report = json.loads(line[4:])
    return LoadResult(
        path=path,
        concurrency=concurrency,
        seconds=report["duration_us"] / 1e6,
        requests=report["requests"] - report["status_errors"],
        errors=report["status_errors"] + report["socket_errors"],
        latencies_ms=(),
        p50_ms=report["p50_us"] / 1000,
        p95_ms=report["p95_us"] / 1000,
    )
