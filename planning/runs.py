"""Auto-build runs: start one (refused while another holds the same site and week), run it as
a job that reports progress and can be cancelled, and accept all or some of what it proposes
as draft shifts through the rota's own service. Nothing here publishes."""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.events import Event, emit
from planning.demand import Horizon, build_input
from planning.models import BuildRun, BuildRunWeek
from planning.product import explain
from planning.product.problem import BuildInput
from planning.product.solver import Proposal, build
from planning.services import require_scheduled_site
from scheduling import rules
from scheduling.models import Position, Shift, Site
from scheduling.rota.services import ShiftInput, shift_delete, shift_save
from scheduling.rules.facts import profiles_of, rule_set, scheduling_settings, time_off_between
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

logger = logging.getLogger("parim.planning")

MAX_WEEKS = 4
MAX_SECONDS = 600
STALE_GRACE_SECONDS = 300
BUSY = _("An auto-build for this site and week is already running. Wait for it to finish, or "
         "cancel it, before starting another.")  # fmt: skip


def run_start(
    *, tenant: Tenant, actor: Membership, site: Site, week_start: dt.date, weeks: int,
    time_limit: int, fill_open: bool = True, replace_drafts: bool = False,
) -> BuildRun:  # fmt: skip
    """Queue an auto-build. Refused (ValidationError, nothing written) for a site one does not
    schedule, a bad horizon or time limit, or while another run holds one of its weeks: the
    database's partial unique index decides, so two requests at once cannot both start."""
    from planning.tasks import run_auto_build

    errors: list[str] = []
    if week_start.weekday() != 0:
        errors.append(_("Choose a Monday to start from."))
    if not 1 <= weeks <= MAX_WEEKS:
        errors.append(_("Choose between 1 and 4 weeks."))
    if time_limit < 1:
        errors.append(_("A time limit of zero leaves the solver no time: give it at least 1 "
                        "second (30 is the default)."))  # fmt: skip
    elif time_limit > MAX_SECONDS:
        errors.append(_("The time limit can be at most 600 seconds."))
    if errors:
        raise ValidationError(errors)
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, site)
        run = BuildRun(tenant=tenant, site=site, week_start=week_start, weeks=weeks,
                       time_limit_seconds=time_limit, fill_open_shifts=fill_open,
                       replace_drafts=replace_drafts, created_by=actor)  # fmt: skip
        run.save()
        try:
            with transaction.atomic():
                BuildRunWeek.objects.bulk_create([
                    BuildRunWeek(tenant=tenant, run=run, site=site,
                                 week_start=week_start + dt.timedelta(days=7 * n))
                    for n in range(weeks)
                ])  # fmt: skip
        except IntegrityError:
            raise ValidationError(BUSY, code="busy") from None
        emit(Event.AUTOBUILD_STARTED, tenant=tenant, user=actor.user, target=run,
             data={"site": str(site.pk), "week": week_start.isoformat(), "weeks": weeks,
                   "seconds": time_limit, "fill_open": fill_open,
                   "replace_drafts": replace_drafts})  # fmt: skip
        outbox.enqueue(run_auto_build.name, str(tenant.pk), str(run.pk), tenant=tenant)
    return run


def run_cancel(*, tenant: Tenant, actor: Membership, run: BuildRun) -> None:
    """Ask a queued or running build to stop; a queued one stops at once."""
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, run.site)
        locked = BuildRun.objects.select_for_update().get(pk=run.pk)
        if not locked.is_active:
            return
        locked.cancel_requested = True
        fields = ["cancel_requested"]
        # A run that never started, or whose worker died long past its time limit, stops at
        # once and lets go of its weeks (else one lost worker would block them for ever).
        stale = timezone.now() - locked.created_at > dt.timedelta(
            seconds=locked.time_limit_seconds + STALE_GRACE_SECONDS
        )
        if locked.status == BuildRun.Status.QUEUED or stale:
            locked.status, locked.finished_at = BuildRun.Status.CANCELLED, timezone.now()
            fields += ["status", "finished_at"]
            BuildRunWeek.objects.filter(run=locked).update(active=False)
        locked.save(update_fields=fields)
        emit(Event.AUTOBUILD_CANCELLED, tenant=tenant, user=actor.user, target=locked,
             data={"site": str(locked.site_id), "week": locked.week_start.isoformat()})  # fmt: skip


def _finish(tenant: Tenant, run_id: uuid.UUID, **values: Any) -> None:
    with tenant_context(tenant), transaction.atomic():
        BuildRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), **values)
        BuildRunWeek.objects.filter(run_id=run_id).update(active=False)


def run_execute(*, tenant: Tenant, run_id: uuid.UUID, workers: int = 2) -> BuildRun | None:
    """The job: read the facts, solve within the time limit reporting progress, check and
    explain the proposal, store it. Always lets go of its weeks."""
    with tenant_context(tenant), transaction.atomic():
        run = (BuildRun.objects.select_for_update().select_related("site")
               .filter(pk=run_id, status=BuildRun.Status.QUEUED).first())  # fmt: skip
        if run is None:
            return None  # cancelled before it started, or already run
        run.status = BuildRun.Status.RUNNING
        run.save(update_fields=["status"])
    try:
        with tenant_context(tenant):
            horizon = Horizon(run.site, run.week_start, run.weeks)
            inp = build_input(tenant, horizon, fill_open=run.fill_open_shifts,
                              replace_drafts=run.replace_drafts)  # fmt: skip
        last = [0.0]

        def tick(used: float, solutions: int, best: float | None) -> bool:
            if time.monotonic() - last[0] < 0.5:
                return False
            last[0] = time.monotonic()
            with tenant_context(tenant):
                BuildRun.objects.filter(pk=run_id).update(
                    progress=min(int(used * 100), 99), solutions=solutions,
                    best_objective=None if best is None else round(best),
                )  # fmt: skip
                return BuildRun.objects.filter(pk=run_id, cancel_requested=True).exists()

        proposal = build(inp, time_limit=run.time_limit_seconds, on_tick=tick, workers=workers)
    except Exception:
        logger.exception("auto-build failed", extra={"run_id": str(run_id)})
        _finish(tenant, run_id, status=BuildRun.Status.FAILED,
                message=_("Something went wrong while building. Nothing was changed."))  # fmt: skip
        return None
    if proposal.status == "cancelled":
        cancelled = _("Cancelled. Nothing was changed.")
        _finish(tenant, run_id, status=BuildRun.Status.CANCELLED, message=cancelled,
                solutions=proposal.solutions)  # fmt: skip
    else:
        _finish(tenant, run_id, status=BuildRun.Status.DONE, progress=100,
                solutions=proposal.solutions, message=_summary(proposal),
                result=result_of(inp, proposal))  # fmt: skip
    with tenant_context(tenant):
        return BuildRun.objects.get(pk=run_id)


def _summary(proposal: Proposal) -> str:
    if proposal.status == "no_demand":
        return _("The coverage plan asks for nobody in these weeks that is not covered already. "
                 "Set the plan first.")  # fmt: skip
    if proposal.status == "infeasible":
        return _("No proposal was found within the time limit. Try a longer time limit.")
    return ""


TERM_LABELS = {
    "short": gettext_lazy("People short"),
    "over_contract": gettext_lazy("Hours over contract"),
    "under_contract": gettext_lazy("Hours under contract"),
    "soft_unavailable": gettext_lazy("Shifts when someone said they cannot work (soft rule)"),
    "wishes": gettext_lazy("Shift wishes not met (points: 1 if possible, 3 if it matters a lot)"),
    "weekend_fairness": gettext_lazy("Most weekend shifts anyone works, per full-time contract"),
    "night_fairness": gettext_lazy("Most night shifts anyone works, per full-time contract"),
    "continuity": gettext_lazy("Last week's people not kept on the same shift and weekday"),
    "cost": gettext_lazy("Cost of pay (1 point per 10 at the hourly rate)"),
}


def _text(minutes: int | None) -> str:
    return "" if minutes is None else rules.format_minutes(minutes)


def result_of(inp: BuildInput, proposal: Proposal) -> dict[str, Any]:
    """The proposal as stored (JSON): what the preview shows and what accepting reads."""
    groups = {g.key: g for g in inp.groups}
    hours = explain.minutes_by_person(inp, proposal)
    needed = sum(len(g.units) for g in inp.groups)
    return {
        "status": proposal.status,
        "seconds": round(proposal.seconds, 1),
        "groups": {
            g.key: {"label": g.label, "start": g.start.isoformat(), "end": g.end.isoformat(),
                    "break": g.break_minutes, "position": str(g.position),
                    "position_name": inp.position_names.get(g.position, ""),
                    "units": len(g.units)}
            for g in inp.groups
        },
        "assignments": [
            {"unit": a.unit, "group": a.group, "person": str(a.person),
             "name": inp.names.get(a.person, ""),
             "open_shift": a.unit if a.unit in groups[a.group].open_units else None,
             "reason": explain.assignment_reason(inp, a.person, hours.get(a.person, (0, 0)))}
            for a in sorted(proposal.assignments, key=lambda a: (groups[a.group].start, a.unit))
        ],
        "gaps": [
            {"group": g.group, "label": g.label, "missing": g.missing, "reason": g.reason}
            for g in explain.gaps(inp, proposal)
        ],
        "hours": sorted(
            ({"person": str(p), "name": inp.names.get(p, ""),
              "fixed": rules.format_minutes(fixed), "new": rules.format_minutes(new),
              "contract": _text(inp.contract_minutes.get(p))}
             for p, (fixed, new) in hours.items() if p in inp.people and new),
            key=lambda row: str(row["name"]),
        ),
        "coverage": {"needed": needed, "proposed": len(proposal.assignments),
                     "short": needed - len(proposal.assignments)},
        "terms": [{"label": str(TERM_LABELS.get(term, term)), "value": value}
                  for term, value in proposal.terms.items()],
        "excluded": [{"name": inp.names.get(p, ""), "why": why}
                     for p, why in proposal.excluded.items()],
        "replaced": [{"shift": str(pk), "version": version, "label": text}
                     for pk, version, _person, text in inp.replaced],
    }  # fmt: skip


def _remove_replaced(tenant: Tenant, actor: Membership, run: BuildRun) -> tuple[int, list[str]]:
    """Delete the drafts the run proposed to replace, each through the rota's shift_delete
    (audited there), once. One that changed since the build (edited, locked or published) is
    kept and named. Returns (deleted, kept)."""
    offered = run.result.get("replaced", [])
    if not offered or run.result.get("replaced_done"):
        return 0, []
    current = {str(s.pk): s for s in Shift.objects.filter(
        tenant=tenant, pk__in=[r["shift"] for r in offered])}  # fmt: skip
    deleted, kept = 0, []
    for r in offered:
        shift = current.get(r["shift"])
        if shift is None:
            continue  # deleted by someone already
        if (shift.version != r["version"] or shift.locked
                or shift.status != Shift.Status.DRAFT):  # fmt: skip
            kept.append(f"{r['label']} ({_('kept: it changed after the build')})")
            continue
        shift_delete(tenant=tenant, actor=actor, shift=shift, version=shift.version)
        deleted += 1
    run.result = {**run.result, "replaced_done": True}
    run.save(update_fields=["result"])
    return deleted, kept


def _current_input(tenant: Tenant, run: BuildRun, people: set[uuid.UUID]) -> BuildInput:
    """What stands now around the run's horizon for `people`, with the run's groups: to check
    again, at accept time, what was proposed earlier."""
    from planning.product.problem import Group

    horizon = Horizon(run.site, run.week_start, run.weeks)
    start, end = horizon.start, horizon.end
    context = dt.timedelta(days=8)
    fixed = tuple(Shift.objects.filter(
        tenant=tenant, membership_id__in=list(people), start_at__lt=end + context,
        end_at__gt=start - context,
    ).values_list("id", "membership_id", "start_at", "end_at", "break_minutes", "site_id",
                  "position_id"))  # fmt: skip
    profiles = profiles_of(tenant, people)
    away = time_off_between(tenant, start - context, end + context, people)
    groups = tuple(
        Group(key=key, start=dt.datetime.fromisoformat(g["start"]),
              end=dt.datetime.fromisoformat(g["end"]), break_minutes=g["break"],
              site=run.site_id, position=uuid.UUID(g["position"]), label=g["label"], units=())
        for key, g in run.result.get("groups", {}).items()
    )  # fmt: skip
    return BuildInput(
        rules=rule_set(tenant, scheduling_settings(tenant)), people=dict(profiles.facts(away)),
        names={}, contract_minutes={}, groups=groups, fixed=fixed, horizon_start=start,
        horizon_end=end,
    )  # fmt: skip


def run_accept(
    *, tenant: Tenant, actor: Membership, run: BuildRun, units: Sequence[str] | None = None
) -> tuple[int, list[str]]:
    """Make draft shifts of the chosen proposals (None: all), each through the rota's
    shift_save (so the one path validates and audits it). Each is checked again against what
    stands now: one that would now break a hard rule, or whose open shift changed, is left out
    and named. Accepting twice makes nothing twice. Returns (made, what was left out)."""
    from planning.product.solver import Assignment, verify

    with tenant_context(tenant), transaction.atomic():
        locked = BuildRun.objects.select_for_update().select_related("site").get(pk=run.pk)
        require_scheduled_site(actor, locked.site)
        if locked.status != BuildRun.Status.DONE:
            raise ValidationError(_("Only a finished auto-build can be accepted."))
        done = set(locked.accepted)
        offered = [a for a in locked.result.get("assignments", []) if a["unit"] not in done]
        if units is not None:
            wanted = set(units)
            offered = [a for a in offered if a["unit"] in wanted]
        if not offered:
            raise ValidationError(_("Choose at least one proposed shift to accept."))
        replaced, kept_drafts = _remove_replaced(tenant, actor, locked)
        people = {uuid.UUID(a["person"]) for a in offered}
        inp = _current_input(tenant, locked, people)
        proposal = Proposal(status="feasible", assignments=[
            Assignment(a["unit"], a["group"], uuid.UUID(a["person"])) for a in offered
        ])  # fmt: skip
        verify(inp, proposal)
        kept = {a.unit for a in proposal.assignments}
        left_out = [f"{a['name']}: {locked.result['groups'][a['group']]['label']}"
                    for a in offered if a["unit"] not in kept]  # fmt: skip
        left_out += kept_drafts
        members = {m.pk: m for m in Membership.objects.filter(tenant=tenant, pk__in=list(people))}
        positions = {p.pk: p for p in Position.objects.filter(tenant=tenant)}
        made: list[str] = []
        for a in offered:
            if a["unit"] not in kept:
                continue
            g = locked.result["groups"][a["group"]]
            data = ShiftInput(
                site=locked.site, position=positions[uuid.UUID(g["position"])],
                membership=members[uuid.UUID(a["person"])],
                start_at=dt.datetime.fromisoformat(g["start"]),
                end_at=dt.datetime.fromisoformat(g["end"]), break_minutes=g["break"],
            )  # fmt: skip
            shift = None
            version = None
            if a["open_shift"]:
                shift = Shift.objects.filter(
                    tenant=tenant, pk=a["open_shift"], membership__isnull=True,
                    status=Shift.Status.DRAFT, start_at=data.start_at, end_at=data.end_at,
                ).first()  # fmt: skip
                if shift is None:
                    left_out.append(f"{a['name']}: {g['label']} ({_('the open shift changed')})")
                    continue
                version = shift.version
            shift_save(tenant=tenant, actor=actor, shift=shift, data=data, version=version)
            made.append(a["unit"])
        locked.accepted = [*locked.accepted, *made]
        locked.save(update_fields=["accepted"])
        emit(Event.AUTOBUILD_ACCEPTED, tenant=tenant, user=actor.user, target=locked,
             data={"site": str(locked.site_id), "week": locked.week_start.isoformat(),
                   "shifts": len(made), "units": made, "left_out": left_out,
                   "replaced": replaced})  # fmt: skip
    return len(made), left_out
