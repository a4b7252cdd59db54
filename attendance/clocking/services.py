"""Writes of clocking: in, out, breaks, by the person or for them by a manager with a reason.

Every time is the server's. Two devices at once: the person's membership row is locked for the
write, and a partial unique index allows one open punch per person, so the second attempt is
refused with the same clear message instead of making a second record."""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from attendance.access import require_managed, require_site
from attendance.clocking import location
from attendance.clocking.selectors import matching_shift
from attendance.models import Break, Place, Punch, PunchEdit, SiteLocation, Source
from attendance.periods import locked_on
from attendance.settings import keeps_location
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import Permission

# A device clock further than this from the server's is flagged on the punch.
SKEW_TOLERANCE = dt.timedelta(minutes=5)


class Action(enum.StrEnum):
    IN = "in"
    OUT = "out"
    BREAK_START = "break_start"
    BREAK_END = "break_end"


@dataclass(frozen=True)
class Clocking:
    """What the person's device sent with the button: all optional, none trusted for time."""

    fix: location.Fix | None = None
    device_time: dt.datetime | None = None
    site: Site | None = None  # for an unscheduled punch: where they are working


def _local_time(instant: dt.datetime, zone: str) -> str:
    return time_format(instant.astimezone(zoneinfo.ZoneInfo(zone)), "H:i")


def _check_actor(actor: Membership, membership: Membership, reason: str) -> str:
    if actor.pk == membership.pk:
        return ""
    if not actor.has(Permission.CLOCK_OTHERS):
        raise PermissionDenied
    require_managed(actor, membership)  # a manager of some sites clocks only their people
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why you are clocking someone else in or out."))
    return reason


def _lock_person(tenant: Tenant, membership: Membership) -> Membership:
    person = Membership.objects.select_for_update().filter(tenant=tenant, pk=membership.pk).first()
    if person is None or person.status != Membership.Status.ACTIVE:
        raise ValidationError(_("Only active members of the company can clock in."))
    return person


def _ensure_unlocked(
    tenant: Tenant, membership: Membership, site: Site, *instants: dt.datetime
) -> None:
    """Nothing changes inside an approved (locked) timesheet's stored period. The days are the
    site's, as on the timesheet (a punch belongs to the day it started at its site)."""
    zone = zoneinfo.ZoneInfo(site.time_zone)
    if locked_on(tenant, membership.pk, [i.astimezone(zone).date() for i in instants]):
        raise ValidationError(
            _("The timesheet for this pay period is approved and locked; ask a manager who "
              "may unlock it.")
        )  # fmt: skip


def _skew(device_time: dt.datetime | None, now: dt.datetime) -> int | None:
    if device_time is None or abs(device_time - now) <= SKEW_TOLERANCE:
        return None
    return round((device_time - now).total_seconds() / 60)


def _open_punch(tenant: Tenant, membership: Membership) -> Punch | None:
    return (
        Punch.objects.select_for_update()
        .filter(tenant=tenant, membership=membership, clock_out_at__isnull=True)
        .select_related("site")
        .first()
    )


def _own_device(actor: Membership, membership: Membership, source: str) -> bool:
    """Whether the punch comes from the person's own phone (the only one a position says
    anything about): not a manager's, not the site's kiosk."""
    return actor.pk == membership.pk and source != Source.KIOSK


def _refuse_if_open(tenant: Tenant, membership: Membership) -> None:
    already = _open_punch(tenant, membership)
    if already is not None:
        raise ValidationError(
            _("Already clocked in since %(time)s at %(site)s: clock out first.")
            % {"time": _local_time(already.clock_in_at, already.site.time_zone),
               "site": already.site.name}
        )  # fmt: skip


class LocationRefusedError(ValidationError):
    """The site blocks punches from outside its radius (or with no position): audited, nothing
    else written."""


def _verdict(
    tenant: Tenant,
    site: Site,
    clocking: Clocking,
    *,
    actor: Membership,
    by_manager: bool,
    source: str,
    request: HttpRequest | None,
) -> location.Verdict | LocationRefusedError:
    """The location check of `site`. A refusal is audited and returned: the caller raises it
    after leaving the tenant context, so that the audit entry is kept. Nothing of the position
    is kept unless the company keeps location (then only inside/outside and the distance).
    The site's kiosk is a tablet enrolled at the site: its punches are recorded as "at the
    site's kiosk" (where location is kept), never geolocated nor refused by the check."""
    if source == Source.KIOSK:
        return location.Verdict(Place.KIOSK if keeps_location(tenant) else Place.UNKNOWN, None,
                                blocked=False)  # fmt: skip
    if by_manager:  # a manager's device says nothing of where the person is
        return location.Verdict("", None, blocked=False)
    where = SiteLocation.objects.filter(tenant=tenant, site=site).first()
    verdict = location.check(where, clocking.fix)
    if verdict.blocked:
        outside = verdict.place == "outside"
        why = _("outside the site's radius") if outside else _("no location given")
        if outside and not keeps_location(tenant):  # the log keeps no location fact either
            why = _("refused by the site's location check")
        emit(Event.PUNCH_REFUSED, tenant=tenant, user=actor.user, request=request, target=site,
             data={"site": str(site.pk), "why": why})  # fmt: skip
        if outside:
            return LocationRefusedError(
                _("You are %(metres)s m from %(site)s, outside its %(radius)s m radius: clocking "
                  "here is only possible at the site.")
                % {"metres": verdict.distance_m, "site": site.name,
                   "radius": where.radius_m if where else 0}
            )  # fmt: skip
        return LocationRefusedError(
            _("%(site)s needs your location to clock: allow location in your browser and try "
              "again.") % {"site": site.name}
        )  # fmt: skip
    if not keeps_location(tenant):
        return location.Verdict("", None, blocked=False)
    return verdict


def punch_clock_in(
    *,
    tenant: Tenant,
    actor: Membership,
    membership: Membership,
    clocking: Clocking,
    source: str = Source.PHONE,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Punch:
    """Clock `membership` in now, matched to their published shift of the moment (or
    unscheduled, at `clocking.site`). Refused, changing nothing, while they are clocked in."""
    reason = _check_actor(actor, membership, reason)
    if actor.pk != membership.pk:
        source = Source.MANAGER
    now = timezone.now()
    with tenant_context(tenant):
        _refuse_if_open(tenant, membership)
        # Refusals by the location check are audited, so they are decided outside the write.
        shift = matching_shift(tenant, membership, now)
        site = shift.site if shift is not None else clocking.site
        if site is None:
            raise ValidationError(_("You have no shift now: choose the site you are working at."))
        if actor.pk != membership.pk:
            require_site(actor, site)  # and only at their sites
        verdict = _verdict(tenant, site, clocking, actor=actor, request=request,
                           by_manager=not _own_device(actor, membership, source),
                           source=source)  # fmt: skip
    if isinstance(verdict, LocationRefusedError):
        raise verdict
    with tenant_context(tenant), transaction.atomic():
        person = _lock_person(tenant, membership)
        _ensure_unlocked(tenant, person, site, now)
        _refuse_if_open(tenant, person)
        punch = Punch(
            tenant=tenant, membership=person, shift=shift, site=site, clock_in_at=now,
            in_source=source, in_place=verdict.place, in_distance_m=verdict.distance_m,
            device_skew_minutes=_skew(clocking.device_time, now),
            created_by=actor if actor.pk != person.pk else None,
        )  # fmt: skip
        punch.full_clean()
        try:
            with transaction.atomic():
                punch.save()
        except IntegrityError:  # another device won the race: one record, a clear answer
            raise ValidationError(_("Already clocked in: clock out first.")) from None
        _audit(tenant, actor, person, punch, Event.PUNCH_CLOCKED_IN, "in", reason, request)
    return punch


def punch_clock_out(
    *,
    tenant: Tenant,
    actor: Membership,
    membership: Membership,
    clocking: Clocking,
    source: str = Source.PHONE,
    reason: str = "",
    request: HttpRequest | None = None,
) -> Punch:
    """Clock `membership` out now, ending a break still running. Refused, changing nothing,
    when they are not clocked in."""
    reason = _check_actor(actor, membership, reason)
    if actor.pk != membership.pk:
        source = Source.MANAGER
    now = timezone.now()
    with tenant_context(tenant):
        open_site = (
            Punch.objects.filter(tenant=tenant, membership=membership, clock_out_at__isnull=True)
            .select_related("site")
            .first()
        )
        if open_site is None:
            raise ValidationError(_("You are not clocked in, so there is nothing to clock out."))
        if actor.pk != membership.pk:
            require_site(actor, open_site.site)
        verdict = _verdict(tenant, open_site.site, clocking, actor=actor, request=request,
                           by_manager=not _own_device(actor, membership, source),
                           source=source)  # fmt: skip
    if isinstance(verdict, LocationRefusedError):
        raise verdict
    with tenant_context(tenant), transaction.atomic():
        person = _lock_person(tenant, membership)
        punch = _open_punch(tenant, person)
        if punch is None:
            raise ValidationError(_("You are not clocked in, so there is nothing to clock out."))
        _ensure_unlocked(tenant, person, punch.site, punch.clock_in_at, now)
        if now <= punch.clock_in_at:
            raise ValidationError(_("Clocking out must come after clocking in."))
        Break.objects.filter(tenant=tenant, punch=punch, end_at__isnull=True).update(end_at=now)
        punch.clock_out_at, punch.out_source = now, source
        punch.out_place, punch.out_distance_m = verdict.place, verdict.distance_m
        skew = _skew(clocking.device_time, now)
        if skew is not None:
            punch.device_skew_minutes = skew
        punch.save(update_fields=["clock_out_at", "out_source", "out_place", "out_distance_m",
                                  "device_skew_minutes"])  # fmt: skip
        _audit(tenant, actor, person, punch, Event.PUNCH_CLOCKED_OUT, "out", reason, request)
    return punch


def break_start(
    *, tenant: Tenant, membership: Membership, request: HttpRequest | None = None
) -> Break:
    now = timezone.now()
    with tenant_context(tenant), transaction.atomic():
        person = _lock_person(tenant, membership)
        punch = _open_punch(tenant, person)
        if punch is None:
            raise ValidationError(_("Clock in before starting a break."))
        if Break.objects.filter(tenant=tenant, punch=punch, end_at__isnull=True).exists():
            raise ValidationError(_("Your break has already started: end it first."))
        made = Break(tenant=tenant, punch=punch, start_at=now)
        made.save()
        emit(Event.PUNCH_BREAK_STARTED, tenant=tenant, user=person.user, request=request,
             target=punch, data={"site": str(punch.site_id)})  # fmt: skip
    return made


def break_end(
    *, tenant: Tenant, membership: Membership, request: HttpRequest | None = None
) -> Break:
    now = timezone.now()
    with tenant_context(tenant), transaction.atomic():
        person = _lock_person(tenant, membership)
        punch = _open_punch(tenant, person)
        running = (
            Break.objects.select_for_update()
            .filter(tenant=tenant, punch=punch, end_at__isnull=True)
            .first()
            if punch is not None
            else None
        )
        if punch is None or running is None:
            raise ValidationError(_("You are not on a break, so there is none to end."))
        if now <= running.start_at:
            raise ValidationError(_("A break must end after it starts."))
        running.end_at = now
        running.save(update_fields=["end_at"])
        emit(Event.PUNCH_BREAK_ENDED, tenant=tenant, user=person.user, request=request,
             target=punch, data={"site": str(punch.site_id)})  # fmt: skip
    return running


def _audit(
    tenant: Tenant,
    actor: Membership,
    person: Membership,
    punch: Punch,
    event: Event,
    direction: str,
    reason: str,
    request: HttpRequest | None,
) -> None:
    if actor.pk == person.pk:
        source = punch.in_source if direction == "in" else punch.out_source
        emit(event, tenant=tenant, user=actor.user, request=request, target=punch,
             data={"site": str(punch.site_id), "source": source})  # fmt: skip
        return
    # By a manager: the reason is kept with the punch (a correction row), not in the trail.
    PunchEdit.objects.create(
        tenant=tenant, punch=punch, editor=actor, reason=reason,
        before_in=punch.clock_in_at, before_out=None if direction == "out" else punch.clock_out_at,
        after_in=punch.clock_in_at, after_out=punch.clock_out_at,
    )  # fmt: skip
    emit(Event.PUNCH_CLOCKED_FOR, tenant=tenant, user=actor.user, request=request, target=punch,
         data={"member": str(person.pk), "site": str(punch.site_id),
               "direction": "in" if direction == "in" else "out"})  # fmt: skip
