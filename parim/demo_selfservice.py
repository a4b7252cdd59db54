"""The demo's self-service: leave allowances and requests (some waiting for a manager, one
approved and on the rota), availability, written once per company after its rota."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from scheduling.leave import services as availability
from scheduling.leave import services as leave
from scheduling.marketplace import services as marketplace
from scheduling.marketplace.selectors import claim_outlooks, open_shifts_for
from scheduling.messaging import selectors as messaging_selectors
from scheduling.messaging import services as messaging_services
from scheduling.models import (
    AvailabilityKind,
    LeaveRequest,
    Shift,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from scheduling.patterns import services as patterns
from scheduling.time import local_midnight, today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind


def seed_selfservice(tenant: Tenant, domain: str) -> int:
    """Returns how many records were written; nothing when the company has leave requests."""
    with tenant_context(tenant):
        if LeaveRequest.objects.exists():
            return 0
        manager = Membership.objects.select_related("user").get(user__email=f"manager@{domain}")
        workers = list(
            Membership.objects.select_related("user")
            .filter(role__kind=RoleKind.EMPLOYEE, status=Membership.Status.ACTIVE)
            .order_by("user__email")
        )
    today = today_in(tenant)
    next_week = week_start_of(today) + dt.timedelta(days=7)
    annual = next(t for t in leave.leave_types(tenant) if t.deducts)
    written = 0
    for person in workers:
        for year in sorted({today.year, (next_week + dt.timedelta(days=13)).year}):
            leave.allowance_set(tenant=tenant, actor=manager, membership=person, year=year,
                                amount=Decimal(25), unit="days")  # fmt: skip
            written += 1
    employee = next(p for p in workers if p.user.email == f"employee@{domain}")
    others = [p for p in workers if p.pk != employee.pk]
    # Waiting for a decision: the demo employee's long weekend, and a colleague's week away.
    written += _ask(tenant, employee, annual.pk, next_week + dt.timedelta(days=11),
                    next_week + dt.timedelta(days=12), "Long weekend with family")  # fmt: skip
    written += _ask(tenant, others[1], annual.pk, next_week + dt.timedelta(days=7),
                    next_week + dt.timedelta(days=11), "Holiday, booked in the summer")  # fmt: skip
    # Approved, next week, on two days the person has no shift: shown on the rota.
    away = others[0]
    free = _free_days(tenant, away, next_week)
    if free:
        # Two days in a row when there are, else one.
        first = next((d for d in free if d + dt.timedelta(days=1) in free), free[0])
        last = first + dt.timedelta(days=1) if first + dt.timedelta(days=1) in free else first
        request = _request(tenant, away, annual.pk, first, last, "Moving house")
        leave.leave_decide(tenant=tenant, actor=manager, leave=request, approve=True,
                           comment="Good luck with the move!")  # fmt: skip
        written += 1
    # The demo employee cannot work on Sunday evenings, prefers early shifts on Mondays, and
    # has a dentist's appointment next week.
    availability.weekly_add(tenant=tenant, membership=employee, weekday=6, start=dt.time(17),
                            end=None, kind=AvailabilityKind.UNAVAILABLE)  # fmt: skip
    availability.weekly_add(tenant=tenant, membership=employee, weekday=0, start=dt.time(6),
                            end=dt.time(14), kind=AvailabilityKind.PREFERRED)  # fmt: skip
    availability.exception_add(tenant=tenant, membership=employee,
                               day=next_week + dt.timedelta(days=2),
                               kind=AvailabilityKind.UNAVAILABLE, start=dt.time(9),
                               end=dt.time(11), note="Dentist", today=today)  # fmt: skip
    # A message from the manager to everyone at the demo employee's site.
    with tenant_context(tenant):
        site = Site.objects.filter(pk__in=WorkProfileSite.objects.filter(
            profile__membership=employee).values("site_id")).first()  # fmt: skip
    if site is not None:
        messaging_services.message_send(
            tenant=tenant, actor=manager, subject="New hoist training on Thursday",
            body="The new ceiling hoist is fitted in the east wing. A 30-minute training session "
            "runs at 14:00 on Thursday in the staff room; please come if you are on shift.",
            audience=messaging_selectors.Audience(site=site),
        )  # fmt: skip
        written += 1
    written += _marketplace(tenant, manager, workers, next_week)
    patterns.template_save(tenant=tenant, actor=manager, name="Standard week",
                           week_start=week_start_of(today))  # fmt: skip
    return written + 4


def _marketplace(
    tenant: Tenant, manager: Membership, workers: list[Membership], week: dt.date
) -> int:
    """An open shift next week with a claim waiting for a manager, and a swap of a published
    shift that a colleague has accepted, waiting for a manager too."""
    written = 0
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    with tenant_context(tenant):
        sample = (
            Shift.objects.filter(status=Shift.Status.PUBLISHED, membership__isnull=False,
                                 start_at__gte=local_midnight(week, zone))
            .select_related("site", "position").order_by("start_at")
        )  # fmt: skip
        shifts = list(sample[:400])
    if not shifts:
        return 0
    first = shifts[0]
    start = local_midnight(week + dt.timedelta(days=1), zone) + dt.timedelta(hours=7)
    with tenant_context(tenant):
        open_shift = Shift.objects.create(
            site=first.site, position=first.position, start_at=start,
            end_at=start + dt.timedelta(hours=8), break_minutes=30,
            status=Shift.Status.PUBLISHED, published_at=start - dt.timedelta(days=3),
        )  # fmt: skip
    written += 1
    # Somebody qualified who may take it within the rules: a short shift, on the first day and
    # time that suits one of them (the demo's rota is busy).
    qualified = [p for p in workers if _works(tenant, p, first.site_id, first.position_id)]
    for day, hour in ((day, hour) for day in range(1, 7) for hour in (10, 18)):
        begin = local_midnight(week + dt.timedelta(days=day), zone) + dt.timedelta(hours=hour)
        with tenant_context(tenant):
            open_shift.start_at, open_shift.end_at = begin, begin + dt.timedelta(hours=4)
            open_shift.break_minutes = 0
            open_shift.save(update_fields=["start_at", "end_at", "break_minutes"])
        for person in qualified:
            try:
                marketplace.claim_create(tenant=tenant, membership=person, shift=open_shift)
            except ValidationError:
                continue  # the rules refuse it: the next one
            return written + 1 + _swap(tenant, workers, shifts, week)
    return written + _swap(tenant, workers, shifts, week)


def open_shift_for_employee(tenant: Tenant, domain: str) -> int:
    """An open shift at the demo employee's site, in their position, from tomorrow on, that
    they may claim within the rules (judged as the Open shifts page judges it). Written when
    none of the open shifts offered to them is one they could claim, so a later run, on a
    later day, offers a new one. Returns how many shifts were written (0 or 1)."""
    now = timezone.now()
    with tenant_context(tenant):
        employee = Membership.objects.select_related("tenant", "user").get(
            user__email=f"{RoleKind.EMPLOYEE.value}@{domain}"
        )
        offered = [s for s in open_shifts_for(employee) if not getattr(s, "my_claim", False)]
        soon = now + dt.timedelta(hours=12)
        if any(o.can_claim and o.shift.start_at > soon
               for o in claim_outlooks(employee, offered)):  # fmt: skip
            return 0
        site = WorkProfileSite.objects.filter(profile__membership=employee).first()
        position = WorkProfilePosition.objects.filter(profile__membership=employee).first()
        if site is None or position is None:
            return 0
        zone = zoneinfo.ZoneInfo(tenant.time_zone)
        today = today_in(tenant)
        for days, hour in ((d, h) for d in range(1, 11) for h in (9, 13, 17)):
            start = local_midnight(today + dt.timedelta(days=days), zone) + dt.timedelta(hours=hour)
            if start <= soon:
                continue
            shift = Shift(
                tenant=tenant, site_id=site.site_id, position_id=position.position_id,
                start_at=start, end_at=start + dt.timedelta(hours=6), break_minutes=30,
                status=Shift.Status.PUBLISHED, published_at=now,
            )  # fmt: skip
            if claim_outlooks(employee, [shift])[0].can_claim:
                shift.save()
                return 1
    return 0


def _works(tenant: Tenant, person: Membership, site_id: uuid.UUID, position_id: uuid.UUID) -> bool:
    with tenant_context(tenant):
        profile = WorkProfile.objects.filter(membership=person).first()
        return profile is not None and (
            WorkProfileSite.objects.filter(profile=profile, site_id=site_id).exists()
            and WorkProfilePosition.objects.filter(profile=profile, position_id=position_id)
            .exists()
        )  # fmt: skip


def _swap(tenant: Tenant, workers: list[Membership], shifts: list[Shift], week: dt.date) -> int:
    """A swap waiting for a manager: of a shift already on the rota when the rules allow one,
    else of a shift the week after next (whose rota is still empty)."""
    if _exchange(tenant, workers, shifts):
        return 1
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    later = local_midnight(week + dt.timedelta(days=9), zone) + dt.timedelta(hours=9)
    for giver in workers:
        with tenant_context(tenant):
            profile = WorkProfile.objects.filter(membership=giver).first()
            site = WorkProfileSite.objects.filter(profile=profile).first()
            position = WorkProfilePosition.objects.filter(profile=profile).first()
            if site is None or position is None:
                continue
            shift = Shift.objects.create(
                site_id=site.site_id, position_id=position.position_id, membership=giver,
                start_at=later, end_at=later + dt.timedelta(hours=8), break_minutes=30,
                status=Shift.Status.PUBLISHED, published_at=later - dt.timedelta(days=10),
            )  # fmt: skip
        for taker in workers:
            if taker.pk == giver.pk or not _works(tenant, taker, shift.site_id, shift.position_id):
                continue
            if _offer_accepted(tenant, giver, shift, taker):
                return 1
    return 0


def _exchange(tenant: Tenant, workers: list[Membership], shifts: list[Shift]) -> int:
    """A published shift offered to a colleague who accepted it, giving one of theirs in
    return (everyone's week is full in the demo): the first exchange the rules allow, between
    two people who work the same site and position."""
    qualified: dict[tuple[uuid.UUID, uuid.UUID], list[Membership]] = {}
    by_person: dict[uuid.UUID, list[Shift]] = {}
    for shift in shifts:
        if shift.membership_id is not None:
            by_person.setdefault(shift.membership_id, []).append(shift)
    # Latest first: nothing follows next week yet, so the 7-day hours allow more there.
    for shift in reversed(shifts):
        giver = next((w for w in workers if w.pk == shift.membership_id), None)
        if giver is None:
            continue
        kind = (shift.site_id, shift.position_id)
        if kind not in qualified:
            qualified[kind] = [w for w in workers if _works(tenant, w, *kind)]
        for taker in qualified[kind]:
            theirs = [
                other for other in by_person.get(taker.pk, [])
                if (other.site_id, other.position_id) == kind
            ]  # fmt: skip
            if taker.pk == giver.pk or not theirs:
                continue
            if any(_offer_accepted(tenant, giver, shift, taker, given) for given in theirs):
                return 1
    return 0


def _offer_accepted(
    tenant: Tenant, giver: Membership, shift: Shift, taker: Membership,
    given: Shift | None = None,
) -> bool:  # fmt: skip
    """Whether `giver` could offer `shift` to `taker` and `taker` accept it (giving `given` in
    return): both done when the rules allow, nothing changed when they do not."""
    try:
        with transaction.atomic():
            swap = marketplace.swap_offer(
                tenant=tenant, membership=giver, shift=shift, offered_to=taker,
                note="Could you take this one? I have a family event.",
            )  # fmt: skip
            marketplace.swap_accept(tenant=tenant, membership=taker, swap=swap,
                                    return_shift=given)  # fmt: skip
    except ValidationError:
        return False
    return True


def _request(tenant: Tenant, person: Membership, type_id: uuid.UUID, first: dt.date,
             last: dt.date, note: str) -> LeaveRequest:  # fmt: skip
    return leave.leave_request(tenant=tenant, membership=person, leave_type_id=type_id,
                               start=first, end=last, note=note)  # fmt: skip


def _ask(tenant: Tenant, person: Membership, type_id: uuid.UUID, first: dt.date, last: dt.date,
         note: str) -> int:  # fmt: skip
    _request(tenant, person, type_id, first, last, note)
    return 1


def _free_days(tenant: Tenant, person: Membership, week: dt.date) -> list[dt.date]:
    """The days of `week` on which `person` has no shift, in order."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = local_midnight(week, zone)
    with tenant_context(tenant):
        starts = Shift.objects.filter(
            membership=person, start_at__gte=start - dt.timedelta(days=1),
            start_at__lt=start + dt.timedelta(days=8),
        ).values_list("start_at", "end_at")  # fmt: skip
        busy = set()
        for begin, end in starts:
            busy.add(begin.astimezone(zone).date())
            busy.add((end - dt.timedelta(seconds=1)).astimezone(zone).date())
    return [day for n in range(7) if (day := week + dt.timedelta(days=n)) not in busy]
