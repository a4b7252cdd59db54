"""Hand-made benchmark-format instances for the planning tests, and where the real ones live."""

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "bench" / "nrp" / "instances"

# Seven days from a Monday (days 5 and 6 are the weekend). L may not be followed by E.
# A: may work E and at most 2 L, 960-2400 minutes, runs 2-3, days off in runs of 2+, 1 weekend.
# B: never L, same limits, no weekend at all. C: at most 1440 minutes, runs of any length.
TINY = """\
SECTION_HORIZON
7

SECTION_SHIFTS
E,480,
L,480,E

SECTION_STAFF
A,E=7|L=2,2400,960,3,2,2,1
B,E=7|L=0,2400,960,3,2,2,0
C,E=7|L=7,1440,0,7,1,1,2

SECTION_DAYS_OFF
A,3

SECTION_SHIFT_ON_REQUESTS
A,0,E,2
B,1,E,1

SECTION_SHIFT_OFF_REQUESTS
B,4,E,3

SECTION_COVER
0,E,1,10,1
0,L,1,10,1
1,E,1,10,1
2,E,1,10,1
5,E,1,10,1
"""

# A roster of TINY that keeps every hard rule. Its objective, by hand: both on-requests met
# (A,0,E and B,1,E), the off-request kept (B is off on day 4); cover 0,E has 1 (0), 0,L has
# nobody (1 short x 10), 1,E has A and B (1 over x 1), 2,E has B (0), 5,E has A (0): 11.
TINY_ROSTER = {("A", 0): "E", ("A", 1): "E", ("A", 4): "E", ("A", 5): "E"}
TINY_ROSTER |= {("B", 1): "E", ("B", 2): "E"}
TINY_OBJECTIVE = 11


def roster_csv(shifts: dict[tuple[str, int], str], extra: str = "") -> str:
    lines = ["employee,day,shift"]
    lines += [f"{who},{day},{shift}" for (who, day), shift in sorted(shifts.items())]
    return "\n".join(lines) + "\n" + extra
