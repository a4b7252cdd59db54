"""Why: for every gap, what stopped each qualified person (by the engine, counted); for every
assignment, why that person; and hours against contract."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.product.problem import BuildInput, Group
from planning.product.solver import Proposal, proposed_rows
from scheduling import rules


@dataclass(frozen=True)
class Gap:
    group: str
    label: str
    missing: int
    reason: str
    counts: dict[str, int]


def _reason_words(code: str, inp: BuildInput) -> str:
    r = inp.rules
    words = {
        rules.Code.LEAVE.value: _("on leave"),
        rules.Code.UNAVAILABLE.value: _("unavailable"),
        rules.Code.OVERLAP.value: _("already working then"),
        rules.Code.REST.value: _("would get less than %(rest)s rest") % {
            "rest": rules.format_minutes(r.min_rest_minutes)},
        rules.Code.MAX_HOURS.value: _("would pass %(hours)s in 7 days") % {
            "hours": rules.format_minutes(r.max_minutes_7_days)},
        rules.Code.WEEKLY_REST.value: _("would lose their weekly rest"),
        rules.Code.MAX_DAYS.value: _("would work too many days in a row"),
        rules.Code.DAYS_OFF.value: _("would get too few days off in a row"),
        rules.Code.WEEKENDS.value: _("would work too many weekends"),
        rules.Code.PERIOD_MAX_HOURS.value: _("would pass the hours allowed in the period"),
        rules.Code.SUCCESSION.value: _("would work a shift that may not follow the one before"),
        "excluded": _("their fixed shifts already break a rule"),
        "free": _("free, but not placed within the time limit"),
    }  # fmt: skip
    return words.get(code, code)


def _probe_code(inp: BuildInput, group: Group, person: Hashable,
                taken: list[rules.FactsRow]) -> str:  # fmt: skip
    """The first hard rule `person` would break by also working `group`, with what stays and
    everything proposed; "free" when none."""
    facts, reach = inp.people[person], inp.context
    rows = [row for row in (*inp.fixed, *taken) if row[1] == person
            and row[2] < group.end + reach and row[3] > group.start - reach]  # fmt: skip
    before = {(v.shift_id, v.code) for vs in rules.check_rows(rows, {person: facts}, inp.rules)
              .values() for v in vs if v.hard}  # fmt: skip
    found = rules.check_rows([*rows, group.facts("probe", person)], {person: facts}, inp.rules)
    codes = sorted({v.code.value for vs in found.values() for v in vs
                    if v.hard and (v.shift_id, v.code) not in before})  # fmt: skip
    return codes[0] if codes else "free"


def gaps(inp: BuildInput, proposal: Proposal) -> list[Gap]:
    """One entry per group left short, its reason counted over the qualified people."""
    taken = proposed_rows(inp, proposal.assignments)
    out: list[Gap] = []
    groups = {g.key: g for g in inp.groups}
    for key, units in proposal.short.items():
        group = groups[key]
        qualified = [p for p, f in inp.people.items()
                     if group.position in f.positions and group.site in f.sites]  # fmt: skip
        position = inp.position_names.get(group.position, str(group.position))
        counts: Counter[str] = Counter()
        for person in qualified:
            if person in proposal.excluded:
                counts["excluded"] += 1
            else:
                counts[_probe_code(inp, group, person, taken)] += 1
        if not qualified:
            reason = _("nobody is qualified as %(position)s at this site") % {"position": position}
        else:
            parts = [f"{n} {_reason_words(code, inp)}" for code, n in counts.most_common()]
            reason = ngettext(
                "%(n)d qualified %(position)s: %(parts)s",
                "%(n)d qualified %(position)s: %(parts)s", len(qualified),
            ) % {"n": len(qualified), "position": position, "parts": ", ".join(parts)}  # fmt: skip
        if proposal.status == "infeasible":
            reason = _("no solution was found within the time limit; ") + reason
        for message in proposal.dropped.get(key, []):
            reason += " " + _("(a proposal was withdrawn: %(why)s)") % {"why": message}
        out.append(Gap(key, group.label, len(units), reason, dict(counts)))
    return out


def minutes_by_person(inp: BuildInput, proposal: Proposal) -> dict[Hashable, tuple[int, int]]:
    """(minutes that stay, minutes proposed) in the horizon, per person."""
    fixed: dict[Hashable, int] = defaultdict(int)
    for row in inp.fixed:
        if row[1] is not None and inp.horizon_start <= row[2] < inp.horizon_end:
            fixed[row[1]] += int((row[3] - row[2]).total_seconds() // 60) - row[4]
    new: dict[Hashable, int] = defaultdict(int)
    groups = {g.key: g for g in inp.groups}
    for a in proposal.assignments:
        new[a.person] += groups[a.group].paid_minutes
    return {p: (fixed.get(p, 0), new.get(p, 0)) for p in set(fixed) | set(new)}


def assignment_reason(inp: BuildInput, person: Hashable, hours: tuple[int, int]) -> str:
    """Why this person: qualified and free by every hard rule (the engine's check passed), and
    where it leaves them against their contract."""
    worked = rules.format_minutes(sum(hours))
    contract = inp.contract_minutes.get(person)
    if contract is None:
        load = _("%(worked)s in the period, no contracted hours") % {"worked": worked}
    else:
        load = _("%(worked)s of %(contract)s contracted in the period") % {
            "worked": worked, "contract": rules.format_minutes(contract)}  # fmt: skip
    return _("Qualified and free: no leave, rest, 7-day or weekly-rest rule broken; %(load)s.") % {
        "load": load
    }
