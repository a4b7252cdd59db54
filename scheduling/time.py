"""Time in a company: weeks from Monday, local midnights, wall-clock times that the clocks may skip,
and today in the company's zone. Stored instants are UTC; a shift may cross midnight."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from django.utils import timezone

from scheduling.models import (
    Shift,
)
from tenancy.models import Tenant

WEEK = dt.timedelta(days=7)


def week_start_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def wall_time_utc(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """`day` at wall-clock `time` in `zone`, in UTC; None for a time that the clocks skip."""
    local = dt.datetime.combine(day, time, tzinfo=zone)
    utc = local.astimezone(dt.UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def today_in(tenant: Tenant) -> dt.date:
    return timezone.now().astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()


def local_date(shift: Shift, zones: dict[uuid.UUID, zoneinfo.ZoneInfo]) -> dt.date:
    return shift.start_at.astimezone(zones[shift.site_id]).date()


def week_window(tenant: Tenant, week_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    start = local_midnight(week_start, zone) - dt.timedelta(days=2)
    end = local_midnight(week_start + WEEK, zone) + dt.timedelta(days=2)
    return start, end
