"""Availability: weekly recurring times a member cannot work (or prefers to), and one-off
changes by date. Scheduling someone over their unavailability is a rule break, soft unless the
company makes it hard."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.events import emit
from scheduling.models import Availability, AvailabilityException, AvailabilityKind
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

Interval = tuple[dt.datetime, dt.datetime, str]


def _check_times(start: dt.time | None, end: dt.time | None) -> None:
    if start is not None and end is not None and end <= start:
        raise ValidationError({"end_time": _("The end time is before the start time.")})


def weekly_of(tenant: Tenant, membership: Membership) -> list[Availability]:
    with tenant_context(tenant):
        return list(Availability.objects.filter(tenant=tenant, membership=membership))


def exceptions_of(
    tenant: Tenant, membership: Membership, *, since: dt.date
) -> list[AvailabilityException]:
    with tenant_context(tenant):
        return list(
            AvailabilityException.objects.filter(
                tenant=tenant, membership=membership, date__gte=since
            )[:100]
        )


def weekly_add(
    *, tenant: Tenant, membership: Membership, weekday: int, start: dt.time,
    end: dt.time | None, kind: str,
) -> Availability:  # fmt: skip
    """A recurring slot; `end` None runs to midnight. Refused if it overlaps another slot of
    the same day."""
    _check_times(start, end)
    with tenant_context(tenant):
        for other in Availability.objects.filter(tenant=tenant, membership=membership,
                                                 weekday=weekday):  # fmt: skip
            other_end = other.end_time or dt.time.max
            if start < other_end and other.start_time < (end or dt.time.max):
                raise ValidationError(_("That overlaps a time you already gave for that day."))
        row = Availability(membership=membership, weekday=weekday, start_time=start,
                           end_time=end, kind=kind)  # fmt: skip
        row.full_clean(exclude=["tenant", "membership"])
        row.save()
        emit("availability.changed", tenant=tenant, user=membership.user, target=row)
    return row


def exception_add(
    *, tenant: Tenant, membership: Membership, day: dt.date, kind: str,
    start: dt.time | None = None, end: dt.time | None = None, note: str = "", today: dt.date,
) -> AvailabilityException:  # fmt: skip
    if day < today:
        raise ValidationError({"date": _("Choose today or a later date.")})
    if (start is None) != (end is None):
        raise ValidationError(_("For part of the day give both times; for all day, neither."))
    _check_times(start, end)
    with tenant_context(tenant):
        row = AvailabilityException(membership=membership, date=day, kind=kind,
                                    start_time=start, end_time=end, note=note.strip())  # fmt: skip
        row.full_clean(exclude=["tenant", "membership"])
        row.save()
        emit("availability.changed", tenant=tenant, user=membership.user, target=row)
    return row


def remove(*, tenant: Tenant, membership: Membership, row_id: uuid.UUID | str) -> bool:
    """Delete one of the person's own slots or date changes."""
    with tenant_context(tenant):
        for model in (Availability, AvailabilityException):
            row = model.objects.filter(tenant=tenant, membership=membership, pk=row_id).first()
            if row is not None:
                row.delete()
                emit("availability.changed", tenant=tenant, user=membership.user,
                     target=membership)  # fmt: skip
                return True
    return False


def unavailable(
    tenant: Tenant,
    start: dt.datetime,
    end: dt.datetime,
    members: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[Interval]]:
    """When each member (of `members`, None: everyone) is unavailable within [start, end), as
    UTC intervals: their weekly slots on each day, except dates marked "available after all",
    plus one-off unavailability. Two queries; call it inside the tenant's context."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    first, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    # Plain values, not model instances: every rule check and the rota read these.
    weekly_rows = Availability.objects.filter(
        tenant=tenant, kind=AvailabilityKind.UNAVAILABLE
    ).order_by("weekday", "start_time")
    change_rows = AvailabilityException.objects.filter(
        tenant=tenant, date__gte=first, date__lte=last
    ).order_by("date", "start_time")
    if members is not None:
        wanted = list(members)
        weekly_rows = weekly_rows.filter(membership_id__in=wanted)
        change_rows = change_rows.filter(membership_id__in=wanted)
    weekly = list(weekly_rows.values_list("membership_id", "weekday", "start_time", "end_time"))
    changes = list(
        change_rows.values_list("membership_id", "date", "kind", "start_time", "end_time", "note")
    )
    lifted = {(member, date) for member, date, kind, *_rest in changes
              if kind == AvailabilityKind.AVAILABLE}  # fmt: skip
    found: dict[uuid.UUID, list[Interval]] = {}

    def add(member: uuid.UUID, day: dt.date, begin: dt.time | None, until: dt.time | None,
            label: str) -> None:  # fmt: skip
        a = dt.datetime.combine(day, begin or dt.time.min, tzinfo=zone)
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        b = dt.datetime.combine(day, until, tzinfo=zone) if until else next_midnight
        found.setdefault(member, []).append((a.astimezone(dt.UTC), b.astimezone(dt.UTC), label))

    if weekly:
        plain = _("unavailable")
        day = first
        while day <= last:
            weekday = day.weekday()
            for member, slot_weekday, begin, until in weekly:
                if slot_weekday == weekday and (member, day) not in lifted:
                    add(member, day, begin, until, plain)
            day += dt.timedelta(days=1)
    for member, date, kind, from_time, to_time, note in changes:
        if kind == AvailabilityKind.UNAVAILABLE:
            add(member, date, from_time, to_time, note or _("unavailable"))
    return found
