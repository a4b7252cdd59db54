"""The kiosk: set up and turned off by a manager, bound to one enrolled tablet (a one-time
enrolment link gives the tablet a device cookie; only hashes are stored; a manager can revoke
the device), a personal PIN per person (hashed like a password), and clocking with it. Wrong
PINs are counted per person and per kiosk: a person's PIN
locks after PIN_LOCK_AFTER in a row, a kiosk pauses after KIOSK_PAUSE_AFTER; every attempt and
every punch is audited."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from accounts.tokens import new_token, token_hash
from attendance.access import require_site
from attendance.clocking import services as clocking
from attendance.clocking.services import Action, Clocking
from attendance.models import Kiosk, KioskPin, Source
from scheduling.access import schedules_site
from scheduling.models import Site, WorkProfileSite
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import Permission

PIN_LOCK_AFTER = 5  # wrong PINs in a row before a person's PIN is locked
PIN_LOCK_FOR = dt.timedelta(minutes=15)  # the first lock; each next one lasts twice as long
PIN_LOCKS_BEFORE_RESET = 3  # after this many locks in a row, only a new PIN unlocks it
# Compared against when someone has no PIN, so that a reply takes as long either way.
_NO_PIN = make_password("no PIN set: never matches")
KIOSK_PAUSE_AFTER = 20
KIOSK_PAUSE_FOR = dt.timedelta(minutes=5)
PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
WRONG = "Wrong name or PIN. Try again, or ask a manager."
ENROL_FOR = dt.timedelta(minutes=15)  # how long an enrolment link works (once)
DEVICE_COOKIE = "parim_kiosk"
DEVICE_COOKIE_AGE = dt.timedelta(days=400)  # the longest browsers keep a cookie


def _unknown_hash() -> str:
    """The hash of a token nobody holds: a kiosk with no enrolled device."""
    return token_hash(new_token())


def _managed_kiosk(tenant: Tenant, actor: Membership, kiosk: Kiosk) -> Kiosk:
    if not actor.has(Permission.CLOCK_OTHERS):
        raise PermissionDenied
    row = Kiosk.objects.select_for_update().select_related("site").get(tenant=tenant, pk=kiosk.pk)
    require_site(actor, row.site)  # a manager of some sites manages only their kiosks
    return row


def kiosk_create(*, tenant: Tenant, actor: Membership, site: Site, name: str) -> Kiosk:
    """A kiosk for one of the actor's sites, with no device yet (see kiosk_enrolment_start)."""
    if not actor.has(Permission.CLOCK_OTHERS):
        raise PermissionDenied
    with tenant_context(tenant), transaction.atomic():
        if not schedules_site(actor, site.pk):
            raise ValidationError(_("Choose one of your sites."))
        kiosk = Kiosk(tenant=tenant, site=site, name=name.strip() or site.name,
                      token_hash=_unknown_hash(), created_by=actor)  # fmt: skip
        kiosk.full_clean()
        kiosk.save()
        emit(Event.KIOSK_SET_UP, tenant=tenant, user=actor.user, target=kiosk,
             data={"site": str(site.pk)})  # fmt: skip
    return kiosk


def kiosk_enrolment_start(*, tenant: Tenant, actor: Membership, kiosk: Kiosk) -> str:
    """A one-time enrolment code for the kiosk (shown once, valid for ENROL_FOR); a newer one
    replaces it. The device enrolled with it replaces any earlier device."""
    with tenant_context(tenant), transaction.atomic():
        row = _managed_kiosk(tenant, actor, kiosk)
        if row.revoked_at is not None:
            raise ValidationError(_("This kiosk is turned off: set up a new one."))
        code = new_token()
        row.enrol_hash, row.enrol_expires_at = token_hash(code), timezone.now() + ENROL_FOR
        row.save(update_fields=["enrol_hash", "enrol_expires_at"])
        emit(Event.KIOSK_ENROLMENT_STARTED, tenant=tenant, user=actor.user, target=row,
             data={"site": str(row.site_id)})  # fmt: skip
    return code


def kiosk_by_enrolment(tenant: Tenant, code: str) -> Kiosk | None:
    """The working kiosk whose unexpired enrolment code this is; None otherwise."""
    return (
        Kiosk.objects.filter(tenant=tenant, enrol_hash=token_hash(code), revoked_at__isnull=True,
                             enrol_expires_at__gt=timezone.now())
        .select_related("site").first()
    )  # fmt: skip


def kiosk_enrol(
    *, tenant: Tenant, code: str, request: HttpRequest | None = None
) -> tuple[Kiosk, str] | None:
    """Bind the device opening the enrolment link: the code is spent, the device's new token
    (returned, for its cookie) replaces any earlier device's. None when the code is wrong,
    spent or expired (nothing changed)."""
    with tenant_context(tenant), transaction.atomic():
        found = kiosk_by_enrolment(tenant, code)
        if found is None:
            return None
        row = Kiosk.objects.select_for_update().get(tenant=tenant, pk=found.pk)
        if row.enrol_hash != found.enrol_hash:  # spent by a device at the same moment
            return None
        token = new_token()
        row.token_hash, row.enrolled_at = token_hash(token), timezone.now()
        row.enrol_hash, row.enrol_expires_at = "", None
        row.save(update_fields=["token_hash", "enrolled_at", "enrol_hash", "enrol_expires_at"])
        emit(Event.KIOSK_DEVICE_ENROLLED, tenant=tenant, request=request, target=row,
             data={"site": str(row.site_id)})  # fmt: skip
    return found, token


def kiosk_device_revoke(*, tenant: Tenant, actor: Membership, kiosk: Kiosk) -> None:
    """Unbind the kiosk's device (lost, stolen, replaced): its cookie stops working at once, as
    does an enrolment link not yet used. The kiosk stays, to enrol another device."""
    with tenant_context(tenant), transaction.atomic():
        row = _managed_kiosk(tenant, actor, kiosk)
        if row.enrolled_at is None and not row.enrol_hash:
            return
        row.token_hash, row.enrolled_at = _unknown_hash(), None
        row.enrol_hash, row.enrol_expires_at = "", None
        row.save(update_fields=["token_hash", "enrolled_at", "enrol_hash", "enrol_expires_at"])
        emit(Event.KIOSK_DEVICE_REVOKED, tenant=tenant, user=actor.user, target=row,
             data={"site": str(row.site_id)})  # fmt: skip


def kiosk_revoke(*, tenant: Tenant, actor: Membership, kiosk: Kiosk) -> None:
    """Turn the kiosk off for good: its device and any enrolment link stop working."""
    with tenant_context(tenant), transaction.atomic():
        row = _managed_kiosk(tenant, actor, kiosk)
        if row.revoked_at is not None:
            return
        row.revoked_at = timezone.now()
        row.token_hash, row.enrol_hash, row.enrol_expires_at = _unknown_hash(), "", None
        row.save(update_fields=["revoked_at", "token_hash", "enrol_hash", "enrol_expires_at"])
        emit(Event.KIOSK_TURNED_OFF, tenant=tenant, user=actor.user, target=row,
             data={"site": str(row.site_id)})  # fmt: skip


def kiosk_by_device(tenant: Tenant, token: str | None) -> Kiosk | None:
    """The working kiosk this device is enrolled as (its cookie's token); None for no cookie, a
    revoked device or a turned-off kiosk. A hash is computed either way."""
    digest = token_hash(token or "no device")
    if not token:
        return None
    return (
        Kiosk.objects.filter(tenant=tenant, token_hash=digest, revoked_at__isnull=True)
        .select_related("site")
        .first()
    )


def pin_set(*, tenant: Tenant, membership: Membership, pin: str) -> None:
    """Set or change the person's PIN (4 to 8 digits); it unlocks a locked PIN."""
    if not PIN_PATTERN.match(pin or ""):
        raise ValidationError(_("Use 4 to 8 digits."))
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise ValidationError(
            _("Choose a PIN that is harder to guess than %(pin)s.") % {"pin": pin}
        )
    with tenant_context(tenant), transaction.atomic():
        row = (
            KioskPin.objects.select_for_update()
            .filter(tenant=tenant, membership=membership)
            .first()
        )
        row = row or KioskPin(tenant=tenant, membership=membership)
        row.pin_hash = make_password(pin)
        row.failed_attempts, row.locked_until = 0, None
        row.save()
        emit(Event.KIOSK_PIN_SET, tenant=tenant, user=membership.user, target=row)


def _local(instant: dt.datetime, site: Site) -> str:
    return f"{instant.astimezone(zoneinfo.ZoneInfo(site.time_zone)):%H:%M}"


def _check_pin(tenant: Tenant, kiosk: Kiosk, membership_id: str, pin: str) -> Membership | str:
    """The person, or the message to show. Counters and audit entries are written either way
    (the caller is not rolled back)."""
    now = timezone.now()
    locked_kiosk = Kiosk.objects.select_for_update().get(tenant=tenant, pk=kiosk.pk)
    if locked_kiosk.paused_until and locked_kiosk.paused_until > now:
        return _("Too many wrong PINs: this kiosk is paused until %(time)s.") % {
            "time": _local(locked_kiosk.paused_until, kiosk.site)}  # fmt: skip
    # Only the people who work at the kiosk's site (those it lists) can clock on it.
    person = (
        Membership.objects.filter(tenant=tenant, pk=membership_id,
                                  status=Membership.Status.ACTIVE,
                                  pk__in=kiosk_people(tenant, kiosk.site))
        .select_related("user").first()
    )  # fmt: skip
    row = (
        KioskPin.objects.select_for_update().filter(tenant=tenant, membership=person).first()
        if person is not None
        else None
    )
    if row is not None and row.failed_attempts >= PIN_LOCK_AFTER * PIN_LOCKS_BEFORE_RESET:
        return _(
            "Your PIN is locked after too many wrong attempts: set a new one on your "
            "Clock page, or a manager can clock you in."
        )
    if row is not None and row.locked_until and row.locked_until > now:
        return _("Your PIN is locked until %(time)s after too many wrong attempts; a manager "
                 "can clock you in.") % {"time": _local(row.locked_until, kiosk.site)}  # fmt: skip
    # Always one hash check, with or without a PIN to check against.
    matches = check_password(pin, row.pin_hash if row is not None else _NO_PIN)
    if person is not None and row is not None and matches:
        if row.failed_attempts:
            KioskPin.objects.filter(pk=row.pk).update(failed_attempts=0, locked_until=None)
        # The kiosk's count of wrong PINs is not reset by a right one: someone who knows their
        # own PIN cannot use it to keep guessing others'.
        return person
    # Wrong: count it against the kiosk, and against the person when they have a PIN.
    Kiosk.objects.filter(pk=kiosk.pk).update(failed_attempts=F("failed_attempts") + 1)
    if locked_kiosk.failed_attempts + 1 >= KIOSK_PAUSE_AFTER:
        Kiosk.objects.filter(pk=kiosk.pk).update(failed_attempts=0,
                                                 paused_until=now + KIOSK_PAUSE_FOR)  # fmt: skip
    if person is not None:
        emit(Event.KIOSK_PIN_FAILED, tenant=tenant, target=kiosk,
             data={"member": str(person.pk), "site": str(kiosk.site_id)})  # fmt: skip
    if row is not None:
        # Counted until a right PIN (or a new one): every PIN_LOCK_AFTER wrong ones lock it,
        # each lock twice as long as the last, and after PIN_LOCKS_BEFORE_RESET locks for good.
        failed = row.failed_attempts + 1
        locks = failed // PIN_LOCK_AFTER
        locked = now + PIN_LOCK_FOR * 2 ** (locks - 1) if failed % PIN_LOCK_AFTER == 0 else None
        KioskPin.objects.filter(pk=row.pk).update(
            failed_attempts=failed, locked_until=locked or row.locked_until
        )
        if locked:
            emit(Event.KIOSK_PIN_LOCKED, tenant=tenant, target=kiosk,
                 data={"member": str(row.membership_id)})  # fmt: skip
    return _(WRONG)


def kiosk_people(tenant: Tenant, site: Site) -> QuerySet[Membership]:
    """The members whose work profile lists `site`: the people a kiosk there lists and serves."""
    listed = WorkProfileSite.objects.filter(tenant=tenant, site=site)
    return Membership.objects.filter(tenant=tenant, pk__in=listed.values("profile__membership_id"))


def kiosk_punch(
    *,
    tenant: Tenant,
    kiosk: Kiosk,
    membership_id: str,
    pin: str,
    action: Action,
    request: HttpRequest | None = None,
) -> tuple[Membership, str]:
    """Clock with a PIN on a kiosk. Returns the person and what was done; a wrong PIN, a locked
    one or a refused punch raises ValidationError with the message to show."""
    with tenant_context(tenant), transaction.atomic():
        checked = _check_pin(tenant, kiosk, membership_id, pin)
    if isinstance(checked, str):
        raise ValidationError(checked)
    person = checked
    clock = Clocking(site=kiosk.site)
    if action == Action.IN:
        clocking.punch_clock_in(tenant=tenant, actor=person, membership=person, clocking=clock,
                                source=Source.KIOSK, request=request)  # fmt: skip
        return person, _("Clocked in")
    if action == Action.OUT:
        clocking.punch_clock_out(tenant=tenant, actor=person, membership=person, clocking=clock,
                                 source=Source.KIOSK, request=request)  # fmt: skip
        return person, _("Clocked out")
    if action == Action.BREAK_START:
        clocking.break_start(tenant=tenant, membership=person, request=request)
        return person, _("Break started")
    clocking.break_end(tenant=tenant, membership=person, request=request)
    return person, _("Break ended")
