"""Working-time rules: which shifts of a rota break which rule, and why.

A pure engine: it reads plain facts (:class:`ShiftFacts`, :class:`PersonFacts`, :class:`RuleSet`)
and returns :class:`Violation` objects. It knows nothing of models or the database, so callers
load what they need once and the rules can be tested exhaustively without either.

Open shifts (``person is None``) are ignored entirely: never checked, never counted. The other
shifts are grouped by person; a person missing from ``people`` has no positions, no sites and no
personal overrides. Every duration below is real elapsed time between UTC instants, so a night
on which the clocks change is an hour shorter or longer, as it is for the person working it.

The rules, exactly:

``overlap`` (always hard)
    Two different shifts ``a`` and ``b`` of one person overlap when
    ``a.start < b.end and b.start < a.end``. A shift ending as the next one starts does not
    overlap it. Each shift gets a violation naming the other.

``rest`` (hard when ``RuleSet.rest_is_hard``)
    Two different shifts of one person that do not overlap, with ``a.end <= b.start`` and
    ``b.start - a.end`` less than the person's minimum rest (``PersonFacts.min_rest_minutes``,
    else ``RuleSet.min_rest_minutes``). Every such pair counts, not only neighbours; exactly the
    minimum is fine. Each shift gets a violation naming the other.

``max_hours`` (hard when ``RuleSet.max_hours_is_hard``)
    "At most 48 hours in any 7 days", with work counted at the start of its shift. A shift ``s``
    is flagged when the :attr:`~ShiftFacts.paid_minutes` of the person's shifts starting in
    ``(s.start - 7 days, s.start]`` add up to more than the person's maximum
    (``PersonFacts.max_minutes_7_days``, else ``RuleSet.max_minutes_7_days``). Shifts sharing a
    start are all in each other's window; exactly the maximum is fine.

``weekly_rest`` (hard when ``RuleSet.weekly_rest_is_hard``)
    "At least 24 hours' uninterrupted rest in each 7 days" over fixed weeks, as the UK Working
    Time Regulations 1998 (reg. 11) allow. A week runs from Monday 00:00 to the next Monday
    00:00 in ``RuleSet.time_zone``, so the weeks in which the clocks change are 167 or 169 hours
    long. For each week in which the person starts at least one shift, the person is busy during
    the union of all their shifts ``[start, end)`` (unpaid breaks are not rest), clipped to the
    week, including shifts begun the week before. When the longest free stretch inside the week,
    counting from the week's start and up to its end, is shorter than
    ``RuleSet.min_weekly_rest_minutes``, every shift the person starts in that week is flagged.

``position`` and ``site`` (hard when ``RuleSet.qualification_is_hard``)
    The shift's position is not among the person's positions, or its site not among their sites.

``leave`` (always hard)
    The shift overlaps one of the person's :attr:`~PersonFacts.leave` intervals (approved leave):
    ``shift.start < leave.end and leave.start < shift.end``. Once per shift, naming the
    earliest such interval.

``unavailable`` (hard when ``RuleSet.unavailability_is_hard``)
    The same, for the person's :attr:`~PersonFacts.unavailable` intervals (the times they said
    they cannot work).

The rules over days. A *day* is a calendar day in ``RuleSet.time_zone``, and a shift belongs
to the day it *starts* on (a night from Monday 22:00 to Tuesday 06:00 is Monday's); a *working
day* is a day on which the person starts at least one shift. Each rule is off while its limit
is None; a personal value in :class:`PersonFacts` replaces the company's (and can switch a rule
on for one person).

``max_days`` (hard when ``RuleSet.max_days_is_hard``)
    More than ``max_consecutive_days`` working days in a row: every shift starting on a day
    that ends such a run is flagged, i.e. on day ``d`` when ``d - N, ..., d`` are all working
    days. Exactly N in a row is fine.

``days_off`` (hard when ``RuleSet.days_off_is_hard``)
    Days off between two working days come at least ``min_days_off`` in a row: when the
    working days ``p < d`` have ``k`` days off between them with ``1 <= k < min_days_off``,
    every shift starting on ``d`` (the day back) is flagged. Time off before the first shift
    known is not judged.

``weekends`` (hard when ``RuleSet.weekends_is_hard``)
    A weekend is the Saturday and Sunday of one week; it is worked when the person starts a
    shift on either day. At most ``max_weekends`` worked weekends in any
    ``weekends_period_weeks`` weekends in a row: every shift starting on a worked weekend is
    flagged when that weekend and the ``weekends_period_weeks - 1`` before it hold more than
    the maximum (charged to the later weekends, as the 7-day maximum is to later shifts).

``period_max_hours`` (hard when ``RuleSet.period_hours_is_hard``) and ``period_min_hours``
(never hard)
    Periods are ``hours_period_weeks`` whole weeks from local Monday 00:00, counted from Monday
    1 January 2024 (with 4-week periods: 1 January, 29 January, ...; with 1 week, every
    week). Paid work is counted at the start of its shift. A shift is flagged
    ``period_max_hours`` when the paid minutes of the person's shifts in its period starting
    no later than it add up to more than ``max_minutes_period``. When the period's paid
    minutes add up to less than ``min_minutes_period``, every shift the person starts in the
    period is flagged ``period_min_hours``, but only when the period has ended by
    ``check(complete_until=...)`` (None: always): a rota half planned is not yet short.
    Someone with no shift at all in a period is not flagged: there is no shift to flag.

``succession`` (hard when ``RuleSet.succession_is_hard``)
    A shift's kind is set by the local time it starts: early from ``early_from``, late from
    ``late_from``, night from ``night_from`` until the next ``early_from`` (minutes after
    midnight). For each ``(a, b)`` in ``forbidden_successions``, a shift of kind ``a`` on day
    ``d`` and a shift of kind ``b`` on day ``d + 1`` are both flagged, each naming the other.

How far either side of the judged shifts a caller must load context for all this is
:meth:`RuleSet.context`; a solver classifies its shift templates with :func:`kind_of` and finds
the periods with :func:`period_start`, as the engine does.

Costs: sorting each person's shifts, then one sweep per rule, so O(n log n + k) for n shifts
and k clashing pairs. Messages are written only for the shifts reported, with each text
translated once per :func:`check`."""

from scheduling.rules.days import kind_of, period_start
from scheduling.rules.engine import (
    Code,
    FactsRow,
    Kind,
    PersonFacts,
    RuleSet,
    ShiftFacts,
    Tally,
    TimeOff,
    Violation,
    check,
    check_rows,
    format_minutes,
)

__all__ = [
    "Code",
    "FactsRow",
    "Kind",
    "PersonFacts",
    "RuleSet",
    "ShiftFacts",
    "Tally",
    "TimeOff",
    "Violation",
    "check",
    "check_rows",
    "format_minutes",
    "kind_of",
    "period_start",
]
