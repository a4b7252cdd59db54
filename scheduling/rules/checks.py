"""Rule checks over stored shifts: a set of shifts judged with the same people's published shifts
around them, and what publishing would add."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Hashable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import QuerySet

from scheduling import rules
from scheduling.columns import Epoch, from_epoch, id_columns
from scheduling.models import (
    SchedulingSettings,
    Shift,
)
from scheduling.rules.facts import (
    FACT_END,
    FACT_ID,
    FACT_PERSON,
    FACT_START,
    FactsRow,
    Profiles,
    TimeOff,
    profiles_of,
    rule_set,
    scheduling_settings,
    shift_facts,
    time_off,
)
from tenancy.models import Tenant

# Rules look this far either side of the shifts being checked (rest, 7-day windows, weeks),
# and further when the company or a person has rules over days (see context_of).
RULE_CONTEXT = dt.timedelta(days=8)


def context_of(
    tenant: Tenant, settings: SchedulingSettings, profiles: Profiles[Any]
) -> dt.timedelta:
    """How far either side of the shifts being checked the rules look, for this company's rules
    and these people's own limits: RULE_CONTEXT, or up to a period of weeks more."""
    return rule_set(tenant, settings).context(profiles.facts().values())


def settled_until(tenant: Tenant, rows: Iterable[FactsRow]) -> dt.datetime | None:
    """The end (next Monday 00:00, local) of the week of the last of `rows` to start: the
    rota is taken as settled up to then, so a period ending by then is judged for its minimum
    hours (rules.check's complete_until), and one ending later is still being planned."""
    starts = [row[FACT_START] for row in rows if row[FACT_PERSON] is not None]
    if not starts:
        return None
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    day = max(starts).astimezone(zone).date()
    monday = day + dt.timedelta(days=7 - day.weekday())
    return dt.datetime.combine(monday, dt.time(), tzinfo=zone)


@dataclass(frozen=True)
class Loaded:
    """Shifts the caller has read already (`query`), with ids as text: every shift at
    `site_ids` starting in [start, end), of which `published` are the published ones."""

    query: QuerySet[Shift]
    published: list[FactsRow]
    site_ids: set[str]
    start: dt.datetime
    end: dt.datetime


def _published_context(
    tenant: Tenant,
    judged: list[FactsRow],
    loaded: Loaded | None = None,
    reach: dt.timedelta = RULE_CONTEXT,
) -> dict[Hashable, FactsRow]:
    """The published shifts of the people of `judged` within `reach` of them, at any site
    (rest and hours are the person's, whoever scheduled them), as the rules' facts (no model
    instances: a busy week has thousands). Drafts elsewhere are not commitments yet, so they
    neither count nor block. One query. Ids are text when `loaded` is given (the rota), else
    uuid.UUID."""
    people = {facts[FACT_PERSON] for facts in judged if facts[FACT_PERSON] is not None}
    if not people:
        return {}
    first = min(facts[FACT_START] for facts in judged) - reach
    last = max(facts[FACT_END] for facts in judged) + reach
    query = Shift.objects.filter(
        tenant=tenant, status=Shift.Status.PUBLISHED, start_at__lt=last, end_at__gt=first
    )
    known: dict[Hashable, FactsRow] = {}
    if loaded is None:
        query = query.filter(membership_id__in=list(people))
    else:  # read those rows once, not twice
        # The people as a subquery (of everyone in what was read: a few more, whom the rules
        # skip), not as hundreds of ids to send.
        query = query.filter(
            membership_id__in=loaded.query.values("membership_id")
        ).exclude(
            site_id__in=list(loaded.site_ids), start_at__gte=loaded.start, start_at__lt=loaded.end
        )  # fmt: skip
        known = {
            facts[FACT_ID]: facts for facts in loaded.published if facts[FACT_PERSON] in people
        }
    text_ids = loaded is not None
    rows = query.values_list(
        *id_columns(text_ids, "id", "membership_id"), Epoch("start_at"), Epoch("end_at"),
        "break_minutes", *id_columns(text_ids, "site_id", "position_id"),
    )  # fmt: skip
    return known | {
        pk: (pk, person, from_epoch(start), from_epoch(end), breaks, site, position)
        for pk, person, start, end, breaks, site, position in rows
    }


def _check(
    tenant: Tenant,
    facts: Iterable[FactsRow],
    settings: SchedulingSettings,
    profiles: Profiles[Any],
    only: set[Hashable] | None = None,
    tally: rules.Tally | None = None,
    count: AbstractSet[Hashable] = frozenset(),
    away: TimeOff | None = None,
    complete_until: dt.datetime | None = None,
) -> dict[Hashable, list[rules.Violation]]:
    """The rules over `facts`; `away` is read here (3 queries) unless the caller has it.
    `complete_until`: see settled_until."""
    rows = facts if isinstance(facts, list) else list(facts)
    if away is None:
        away = time_off(tenant, rows)
    return rules.check_rows(
        rows, profiles.facts(away), rule_set(tenant, settings), only=only, count=count,
        tally=tally, complete_until=complete_until,
    )  # fmt: skip


def violations_for(
    tenant: Tenant,
    shifts: list[Shift],
    *,
    settings: SchedulingSettings | None = None,
    profiles: Profiles[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[rules.Violation]]:
    """The rule breaks of `shifts`, judged together with the same people's published shifts
    around them. Three to five queries, whatever the number of shifts."""
    judged = [shift_facts(shift) for shift in shifts]
    people = {shift.membership_id for shift in shifts if shift.membership_id is not None}
    if not people:
        return {}
    found = violations_in_context(
        tenant, judged, settings or scheduling_settings(tenant),
        profiles or profiles_of(tenant, people),
    )  # fmt: skip
    return cast(dict[uuid.UUID, list[rules.Violation]], found)


def shift_violations(tenant: Tenant, shift: Shift) -> list[rules.Violation]:
    """The rule breaks of one shift as the rota shows them: judged with the published shifts
    around it and with its person's other drafts (a draft overlapping another draft is a break
    on the grid, so the shift's dialog says so too). One query more than violations_for."""
    if shift.membership_id is None:
        return []
    settings = scheduling_settings(tenant)
    profiles = profiles_of(tenant, [shift.membership_id])
    reach = context_of(tenant, settings, profiles)
    drafts = list(
        Shift.objects.filter(
            tenant=tenant, membership_id=shift.membership_id, status=Shift.Status.DRAFT,
            start_at__lt=shift.end_at + reach, end_at__gt=shift.start_at - reach,
        ).exclude(pk=shift.pk)
    )  # fmt: skip
    found = violations_for(tenant, [shift, *drafts], settings=settings, profiles=profiles)
    return found.get(shift.pk, [])


def violations_in_context(
    tenant: Tenant,
    judged: list[FactsRow],
    settings: SchedulingSettings,
    profiles: Profiles[Any],
    loaded: Loaded | None = None,
    *,
    described: set[Hashable] | None = None,
    tally: rules.Tally | None = None,
    away: TimeOff | None = None,
) -> dict[Hashable, list[rules.Violation]]:
    """The rule breaks of `judged`, with their context (see violations_for); with `tally`,
    only those of `described` are returned, and every one of `judged` is counted there."""
    if not any(facts[FACT_PERSON] is not None for facts in judged):
        return {}
    # Unsaved or just-changed shifts under judgement replace their stored versions.
    facts = _published_context(tenant, judged, loaded, context_of(tenant, settings, profiles))
    facts.update({row[FACT_ID]: row for row in judged})
    ids = {row[FACT_ID] for row in judged}
    until = settled_until(tenant, judged)
    if tally is None:
        return _check(tenant, facts.values(), settings, profiles, only=ids, away=away,
                      complete_until=until)  # fmt: skip
    return _check(tenant, facts.values(), settings, profiles, only=described or set(),
                  tally=tally, count=ids, away=away, complete_until=until)  # fmt: skip


def _keys(found: dict[Hashable, list[rules.Violation]]) -> set[tuple[object, ...]]:
    return {(v.shift_id, v.code, v.other_shift_id) for vs in found.values() for v in vs if v.hard}


def hard_violations_added(
    tenant: Tenant, changed: list[Shift]
) -> dict[uuid.UUID, list[rules.Violation]]:
    """The hard rule breaks that `changed` (drafts about to be published, or a new version of
    a published shift) would add to what is published: on those shifts themselves, and on
    published shifts that only break a rule because of them (48 hours in 7 days is charged to
    the later shift; weekly rest to every shift of the week). Breaks that exist anyway do not
    count. Four to six queries."""
    return _after_and_added(tenant, changed)[1]


def violations_added_each(
    tenant: Tenant, candidates: list[Shift]
) -> dict[uuid.UUID, tuple[list[rules.Violation], list[rules.Violation]]]:
    """For each of `candidates` taken on its own (say, every open shift a person could claim:
    one of them, not all at once), the hard breaks it would add to what is published and the
    soft breaks it would itself have. The context (published shifts, profiles, settings, time
    off) is read once for all: four to six queries, whatever the number of candidates."""
    people = {shift.membership_id for shift in candidates if shift.membership_id is not None}
    if not people:
        return {}
    settings = scheduling_settings(tenant)
    profiles = profiles_of(tenant, people)
    judged = [shift_facts(shift) for shift in candidates]
    published = _published_context(tenant, judged, reach=context_of(tenant, settings, profiles))
    until = settled_until(tenant, judged)
    everything = dict(published)
    everything.update({shift.pk: shift_facts(shift) for shift in candidates})
    away = time_off(tenant, list(everything.values()))
    before = _keys(_check(tenant, published.values(), settings, profiles, away=away,
                          complete_until=until))  # fmt: skip
    found: dict[uuid.UUID, tuple[list[rules.Violation], list[rules.Violation]]] = {}
    for shift in candidates:
        facts = dict(published)
        facts[shift.pk] = shift_facts(shift)
        after = _check(tenant, facts.values(), settings, profiles, away=away,
                       complete_until=until)  # fmt: skip
        hard = [v for vs in after.values() for v in vs
                if v.hard and (v.shift_id, v.code, v.other_shift_id) not in before]  # fmt: skip
        soft = [v for v in after.get(shift.pk, ()) if not v.hard]
        found[shift.pk] = (hard, soft)
    return found


def publish_review(
    tenant: Tenant, drafts: list[Shift]
) -> tuple[dict[uuid.UUID, list[rules.Violation]], dict[uuid.UUID, list[rules.Violation]]]:
    """What the publish page shows of `drafts`: every rule break of each (as violations_for
    finds them) and the hard breaks publishing would add (as hard_violations_added finds
    them), from one read of their context."""
    after, added = _after_and_added(tenant, drafts)
    ids = {shift.pk for shift in drafts}
    return {cast(uuid.UUID, pk): vs for pk, vs in after.items() if pk in ids and vs}, added


def _after_and_added(
    tenant: Tenant, changed: list[Shift]
) -> tuple[dict[Hashable, list[rules.Violation]], dict[uuid.UUID, list[rules.Violation]]]:
    """The rule breaks of everything once `changed` is in (theirs and the published shifts'
    around them), and the hard ones of those that `changed` adds."""
    people = {shift.membership_id for shift in changed if shift.membership_id is not None}
    if not people:
        return {}, {}
    settings = scheduling_settings(tenant)
    profiles = profiles_of(tenant, people)
    judged = [shift_facts(shift) for shift in changed]
    published = _published_context(tenant, judged, reach=context_of(tenant, settings, profiles))
    until = settled_until(tenant, judged)
    after_facts = dict(published)
    after_facts.update({shift.pk: shift_facts(shift) for shift in changed})
    away = time_off(tenant, list(after_facts.values()))
    before = _check(tenant, published.values(), settings, profiles, away=away,
                    complete_until=until)  # fmt: skip
    after = _check(tenant, after_facts.values(), settings, profiles, away=away,
                   complete_until=until)  # fmt: skip
    new = _keys(after) - _keys(before)
    added: dict[uuid.UUID, list[rules.Violation]] = {}
    for pk, violations in after.items():
        kept = [v for v in violations if (v.shift_id, v.code, v.other_shift_id) in new]
        if kept:
            added[cast(uuid.UUID, pk)] = kept
    return after, added
