"""The Curtois & Qu benchmark adapter: instance text to a Problem, and a roster to CSV."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TextIO

from planning.problem import Cover, Person, Problem, ShiftRequest, ShiftType

# Every instance starts on a Monday; any Monday gives the same weekends.
BENCHMARK_START = date(2024, 1, 1)


def _sections(text: str) -> dict[str, list[list[str]]]:
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("SECTION_"):
            current = sections.setdefault(line, [])
            continue
        if current is None:
            raise ValueError(f"data before any section: {raw!r}")
        current.append([cell.strip() for cell in line.split(",")])
    return sections


def parse_instance(text: str, name: str = "instance") -> Problem:
    sections = _sections(text)
    num_days = int(sections["SECTION_HORIZON"][0][0])
    shift_types = tuple(
        ShiftType(
            id=row[0],
            minutes=int(row[1]),
            forbidden_next=frozenset(x for x in (row[2] if len(row) > 2 else "").split("|") if x),
        )
        for row in sections["SECTION_SHIFTS"]
    )
    days_off: dict[str, frozenset[int]] = {}
    for row in sections.get("SECTION_DAYS_OFF", []):
        days_off[row[0]] = days_off.get(row[0], frozenset()) | {int(d) for d in row[1:] if d}
    people = []
    for row in sections["SECTION_STAFF"]:
        person_id, max_shifts_cell, max_min, min_min, max_cons, min_cons, min_off, max_we = row
        max_shifts = {}
        for pair in max_shifts_cell.split("|"):
            if pair:
                shift_id, limit = pair.split("=")
                max_shifts[shift_id] = int(limit)
        people.append(
            Person(
                id=person_id,
                shift_types=frozenset(
                    s.id for s in shift_types if max_shifts.get(s.id, num_days) > 0
                ),
                max_shifts=max_shifts,
                min_minutes=int(min_min),
                max_minutes=int(max_min),
                max_consecutive_days=int(max_cons),
                min_consecutive_days=int(min_cons),
                min_consecutive_days_off=int(min_off),
                max_weekends=int(max_we),
                days_off=days_off.get(person_id, frozenset()),
            )
        )

    def requests(section: str) -> tuple[ShiftRequest, ...]:
        return tuple(
            ShiftRequest(person=row[0], day=int(row[1]), shift_type=row[2], weight=int(row[3]))
            for row in sections.get(section, [])
        )

    covers = tuple(
        Cover(
            day=int(row[0]),
            shift_type=row[1],
            requirement=int(row[2]),
            weight_under=int(row[3]),
            weight_over=int(row[4]),
        )
        for row in sections.get("SECTION_COVER", [])
    )
    return Problem(
        name=name,
        start=BENCHMARK_START,
        num_days=num_days,
        shift_types=shift_types,
        people=tuple(people),
        covers=covers,
        on_requests=requests("SECTION_SHIFT_ON_REQUESTS"),
        off_requests=requests("SECTION_SHIFT_OFF_REQUESTS"),
    )


def load_instance(path: Path) -> Problem:
    return parse_instance(path.read_text(encoding="utf-8"), name=path.stem)


def write_roster(out: TextIO, assignment: Mapping[tuple[str, int], str]) -> None:
    """One `employee,day,shift` line per assigned shift, sorted; a missing pair is a day off."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["employee", "day", "shift"])
    for (person, day), shift in sorted(
        assignment.items(), key=lambda item: (item[0][0], item[0][1])
    ):
        writer.writerow([person, day, shift])
