"""Writes of the rota: shifts (save, move, delete, assign) and the week's copy, clear and publish.
Hard rule breaks block unless overridden with a reason; stale edits are refused."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling import rules
from scheduling.access import sites_for_member
from scheduling.messaging.services import week_schedules_notify
from scheduling.models import (
    Position,
    Publication,
    Shift,
    Site,
)
from scheduling.rota.selectors import week_shifts
from scheduling.rules.checks import hard_violations_added
from scheduling.rules.stored import refresh_shifts
from scheduling.time import local_date, wall_time_utc, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import Permission

MAX_SHIFT = dt.timedelta(hours=16)


class RulesBlockedError(ValidationError):
    """Hard rule breaks stand in the way: only a member with "override working-time rules",
    giving a reason, may go ahead."""

    def __init__(self, violations: dict[uuid.UUID, list[rules.Violation]], message: str) -> None:
        super().__init__(message, code="rules")
        self.violations = violations


class StaleEditError(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this shift while you were editing it. Your changes were "
                "not saved: close this and open the shift again to see its current state."
            ),
            code="stale",
        )


@dataclass(frozen=True)
class ShiftInput:
    site: Site
    position: Position
    membership: Membership | None
    start_at: dt.datetime
    end_at: dt.datetime
    break_minutes: int = 0
    notes: str = ""
    locked: bool = False


def _validate(tenant: Tenant, actor: Membership, data: ShiftInput) -> None:
    errors: dict[str, list[str]] = {}
    if not sites_for_member(actor).filter(pk=data.site.pk).exists():
        errors.setdefault("site", []).append(_("Choose one of the sites you schedule."))
    if data.position.tenant_id != tenant.pk:
        errors.setdefault("position", []).append(_("Choose a valid position."))
    if data.membership is not None and (
        data.membership.tenant_id != tenant.pk or data.membership.status != Membership.Status.ACTIVE
    ):
        errors.setdefault("membership", []).append(_("Choose an active member of the company."))
    length = data.end_at - data.start_at
    if length <= dt.timedelta(0):
        errors.setdefault("end_time", []).append(_("The shift must end after it starts."))
    elif length > MAX_SHIFT:
        errors.setdefault("end_time", []).append(_("A shift can be at most 16 hours long."))
    elif dt.timedelta(minutes=data.break_minutes) >= length:
        errors.setdefault("break_minutes", []).append(
            _("The break must be shorter than the shift.")
        )
    if errors:
        raise ValidationError(errors)


def _check_published(
    tenant: Tenant, actor: Membership, shift: Shift, override_reason: str
) -> list[rules.Violation]:
    """A change to a published shift is published at once: hard rule breaks need the same
    override as publishing a week. Returns the hard breaks that were overridden."""
    added = hard_violations_added(tenant, [shift])
    if added:
        _require_override(actor, added, override_reason)
    return [v for found in added.values() for v in found]


def _require_override(
    actor: Membership, hard: dict[uuid.UUID, list[rules.Violation]], reason: str
) -> None:
    if not actor.has(Permission.OVERRIDE_RULES):
        raise RulesBlockedError(hard, _(
            "This breaks working-time rules that block publishing. Ask someone who may "
            "override the rules, or change the shifts."
        ))  # fmt: skip
    if not reason.strip():
        raise RulesBlockedError(hard, _(
            "This breaks working-time rules that block publishing. To go ahead anyway, give a "
            "reason for overriding them; it is recorded in the audit log."
        ))  # fmt: skip


def _copy(shift: Shift) -> Shift:
    """An unsaved snapshot of `shift`'s stored values."""
    return Shift(**{f.attname: getattr(shift, f.attname) for f in Shift._meta.concrete_fields})


SHIFT_FIELDS = ("site_id", "position_id", "membership_id", "start_at", "end_at", "break_minutes",
                "notes", "locked")  # fmt: skip


def _same(a: Shift, b: Shift) -> bool:
    return all(getattr(a, name) == getattr(b, name) for name in SHIFT_FIELDS)


def shift_save(
    *,
    tenant: Tenant,
    actor: Membership,
    shift: Shift | None,
    data: ShiftInput,
    version: int | None = None,
    override_reason: str = "",
) -> Shift:
    """Create a draft shift, or change one. A change names the version it was made from; if
    the shift changed since, it is refused (StaleEditError), never silently overwritten."""
    with tenant_context(tenant), transaction.atomic():
        _validate(tenant, actor, data)
        before: Shift | None = None
        if shift is None:
            shift = Shift(tenant=tenant)
        else:
            before = Shift.objects.select_for_update().filter(pk=shift.pk, tenant=tenant).first()
            if before is None or before.version != version:
                raise StaleEditError()
            if not sites_for_member(actor).filter(pk=before.site_id).exists():
                raise ValidationError({"site": [_("Choose one of the sites you schedule.")]})
            shift = before
            before = _copy(shift)
            if before.status == Shift.Status.PUBLISHED and not actor.has(Permission.PUBLISH_ROTA):
                raise ValidationError(_("Only someone who may publish the rota can change a "
                                        "published shift."))  # fmt: skip
            shift.version = before.version + 1
        shift.site, shift.position, shift.membership = data.site, data.position, data.membership
        shift.start_at, shift.end_at = data.start_at, data.end_at
        shift.break_minutes, shift.notes = data.break_minutes, data.notes.strip()
        shift.locked = data.locked
        if before is not None and _same(before, shift):
            shift.version = before.version
            return shift  # nothing changed: no new version, no email
        shift.full_clean()
        overridden: list[rules.Violation] = []
        if shift.status == Shift.Status.PUBLISHED:
            overridden = _check_published(tenant, actor, shift, override_reason)
        shift.save()
        refresh_shifts(tenant, [shift] if before is None else [before, shift])
        if overridden:
            codes = sorted({v.code for v in overridden})
            emit(Event.ROTA_RULES_OVERRIDDEN, tenant=tenant, user=actor.user, target=shift,
                 data={"reason": override_reason.strip(), "rules": codes})  # fmt: skip
        if before is not None and before.status == Shift.Status.PUBLISHED:
            _notify_change(tenant, [before, shift])
    return shift


def shift_move(
    *,
    tenant: Tenant,
    actor: Membership,
    shift: Shift,
    membership: Membership | None,
    day: dt.date,
    version: int,
) -> Shift:
    """Move a shift to another person (or open) and day, keeping its local times at the site
    (so a move across a daylight-saving change keeps "09:00-17:00")."""
    with tenant_context(tenant):
        site = Site.objects.get(pk=shift.site_id)
        position = Position.objects.get(pk=shift.position_id)
    zone = zoneinfo.ZoneInfo(site.time_zone)
    start_local = shift.start_at.astimezone(zone)
    end_local = shift.end_at.astimezone(zone)
    days_across = (end_local.date() - start_local.date()).days
    start_at = wall_time_utc(day, start_local.time(), zone)
    end_at = wall_time_utc(day + dt.timedelta(days=days_across), end_local.time(), zone)
    if start_at is None or end_at is None:
        raise ValidationError(_("The clocks change that night: the shift's times do not exist "
                                "on that day. Open it to choose other times."))  # fmt: skip
    data = ShiftInput(
        site=site, position=position, membership=membership, start_at=start_at, end_at=end_at,
        break_minutes=shift.break_minutes, notes=shift.notes, locked=shift.locked,
    )  # fmt: skip
    return shift_save(tenant=tenant, actor=actor, shift=shift, data=data, version=version)


def shift_delete(*, tenant: Tenant, actor: Membership, shift: Shift, version: int) -> None:
    with tenant_context(tenant), transaction.atomic():
        current = Shift.objects.select_for_update().filter(pk=shift.pk).first()
        if current is None or current.version != version:
            raise StaleEditError()
        if not sites_for_member(actor).filter(pk=current.site_id).exists():
            raise ValidationError(_("You do not schedule this site."))
        was_published = current.status == Shift.Status.PUBLISHED
        if was_published and not actor.has(Permission.PUBLISH_ROTA):
            raise ValidationError(_("Only someone who may publish the rota can delete a "
                                    "published shift."))  # fmt: skip
        current.delete()
        refresh_shifts(tenant, [current])
        if was_published:
            _notify_change(tenant, [current])


def _notify_change(tenant: Tenant, versions: list[Shift]) -> None:
    """Tell each person a published shift concerned (before or after the change) their week's
    shifts as they now stand, through the one notify path."""
    if all(v.membership_id is None for v in versions):
        return
    zones = {  # a shift's week is its site's, as on the rota and when publishing
        pk: zoneinfo.ZoneInfo(name)
        for pk, name in Site.objects.filter(
            tenant=tenant, pk__in={v.site_id for v in versions if v.membership_id is not None}
        ).values_list("pk", "time_zone")
    }
    weeks = [
        (v.membership_id, week_start_of(local_date(v, zones)))
        for v in versions
        if v.membership_id is not None
    ]
    week_schedules_notify(tenant=tenant, weeks=weeks, published=False)


def shift_assign(
    *, tenant: Tenant, actor: Membership, shift: Shift, membership: Membership | None
) -> Shift:
    """Give `shift` to `membership` (None: make it open) and nothing else: a new version, saved
    with only those fields (the change is in the audit trail), and, for a published shift, each
    person concerned emailed their week after commit. For callers that have already checked
    who may do it and the rules (claims and swaps), with the shift locked (select_for_update)."""
    with tenant_context(tenant), transaction.atomic():
        before = _copy(shift)
        shift.membership = membership
        shift.version = before.version + 1
        shift.save(update_fields=["membership", "version"])
        refresh_shifts(tenant, [before, shift])
        if shift.status == Shift.Status.PUBLISHED:
            _notify_change(tenant, [before, shift])
    return shift


def rules_override_check(
    *, actor: Membership, hard: dict[uuid.UUID, list[rules.Violation]], reason: str
) -> None:
    """Raise RulesBlockedError unless `actor` may override the working-time rules and gives a
    reason (as publishing requires). Call only when `hard` is not empty."""
    _require_override(actor, hard, reason)


def _week_site_shifts(
    tenant: Tenant, actor: Membership, week_start: dt.date, site: Site | None
) -> tuple[list[Site], Any]:
    sites = list(sites_for_member(actor))
    if site is not None:
        if site.pk not in {s.pk for s in sites}:
            raise ValidationError(_("You do not schedule this site."))
        sites = [site]
    return sites, week_shifts(tenant, week_start, [s.pk for s in sites])


def _in_week(shifts: list[Shift], sites: list[Site], week_start: dt.date) -> list[Shift]:
    zones = {s.pk: zoneinfo.ZoneInfo(s.time_zone) for s in sites}
    end = week_start + dt.timedelta(days=7)
    return [shift for shift in shifts if week_start <= local_date(shift, zones) < end]


def _lock_week(tenant: Tenant, week_start: dt.date) -> None:
    """Serialise copies into one week (a double-click sends two): a transaction-level advisory
    lock on PostgreSQL; SQLite has a single writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = f"rota-copy:{tenant.pk}:{week_start.isoformat()}"
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


@dataclass(frozen=True)
class CopyResult:
    created: int
    skipped: int  # would not exist at the same local times (a clock change), or too long


def week_copy_previous(
    *, tenant: Tenant, actor: Membership, week_start: dt.date, site: Site | None = None
) -> CopyResult:
    """Copy last week's shifts (drafts and published) into this week as drafts, at the same
    local times. Shifts already there are not copied again (as many as there are of each), so
    copying twice never duplicates. A shift whose local times do not exist in the new week, or
    that the clock change would make longer than 16 hours, is skipped and counted."""
    week_start = week_start_of(week_start)
    previous = week_start - dt.timedelta(days=7)
    with tenant_context(tenant), transaction.atomic():
        _lock_week(tenant, week_start)
        sites, shifts = _week_site_shifts(tenant, actor, previous, site)
        source = _in_week(list(shifts.select_related("site")), sites, previous)
        _sites, existing_qs = _week_site_shifts(tenant, actor, week_start, site)
        existing = Counter(
            (s.site_id, s.position_id, s.membership_id, s.start_at, s.end_at) for s in existing_qs
        )
        active = set(
            Membership.objects.filter(status=Membership.Status.ACTIVE).values_list("pk", flat=True)
        )
        created, skipped = [], 0
        for shift in source:
            zone = zoneinfo.ZoneInfo(shift.site.time_zone)
            start_local = shift.start_at.astimezone(zone)
            end_local = shift.end_at.astimezone(zone)
            week = dt.timedelta(days=7)
            start_at = wall_time_utc(start_local.date() + week, start_local.time(), zone)
            end_at = wall_time_utc(end_local.date() + week, end_local.time(), zone)
            if (
                start_at is None
                or end_at is None
                or not (dt.timedelta(0) < end_at - start_at <= MAX_SHIFT)
            ):
                skipped += 1
                continue
            member_id = shift.membership_id if shift.membership_id in active else None
            key = (shift.site_id, shift.position_id, member_id, start_at, end_at)
            if existing[key] > 0:
                existing[key] -= 1  # this one is already there
                continue
            created.append(Shift(
                tenant=tenant, site_id=shift.site_id, position_id=shift.position_id,
                membership_id=member_id, start_at=start_at, end_at=end_at,
                break_minutes=shift.break_minutes, notes=shift.notes,
            ))  # fmt: skip
        Shift.objects.bulk_create(created)
        refresh_shifts(tenant, created)
        emit(Event.ROTA_WEEK_COPIED, tenant=tenant, user=actor.user, data={
            "week": week_start.isoformat(), "site": str(site.pk) if site else "all",
            "shifts": [str(s.pk) for s in created], "skipped": skipped,
        })  # fmt: skip
    return CopyResult(created=len(created), skipped=skipped)


def week_clear_drafts(
    *, tenant: Tenant, actor: Membership, week_start: dt.date, site: Site | None = None
) -> int:
    """Delete the week's draft shifts (published ones stay, and so do drafts the manager
    locked: a lock keeps a shift as it is). Returns how many."""
    week_start = week_start_of(week_start)
    with tenant_context(tenant), transaction.atomic():
        sites, shifts = _week_site_shifts(tenant, actor, week_start, site)
        unlocked = shifts.filter(status=Shift.Status.DRAFT, locked=False)
        drafts = _in_week(list(unlocked), sites, week_start)
        ids = [s.pk for s in drafts]
        Shift.objects.filter(pk__in=ids).delete()
        refresh_shifts(tenant, drafts)
        emit(Event.ROTA_DRAFTS_CLEARED, tenant=tenant, user=actor.user, data={
            "week": week_start.isoformat(), "site": str(site.pk) if site else "all",
            "shifts": [str(pk) for pk in ids],
        })  # fmt: skip
    return len(ids)


def week_drafts(
    *, tenant: Tenant, actor: Membership, week_start: dt.date, site: Site | None = None
) -> list[Shift]:
    with tenant_context(tenant):
        sites, shifts = _week_site_shifts(tenant, actor, week_start_of(week_start), site)
        drafts = shifts.filter(status=Shift.Status.DRAFT).select_related(
            "site", "position", "membership__user"
        )
        return _in_week(list(drafts), sites, week_start_of(week_start))


def week_publish(
    *,
    tenant: Tenant,
    actor: Membership,
    week_start: dt.date,
    site: Site | None = None,
    override_reason: str = "",
) -> Publication:
    """Publish the week's drafts (all the actor's sites, or one), and email each person
    concerned their shifts after commit. Hard rule breaks block it unless the actor may
    override them and gives a reason, which is kept and audited."""
    week_start = week_start_of(week_start)
    with tenant_context(tenant), transaction.atomic():
        sites, shifts = _week_site_shifts(tenant, actor, week_start, site)
        drafts = _in_week(
            list(shifts.filter(status=Shift.Status.DRAFT).select_for_update()), sites, week_start
        )
        if not drafts:
            raise ValidationError(_("There are no draft shifts to publish in this week."))
        hard = hard_violations_added(tenant, drafts)
        if hard:
            _require_override(actor, hard, override_reason)
        now = timezone.now()
        ids = [shift.pk for shift in drafts]
        Shift.objects.filter(pk__in=ids).update(
            status=Shift.Status.PUBLISHED, published_at=now, version=F("version") + 1
        )
        publication = Publication.objects.create(
            week_start=week_start, site=site, published_by=actor, shift_count=len(ids),
            hard_violations=sum(len(vs) for vs in hard.values()),
            override_reason=override_reason.strip() if hard else "",
        )  # fmt: skip
        emit(Event.ROTA_PUBLISHED, tenant=tenant, user=actor.user, target=publication, data={
            "week": week_start.isoformat(), "site": str(site.pk) if site else "all",
            "shifts": [str(pk) for pk in ids],
        })  # fmt: skip
        if hard:
            emit(Event.ROTA_RULES_OVERRIDDEN, tenant=tenant, user=actor.user, target=publication,
                 data={"reason": override_reason.strip(), "violations": [
                     {"shift": str(pk), "rule": v.code} for pk, vs in hard.items() for v in vs
                 ]})  # fmt: skip
        people = {s.membership_id for s in drafts if s.membership_id is not None}
        week_schedules_notify(
            tenant=tenant, weeks=[(pk, week_start) for pk in people], published=True
        )
    return publication
