"""Rule breaks recorded when the facts change, not worked out on every view.

Every service that changes shifts, time off, work profiles or the company's rules calls
:func:`refresh_breaks` for the people and times it touched, in its own transaction; the rota,
the publish review and the home page read the stored rows (:func:`stored_violations`).

What is stored is exactly what :func:`full_check` finds: each person's shifts, drafts and
published together (open shifts are never judged), checked with the person's approved leave,
unavailability and work profile against the company's rules, with every period judged complete.
A period's minimum hours are stored with the day after the period (``period_end``), and a
reader keeps them only when its view is settled up to then (checks.settled_until), as the
engine's ``complete_until`` does.

A change at some time can change the breaks of the person's shifts as far either side as the
rules look (RuleSet.context, with the people's own limits); so the breaks of the shifts
starting within that reach of the change are worked out again, from the shifts within that
reach of them, and replace the stored ones."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from django.conf import settings as django_settings
from django.db.models import QuerySet
from django.utils import translation

from scheduling import rules
from scheduling.columns import any_id, id_columns
from scheduling.models import RuleBreak, Shift
from scheduling.rules.days import period_start
from scheduling.rules.facts import profiles_of, rule_set, scheduling_settings, time_off_between
from tenancy.models import Tenant
from tenancy.prepared import SAMPLE_IDS, IdArray, company_query

# A change for the stored breaks: whose (a membership id; None: an open shift, ignored) and
# when, as [start, end) in UTC; a start or end of None stands for all time.
Span = tuple[uuid.UUID | None, dt.datetime | None, dt.datetime | None]

# Beyond the rules' own reach (RuleSet.context): a shift's own length, for those judged.
_MARGIN: Final = dt.timedelta(days=2)

_BATCH: Final = 500


@dataclass(frozen=True, slots=True)
class Found:
    """One stored (or freshly found) rule break, as plain values."""

    membership_id: uuid.UUID
    shift_id: uuid.UUID
    starts_at: dt.datetime
    code: str
    hard: bool
    message: str
    other_shift_id: uuid.UUID | None
    period_end: dt.date | None
    ordinal: int


def _found(
    tenant: Tenant,
    people: set[uuid.UUID] | None,
    changed: tuple[dt.datetime, dt.datetime] | None,
) -> tuple[list[Found], tuple[dt.datetime, dt.datetime] | None]:
    """The breaks of `people`'s shifts (None: everyone's) starting within the rules' reach of
    `changed` (None: all time), from a full check of what they need around them; with the
    window judged (None: all time)."""
    company = scheduling_settings(tenant)
    ruleset = rule_set(tenant, company)
    profiles = profiles_of(tenant, people)
    reach = ruleset.context(profiles.facts().values()) + _MARGIN
    window = None if changed is None else (changed[0] - reach, changed[1] + reach)
    shifts = Shift.objects.filter(tenant=tenant, membership__isnull=False)
    if people is not None:
        shifts = shifts.filter(membership_id__in=list(people))
    if window is not None:
        shifts = shifts.filter(start_at__lt=window[1] + reach, end_at__gt=window[0] - reach)
    rows = list(
        shifts.order_by().values_list(
            "id", "membership_id", "start_at", "end_at", "break_minutes", "site_id", "position_id"
        )
    )
    if not rows:
        return [], window
    everyone = {row[1] for row in rows}
    first = min(row[2] for row in rows) - reach
    last = max(row[3] for row in rows) + reach
    away = time_off_between(tenant, first, last, everyone, read_everyone=people is None)
    only = None
    if window is not None:
        only = {row[0] for row in rows if window[0] <= row[2] < window[1]}
    with translation.override(django_settings.LANGUAGE_CODE):
        found = rules.check_rows(rows, profiles.facts(away), ruleset, only=only)
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    weeks = ruleset.hours_period_weeks
    facts: dict[Hashable, Any] = {row[0]: row for row in rows}
    out: list[Found] = []
    for shift_id, violations in found.items():
        row = facts[shift_id]
        for ordinal, violation in enumerate(violations):
            period_end = None
            if violation.code == rules.Code.PERIOD_MIN_HOURS:
                day = row[2].astimezone(zone).date()
                period_end = period_start(day, weeks) + dt.timedelta(weeks=weeks)
            out.append(Found(
                membership_id=row[1], shift_id=row[0], starts_at=row[2], code=violation.code,
                hard=violation.hard, message=violation.message,
                other_shift_id=violation.other_shift_id,  # type: ignore[arg-type]
                period_end=period_end, ordinal=ordinal,
            ))  # fmt: skip
    return out, window


def refresh_breaks(tenant: Tenant, spans: Iterable[Span]) -> None:
    """Work out again the stored breaks that the changes `spans` can touch (see Span) and
    replace them, in the caller's transaction and tenant context. Call it after the change is
    saved, with where things were and where they are now (a shift moved from one person or day
    to another names both)."""
    wanted = [span for span in spans if span[0] is not None]
    if not wanted:
        return
    people = {span[0] for span in wanted if span[0] is not None}
    starts = [span[1] for span in wanted]
    ends = [span[2] for span in wanted]
    changed: tuple[dt.datetime, dt.datetime] | None = None
    if all(s is not None for s in starts) and all(e is not None for e in ends):
        changed = (min(s for s in starts if s), max(e for e in ends if e))
    _replace(tenant, people, changed)


def refresh_people(tenant: Tenant, people: Iterable[uuid.UUID]) -> None:
    """Work out again every stored break of `people` (their work profile or weekly
    availability changed: all their shifts may be judged differently)."""
    refresh_breaks(tenant, [(person, None, None) for person in people])


def refresh_company(tenant: Tenant) -> int:
    """Work out again every stored break of the company (its rules or time zone changed, or
    the table is being filled): people in batches. Returns how many breaks are stored."""
    people = sorted(
        set(
            Shift.objects.filter(tenant=tenant, membership__isnull=False)
            .order_by()
            .values_list("membership_id", flat=True)
            .distinct()
        )
    )
    RuleBreak.objects.filter(tenant=tenant).exclude(membership_id__in=people).delete()
    for index in range(0, len(people), _BATCH):
        _replace(tenant, set(people[index : index + _BATCH]), None)
    return RuleBreak.objects.filter(tenant=tenant).count()


def _replace(
    tenant: Tenant, people: set[uuid.UUID], changed: tuple[dt.datetime, dt.datetime] | None
) -> None:
    found, window = _found(tenant, people, changed)
    stale = RuleBreak.objects.filter(tenant=tenant, membership_id__in=list(people))
    if window is not None:
        stale = stale.filter(starts_at__gte=window[0], starts_at__lt=window[1])
    stale.delete()
    RuleBreak.objects.bulk_create(
        [RuleBreak(tenant=tenant, **_fields(each)) for each in found], batch_size=1000
    )


def _fields(each: Found) -> dict[str, Any]:
    return {name: getattr(each, name) for name in Found.__slots__}


def full_check(tenant: Tenant) -> list[Found]:
    """Every rule break of the company worked out from scratch (what the stored rows must
    equal), in a stable order."""
    return sorted(_found(tenant, None, None)[0], key=_order)


def stored(tenant: Tenant) -> list[Found]:
    """Every stored rule break of the company, in the same order as full_check."""
    rows = RuleBreak.objects.filter(tenant=tenant).values_list(*Found.__slots__)
    return sorted((Found(*row) for row in rows), key=_order)


# A stored code back to its member: a dict look-up, where calling the enum (Code(code)) costs
# about ten times more, once per stored break the rota reads (1,700 at 1,000 people).
_CODES: Final = {code.value: code for code in rules.Code}


def _order(each: Found) -> tuple[str, int]:
    return (str(each.shift_id), each.ordinal)


_BREAK_COLUMNS: Final = {
    text_ids: (*id_columns(text_ids, "shift_id", "other_shift_id"), "code", "hard", "message",
               "period_end", "ordinal")
    for text_ids in (True, False)
}  # fmt: skip


def _breaks_of(
    tenant_id: uuid.UUID, shifts: IdArray, *, text_ids: bool
) -> QuerySet[RuleBreak, Any]:
    return RuleBreak.objects.filter(any_id("shift_id", shifts), tenant_id=tenant_id).values_list(
        *_BREAK_COLUMNS[text_ids]
    )


# The rota reads the breaks of the shifts of its rows on every request: compiled once
# (tenancy/prepared.py). By whether the ids are text.
_BREAKS_OF: Final = {
    text_ids: company_query(partial(_breaks_of, text_ids=text_ids), shifts=SAMPLE_IDS)
    for text_ids in (True, False)
}  # fmt: skip


def stored_violations(
    tenant: Tenant,
    shifts: QuerySet[Shift] | Sequence[Hashable],
    *,
    text_ids: bool = False,
    settled: dt.datetime | None = None,
) -> dict[Hashable, list[rules.Violation]]:
    """The stored breaks of `shifts` (a query of shifts, or their ids), per shift id, each list
    in the engine's order. One query. A period's minimum hours count only when the period
    ends by `settled` (checks.settled_until; None: none of them). Ids are text when
    `text_ids` (the rota's)."""
    rows: Iterable[tuple[Any, ...]]
    if isinstance(shifts, QuerySet):
        rows = RuleBreak.objects.filter(
            shift_id__in=shifts.order_by().values("id"), tenant=tenant
        ).values_list(*_BREAK_COLUMNS[text_ids])
    else:
        ids = IdArray.of(shifts)
        if not ids:  # no query, as the ORM's `__in` of none
            return {}
        rows = _BREAKS_OF[text_ids].run(tenant_id=tenant.pk, shifts=ids)
    settled_day = None
    if settled is not None:
        settled_day = settled.astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()
    found: dict[Hashable, list[tuple[int, rules.Violation]]] = {}
    for shift_id, other, code, hard, message, period_end, ordinal in rows:
        if period_end is not None and (settled_day is None or period_end > settled_day):
            continue
        member = _CODES.get(code) or rules.Code(code)
        violation = rules.Violation(
            shift_id=shift_id, code=member, hard=hard, message=message, other_shift_id=other
        )
        found.setdefault(shift_id, []).append((ordinal, violation))
    return {pk: [v for _o, v in sorted(vs, key=_first)] for pk, vs in found.items()}


def _first(pair: tuple[int, rules.Violation]) -> int:
    return pair[0]


def refresh_shifts(tenant: Tenant, shifts: Iterable[Shift]) -> None:
    """refresh_breaks for shifts as they are (or were): each one's person and times."""
    refresh_breaks(tenant, [(s.membership_id, s.start_at, s.end_at) for s in shifts])


def span_of_dates(tenant: Tenant, person: uuid.UUID, first: dt.date, last: dt.date) -> Span:
    """The span of `person`'s local days `first` to `last` (inclusive), in UTC."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return (person, start, end.astimezone(dt.UTC))


__all__ = [
    "Found",
    "Span",
    "full_check",
    "refresh_breaks",
    "refresh_company",
    "refresh_people",
    "refresh_shifts",
    "span_of_dates",
    "stored",
    "stored_violations",
]
