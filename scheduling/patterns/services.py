"""Writes of repeating patterns: week templates and rotations, applied as drafts once."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling import rules
from scheduling.access import sites_for_member
from scheduling.models import (
    Position,
    RotationMember,
    RotationPattern,
    Shift,
    Site,
    WeekTemplate,
    WeekTemplateShift,
)
from scheduling.patterns.selectors import (
    MAX_DAYS,
    MAX_WEEKS,
    cycle_clean,
    qualified_members,
    works_on,
)
from scheduling.rota.selectors import week_shifts
from scheduling.rules.checks import violations_for
from scheduling.rules.stored import refresh_shifts
from scheduling.time import wall_time_utc, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

MAX_SHIFT = dt.timedelta(hours=16)  # as for shifts made by hand


@dataclass(frozen=True)
class Skipped:
    """A shift not made: its local times do not exist that day (the clocks go forward), or the
    clock change makes it longer than a shift may be."""

    day: dt.date
    start_time: dt.time
    end_time: dt.time
    site: str
    reason: str


@dataclass
class ApplyResult:
    """What applying a pattern did. `created` are the new drafts (site, position and person
    loaded), in time order; `existing` were made by an earlier application and left alone."""

    first_day: dt.date
    last_day: dt.date
    created: list[Shift]
    existing: int
    skipped: list[Skipped] = field(default_factory=list)
    opened: int = 0  # made open shifts: the person has left (or is suspended)
    out_of_scope: int = 0  # a template's shifts at sites the actor does not schedule
    violations: dict[uuid.UUID, list[rules.Violation]] = field(default_factory=dict)

    @property
    def hard(self) -> int:
        return sum(1 for found in self.violations.values() for v in found if v.hard)

    @property
    def soft(self) -> int:
        return sum(1 for found in self.violations.values() for v in found if not v.hard)

    def rows(self) -> list[tuple[Shift, list[rules.Violation]]]:
        """The created shifts that break a rule, each with its breaks."""
        return [(s, self.violations[s.pk]) for s in self.created if self.violations.get(s.pk)]


def _lock(tenant: Tenant) -> None:
    """Serialise applications within a company (a double-click sends two): a transaction-level
    advisory lock on PostgreSQL; SQLite has a single writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = f"patterns-apply:{tenant.pk}"
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def _times(
    day: dt.date, start: dt.time, end: dt.time, breaks: int, zone: zoneinfo.ZoneInfo
) -> tuple[dt.datetime, dt.datetime] | str:
    """`day` from `start` to `end` local time (an end at or before the start is the next day),
    in UTC; or why no shift can be made then."""
    start_at = wall_time_utc(day, start, zone)
    end_day = day + dt.timedelta(days=1) if end <= start else day
    end_at = wall_time_utc(end_day, end, zone)
    if start_at is None or end_at is None:
        return _("the clocks go forward that night: the time does not exist")
    length = end_at - start_at
    if not dt.timedelta(0) < length <= MAX_SHIFT:
        return _("the clock change would make it longer than 16 hours")
    if dt.timedelta(minutes=breaks) >= length:
        return _("the clock change would make it no longer than its break")
    return start_at, end_at


def _insert(tenant: Tenant, planned: list[Shift]) -> tuple[list[Shift], int]:
    """Save the planned drafts whose origin is not taken yet. Returns those made (re-read with
    what the result page shows) and how many were there already."""
    if not planned:
        return [], 0
    taken = set(
        Shift.objects.filter(tenant=tenant, origin__in=[s.origin for s in planned]).values_list(
            "origin", flat=True
        )
    )
    new = [s for s in planned if s.origin not in taken]
    if not new:
        return [], len(planned)
    # The lock and the read above keep out duplicates; the constraint is the last word.
    Shift.objects.bulk_create(new, ignore_conflicts=True)
    created = list(
        Shift.objects.filter(tenant=tenant, pk__in=[s.pk for s in new])
        .select_related("site", "position", "membership__user")
        .order_by("start_at", "id")
    )
    refresh_shifts(tenant, created)
    return created, len(planned) - len(created)


def _active_ids(tenant: Tenant, ids: Iterable[uuid.UUID | None]) -> set[uuid.UUID]:
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return set()
    return set(
        Membership.objects.filter(
            tenant=tenant, pk__in=wanted, status=Membership.Status.ACTIVE
        ).values_list("pk", flat=True)
    )


def _scheduled_site(actor: Membership, site: Site) -> None:
    if not sites_for_member(actor).filter(pk=site.pk).exists():
        raise ValidationError({"site": _("Choose one of the sites you schedule.")})


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give it a name.")})
    if len(name) > 80:
        raise ValidationError({"name": _("Use at most 80 characters.")})
    return name


def template_save(
    *,
    tenant: Tenant,
    actor: Membership,
    name: str,
    week_start: dt.date,
    site: Site | None = None,
) -> WeekTemplate:
    """Save the week's shifts (drafts and published) at the sites `actor` schedules (or only
    `site`) as a new template: each shift in its site's local time, with its break, position,
    person (a person who has left: an open shift) and notes. A name already used (in any
    letter case) is refused: choose another, or delete the old template first."""
    name = _clean_name(name)
    week_start = week_start_of(week_start)
    with tenant_context(tenant), transaction.atomic():
        sites = list(sites_for_member(actor))
        if site is not None:
            if site.pk not in {s.pk for s in sites}:
                raise ValidationError({"site": _("Choose one of the sites you schedule.")})
            sites = [site]
        if WeekTemplate.objects.filter(tenant=tenant, name__iexact=name).exists():
            raise ValidationError({"name": _(
                "There is already a template called “%(name)s”. Choose another name, or delete "
                "that template first."
            ) % {"name": name}})  # fmt: skip
        zones = {s.pk: zoneinfo.ZoneInfo(s.time_zone) for s in sites}
        end = week_start + dt.timedelta(days=7)
        shifts = []
        for shift in week_shifts(tenant, week_start, list(zones)).order_by("start_at", "id"):
            start_local = shift.start_at.astimezone(zones[shift.site_id])
            if week_start <= start_local.date() < end:
                shifts.append((shift, start_local, shift.end_at.astimezone(zones[shift.site_id])))
        if not shifts:
            raise ValidationError(_(
                "The week of %(week)s has no shifts at %(where)s: there is nothing to save."
            ) % {"week": f"{week_start:%d %b %Y}",
                 "where": site.name if site else _("the sites you schedule")})  # fmt: skip
        template = WeekTemplate(tenant=tenant, name=name, created_by=actor)
        template.full_clean(exclude=["tenant", "created_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                template.save()
        except IntegrityError:  # the same name saved a moment ago
            raise ValidationError(
                {"name": _("There is already a template with this name.")}
            ) from None
        active = _active_ids(tenant, (shift.membership_id for shift, _s, _e in shifts))
        WeekTemplateShift.objects.bulk_create([
            WeekTemplateShift(
                tenant=tenant, template=template, weekday=start.weekday(),
                start_time=start.time(), end_time=end_local.time(),
                break_minutes=shift.break_minutes, site_id=shift.site_id,
                position_id=shift.position_id,
                membership_id=shift.membership_id if shift.membership_id in active else None,
                notes=shift.notes,
            )
            for shift, start, end_local in shifts
        ])  # fmt: skip
        emit(Event.TEMPLATE_SAVED, tenant=tenant, user=actor.user, target=template, data={
            "week": week_start.isoformat(), "site": str(site.pk) if site else "all",
            "shifts": len(shifts),
        })  # fmt: skip
    return template


def template_apply(
    *,
    tenant: Tenant,
    actor: Membership,
    template: WeekTemplate,
    week_start: dt.date,
    weeks: int = 1,
) -> ApplyResult:
    """Make the template's shifts as drafts in the week of `week_start` and the `weeks` - 1
    after it, at the same local times, for its shifts at sites `actor` schedules (the others
    are counted, not made). A person no longer active gets an open shift instead. Shifts made
    by an earlier application are not made again; a time the clocks skip is skipped and said."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise ValidationError({"weeks": _("Apply it to 1 to %(max)d weeks at a time.")
                               % {"max": MAX_WEEKS}})  # fmt: skip
    first = week_start_of(week_start)
    with tenant_context(tenant), transaction.atomic():
        _lock(tenant)
        allowed = set(sites_for_member(actor).values_list("pk", flat=True))
        items = list(
            WeekTemplateShift.objects.filter(tenant=tenant, template=template)
            .select_related("site")
            .order_by("weekday", "start_time", "id")
        )
        mine = [item for item in items if item.site_id in allowed]
        if not mine:
            raise ValidationError(_("This template has no shifts at the sites you schedule."))
        active = _active_ids(tenant, (item.membership_id for item in mine))
        planned: list[Shift] = []
        skipped: list[Skipped] = []
        made_open: set[str] = set()
        for week in range(weeks):
            monday = first + dt.timedelta(days=7 * week)
            for item in mine:
                day = monday + dt.timedelta(days=item.weekday)
                zone = zoneinfo.ZoneInfo(item.site.time_zone)
                times = _times(day, item.start_time, item.end_time, item.break_minutes, zone)
                if isinstance(times, str):
                    skipped.append(Skipped(day, item.start_time, item.end_time, item.site.name,
                                           times))  # fmt: skip
                    continue
                origin = f"template:{item.pk}:{day.isoformat()}"
                member_id = item.membership_id if item.membership_id in active else None
                if item.membership_id is not None and member_id is None:
                    made_open.add(origin)
                planned.append(Shift(
                    tenant=tenant, site_id=item.site_id, position_id=item.position_id,
                    membership_id=member_id, start_at=times[0], end_at=times[1],
                    break_minutes=item.break_minutes, notes=item.notes, origin=origin,
                ))  # fmt: skip
        created, existing = _insert(tenant, planned)
        result = ApplyResult(
            first_day=first, last_day=first + dt.timedelta(days=7 * weeks - 1), created=created,
            existing=existing, skipped=skipped,
            opened=sum(1 for s in created if s.origin in made_open),
            out_of_scope=len(items) - len(mine),
            violations=violations_for(tenant, created) if created else {},
        )  # fmt: skip
        emit(Event.TEMPLATE_APPLIED, tenant=tenant, user=actor.user, target=template,
             data=_applied_data(result))  # fmt: skip
    return result


def _applied_data(result: ApplyResult) -> dict[str, object]:
    return {
        "from": result.first_day.isoformat(), "to": result.last_day.isoformat(),
        "created": len(result.created), "existing": result.existing,
        "skipped": len(result.skipped), "opened": result.opened,
        "hard_violations": result.hard, "warnings": result.soft,
        "shifts": [str(s.pk) for s in result.created],
    }  # fmt: skip


def template_delete(*, tenant: Tenant, actor: Membership, template: WeekTemplate) -> None:
    """Delete the template and its shifts; the drafts and shifts made from it stay. Only
    someone who schedules every site it has shifts at may delete it."""
    with tenant_context(tenant), transaction.atomic():
        allowed = sites_for_member(actor).values("pk")
        if (
            WeekTemplateShift.objects.filter(tenant=tenant, template=template)
            .exclude(site_id__in=allowed)
            .exists()
        ):
            raise ValidationError(_(
                "This template has shifts at sites you do not schedule: only someone who "
                "schedules them all may delete it."
            ))  # fmt: skip
        WeekTemplate.objects.filter(tenant=tenant, pk=template.pk).delete()


def rotation_save(
    *,
    tenant: Tenant,
    actor: Membership,
    pattern: RotationPattern | None,
    name: str,
    site: Site,
    position: Position,
    start_time: dt.time,
    end_time: dt.time,
    break_minutes: int,
    cycle: str,
    anchor_date: dt.date,
) -> RotationPattern:
    """Create or change a rotating pattern: its shift (site, position, local start and end; an
    end at or before the start is the next day; break), its cycle of working days and days off,
    and the date its cycle starts. Changing it changes only the shifts made from then on."""
    name = _clean_name(name)
    cycle = cycle_clean(cycle)
    day = dt.date(2001, 1, 1)  # any day without a clock change
    length = dt.datetime.combine(
        day + dt.timedelta(days=1 if end_time <= start_time else 0), end_time
    ) - dt.datetime.combine(day, start_time)
    if length > MAX_SHIFT:
        raise ValidationError({"end_time": _("A shift can be at most 16 hours long.")})
    if dt.timedelta(minutes=break_minutes) >= length:
        raise ValidationError({"break_minutes": _("The break must be shorter than the shift.")})
    with tenant_context(tenant), transaction.atomic():
        if site.tenant_id != tenant.pk:
            raise ValidationError({"site": _("Choose one of the sites you schedule.")})
        _scheduled_site(actor, site)
        if pattern is not None:
            pattern = RotationPattern.objects.select_for_update().get(tenant=tenant, pk=pattern.pk)
            _scheduled_site(actor, pattern.site)
        if position.tenant_id != tenant.pk:
            raise ValidationError({"position": _("Choose a valid position.")})
        taken = RotationPattern.objects.filter(tenant=tenant, name__iexact=name)
        if pattern is not None:
            taken = taken.exclude(pk=pattern.pk)
            furthest = max(
                RotationMember.objects.filter(tenant=tenant, pattern=pattern).values_list(
                    "offset", flat=True
                ),
                default=-1,
            )
            if furthest >= len(cycle):
                raise ValidationError({"cycle": _(
                    "Someone follows this pattern from day %(day)d of the cycle: make the cycle "
                    "at least %(days)d days long, or change their offset first."
                ) % {"day": furthest, "days": furthest + 1}})  # fmt: skip
        if taken.exists():
            raise ValidationError({"name": _(
                "There is already a rotating pattern called “%(name)s”: choose another name."
            ) % {"name": name}})  # fmt: skip
        created = pattern is None
        row = pattern or RotationPattern(tenant=tenant, created_by=actor)
        row.name, row.site, row.position = name, site, position
        row.start_time, row.end_time, row.break_minutes = start_time, end_time, break_minutes
        row.cycle, row.anchor_date = cycle, anchor_date
        row.full_clean(exclude=["tenant", "created_by"], validate_constraints=False)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise ValidationError({"name": _("There is already a rotating pattern with this "
                                             "name.")}) from None  # fmt: skip
        emit(Event.ROTATION_SAVED, tenant=tenant, user=actor.user, target=row,
             data={"created": created, "cycle": cycle, "site": str(site.pk)})  # fmt: skip
    return row


def rotation_delete(*, tenant: Tenant, actor: Membership, pattern: RotationPattern) -> None:
    """Delete the pattern and its members; the shifts made from it stay."""
    with tenant_context(tenant), transaction.atomic():
        _scheduled_site(actor, pattern.site)
        RotationPattern.objects.filter(tenant=tenant, pk=pattern.pk).delete()


def rotation_member_set(
    *,
    tenant: Tenant,
    actor: Membership,
    pattern: RotationPattern,
    membership: Membership,
    offset: int,
) -> RotationMember:
    """Add `membership` to the pattern from `offset` days into its cycle (teams: four on, four
    off has a second team at offset 4), or change their offset if they follow it already. Only
    an active member whose work profile lists the pattern's position and site."""
    with tenant_context(tenant), transaction.atomic():
        pattern = RotationPattern.objects.select_for_update().get(tenant=tenant, pk=pattern.pk)
        _scheduled_site(actor, pattern.site)
        if not 0 <= offset < len(pattern.cycle):
            raise ValidationError({"offset": _(
                "The offset is a day of the cycle: from 0 to %(last)d."
            ) % {"last": len(pattern.cycle) - 1}})  # fmt: skip
        if (
            membership.tenant_id != tenant.pk
            or not qualified_members(tenant, pattern).filter(pk=membership.pk).exists()
        ):
            raise ValidationError({"membership": _(
                "Choose an active member whose work profile lists this position and site."
            )})  # fmt: skip
        row = RotationMember.objects.filter(
            tenant=tenant, pattern=pattern, membership=membership
        ).first() or RotationMember(tenant=tenant, pattern=pattern, membership=membership)
        if row._state.adding or row.offset != offset:
            row.offset = offset
            row.full_clean(exclude=["tenant", "pattern", "membership"],
                           validate_constraints=False)  # fmt: skip
            row.save()
    return row


def rotation_member_remove(
    *, tenant: Tenant, actor: Membership, pattern: RotationPattern, member_id: uuid.UUID | str
) -> bool:
    """Take someone off the pattern (their shifts made so far stay). False if not a member."""
    with tenant_context(tenant), transaction.atomic():
        _scheduled_site(actor, pattern.site)
        try:
            pk = uuid.UUID(str(member_id))
        except ValueError:
            return False
        row = RotationMember.objects.filter(tenant=tenant, pattern=pattern, pk=pk).first()
        if row is None:
            return False
        row.delete()
    return True


def rotation_apply(
    *,
    tenant: Tenant,
    actor: Membership,
    pattern: RotationPattern,
    start: dt.date,
    end: dt.date,
) -> ApplyResult:
    """Make the pattern's shifts as drafts for each member's working days from `start` to `end`
    (inclusive, at most MAX_DAYS days), in the site's local time. A member no longer active
    gets open shifts instead. Shifts made by an earlier application are not made again; a time
    the clocks skip is skipped and said."""
    if end < start:
        raise ValidationError({"date_to": _("The last day is before the first day.")})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"date_to": _("Apply it to at most %(weeks)d weeks at a time.")
                               % {"weeks": MAX_WEEKS}})  # fmt: skip
    with tenant_context(tenant), transaction.atomic():
        _lock(tenant)
        pattern = RotationPattern.objects.select_related("site").get(tenant=tenant, pk=pattern.pk)
        _scheduled_site(actor, pattern.site)
        members = list(RotationMember.objects.filter(tenant=tenant, pattern=pattern))
        if not members:
            raise ValidationError(_("Add the people who follow this pattern first."))
        active = _active_ids(tenant, (m.membership_id for m in members))
        zone = zoneinfo.ZoneInfo(pattern.site.time_zone)
        planned: list[Shift] = []
        skipped: list[Skipped] = []
        made_open: set[str] = set()
        for n in range((end - start).days + 1):
            day = start + dt.timedelta(days=n)
            working = [m for m in members if works_on(pattern, m.offset, day)]
            if not working:
                continue
            times = _times(day, pattern.start_time, pattern.end_time, pattern.break_minutes,
                           zone)  # fmt: skip
            if isinstance(times, str):
                skipped.extend(
                    Skipped(day, pattern.start_time, pattern.end_time, pattern.site.name, times)
                    for _m in working
                )
                continue
            for m in working:
                origin = f"rotation:{m.pk}:{day.isoformat()}"
                member_id = m.membership_id if m.membership_id in active else None
                if member_id is None:
                    made_open.add(origin)
                planned.append(Shift(
                    tenant=tenant, site_id=pattern.site_id, position_id=pattern.position_id,
                    membership_id=member_id, start_at=times[0], end_at=times[1],
                    break_minutes=pattern.break_minutes, origin=origin,
                ))  # fmt: skip
        created, existing = _insert(tenant, planned)
        result = ApplyResult(
            first_day=start, last_day=end, created=created, existing=existing, skipped=skipped,
            opened=sum(1 for s in created if s.origin in made_open),
            violations=violations_for(tenant, created) if created else {},
        )  # fmt: skip
        emit(Event.ROTATION_APPLIED, tenant=tenant, user=actor.user, target=pattern,
             data=_applied_data(result))  # fmt: skip
    return result
