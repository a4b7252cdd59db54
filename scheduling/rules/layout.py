"""What the engine's modules share: the codes of the rules, the kinds of shift, and a shift
of a known person as the engine keeps it: a plain tuple of plain values (id, start
and end in UTC, unpaid break, site, position, and whether its violations are wanted and
counted), read by these indexes. A busy rota has thousands, and the garbage collector stops
tracing tuples that hold nothing it traces, where it would trace every instance of a class."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from enum import StrEnum
from typing import Final


class Code(StrEnum):
    """What a :class:`~scheduling.rules.Violation` is about."""

    OVERLAP = "overlap"
    REST = "rest"
    MAX_HOURS = "max_hours"
    WEEKLY_REST = "weekly_rest"
    POSITION = "position"
    SITE = "site"
    LEAVE = "leave"
    UNAVAILABLE = "unavailable"
    MAX_DAYS = "max_days"
    DAYS_OFF = "days_off"
    WEEKENDS = "weekends"
    PERIOD_MAX_HOURS = "period_max_hours"
    PERIOD_MIN_HOURS = "period_min_hours"
    SUCCESSION = "succession"


class Kind(StrEnum):
    """A shift's kind, by the local time it starts (see RuleSet.early_from and the rest)."""

    EARLY = "early"
    LATE = "late"
    NIGHT = "night"


# A shift as the engine keeps it.
Shift = tuple[Hashable, datetime, datetime, int, Hashable, Hashable, bool, bool]


ID: Final = 0


START: Final = 1


END: Final = 2


BREAK: Final = 3


SITE: Final = 4


POSITION: Final = 5


WANTED: Final = 6


COUNTED: Final = 7
