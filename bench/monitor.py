"""What else used the machine while the benchmark ran: the load average, and CPU seconds by
process group (the benchmark's own process tree, PostgreSQL, everything else by name), sampled
from /proc every few seconds. Processes that live less than a sample apart are not seen."""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, int, float]]:
    """pid -> (name, parent pid, CPU seconds so far)."""
    found: dict[int, tuple[str, int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is the state, [1] the parent, [11] and [12] user and system ticks.
        found[int(entry.name)] = (name, int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def _load1() -> float:
    return float(Path("/proc/loadavg").read_text(encoding="utf-8").split()[0])


class Monitor:
    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self.root = os.getpid()
        self.loads: list[float] = []
        self.cpu: dict[str, float] = defaultdict(float)
        self.previous: dict[int, tuple[str, int, float]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.started = 0.0
        self.lock = threading.Lock()
        # (phase, start time, CPU seconds by group so far, index of the first load sample)
        self.marks: list[tuple[str, float, dict[str, float], int]] = []

    def _group(self, pid: int, table: dict[int, tuple[str, int, float]]) -> str:
        name = table[pid][0]
        seen = 0
        current = pid
        while current in table and seen < 64:
            if current == self.root:
                return "benchmark (this run's processes)"
            current = table[current][1]
            seen += 1
        if name.startswith(("postgres", "postmaster")):
            return "postgres (all databases)"
        if name.startswith("redis-server"):
            return "redis (all clients; the reused rota weeks)"
        return name

    def _sample(self) -> None:
        with self.lock:
            self._sample_locked()

    def _sample_locked(self) -> None:
        table = _processes()
        for pid, (_name, _parent, seconds) in table.items():
            before = self.previous.get(pid)
            used = seconds - before[2] if before is not None else 0.0
            if used > 0:
                self.cpu[self._group(pid, table)] += used
        self.previous = table
        self.loads.append(_load1())

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            self._sample()

    def start(self) -> None:
        self.started = time.monotonic()
        self.previous = _processes()
        self.loads.append(_load1())
        self.thread.start()

    def phase(self, name: str) -> None:
        """Start a named phase (the previous one ends here)."""
        with self.lock:
            self._sample_locked()
            self.marks.append((name, time.monotonic(), dict(self.cpu), len(self.loads) - 1))

    def stop(self) -> dict[str, Any]:
        self.stopping.set()
        self.thread.join()
        self._sample()
        wall = time.monotonic() - self.started
        cpus = os.cpu_count() or 1
        ranked = sorted(self.cpu.items(), key=lambda item: -item[1])
        ends = [*self.marks[1:], ("end", time.monotonic(), dict(self.cpu), len(self.loads) - 1)]
        phases = []
        for (name, began, cpu_before, first), (_next, ended, cpu_after, last) in zip(
            self.marks, ends, strict=True
        ):
            others = sum(
                seconds - cpu_before.get(group, 0.0)
                for group, seconds in cpu_after.items()
                if not group.startswith(("benchmark", "postgres", "redis"))
            )
            loads = self.loads[first : last + 1]
            phases.append(
                {
                    "phase": name,
                    "wall_s": round(ended - began, 1),
                    "load1_min": min(loads),
                    "load1_max": max(loads),
                    "others_cpu_share": round(others / max(ended - began, 1e-9) / cpus, 3),
                }
            )
        return {
            "phases": phases,
            "wall_s": round(wall, 1),
            "cpus": cpus,
            "load1_min": min(self.loads),
            "load1_median": statistics.median(self.loads),
            "load1_max": max(self.loads),
            "cpu_s": {name: round(seconds, 1) for name, seconds in ranked if seconds >= 1},
            # Share of the machine's CPU time (wall x CPUs) used by each group.
            "cpu_share": {
                name: round(seconds / (wall * cpus), 3) for name, seconds in ranked if seconds >= 1
            },
        }
