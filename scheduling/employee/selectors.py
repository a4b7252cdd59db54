"""Reads of an employee's own schedule: upcoming shifts with colleagues, hours, feed shifts."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone

from scheduling.models import Shift, WorkProfile
from scheduling.time import WEEK, local_midnight, today_in, week_start_of
from tenancy.models import Membership


def my_schedule(membership: Membership, *, days: int = 42) -> dict[str, Any]:
    """The member's own published shifts from today for `days`, each with the colleagues
    working at the same site at the same time, and their paid hours this week and this month.
    Four queries, whatever the number of shifts."""
    tenant = membership.tenant
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    today = today_in(tenant)
    week_start = week_start_of(today)
    month_start = today.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    window_start = local_midnight(min(week_start, month_start), zone)
    last_day = max(today + dt.timedelta(days=days), month_end, week_start + WEEK)
    window_end = local_midnight(last_day, zone)
    mine = list(
        Shift.objects.filter(
            tenant=tenant, membership=membership, status=Shift.Status.PUBLISHED,
            end_at__gt=window_start, start_at__lt=window_end,
        ).select_related("site", "position").order_by("start_at")
    )  # fmt: skip

    def paid_hours(first: dt.date, last: dt.date) -> Decimal:
        start, end = local_midnight(first, zone), local_midnight(last, zone)
        minutes = sum(s.paid_minutes for s in mine if start <= s.start_at < end)
        return Decimal(minutes) / 60

    now = timezone.now()
    horizon = local_midnight(today + dt.timedelta(days=days), zone)
    upcoming = [s for s in mine if s.end_at > now and s.start_at < horizon]
    colleagues: dict[uuid.UUID, list[Shift]] = defaultdict(list)
    if upcoming:
        others = (
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                site_id__in={s.site_id for s in upcoming},
                start_at__lt=max(s.end_at for s in upcoming),
                end_at__gt=min(s.start_at for s in upcoming),
            ).exclude(membership=membership)
            .select_related("membership__user", "position").order_by("start_at")
        )  # fmt: skip
        for other in others:
            for shift in upcoming:
                if (other.site_id == shift.site_id and other.start_at < shift.end_at
                        and shift.start_at < other.end_at):  # fmt: skip
                    colleagues[shift.pk].append(other)
    return {
        "upcoming": [(shift, colleagues.get(shift.pk, [])) for shift in upcoming],
        "hours_week": paid_hours(week_start, week_start + WEEK),
        "hours_month": paid_hours(month_start, month_end),
        "week_start": week_start,
        "month_start": month_start,
        "days": days,
    }


def feed_shifts(membership: Membership) -> list[Shift]:
    """The member's published shifts for their calendar feed: from 90 days ago, a year ahead."""
    now = timezone.now()
    return list(
        Shift.objects.filter(
            tenant=membership.tenant, membership=membership, status=Shift.Status.PUBLISHED,
            start_at__gte=now - dt.timedelta(days=90), start_at__lt=now + dt.timedelta(days=366),
        ).select_related("site", "position").order_by("start_at")
    )  # fmt: skip


def has_calendar_feed(membership: Membership) -> bool:
    """Whether the member has a feed address that works (one query)."""
    return (
        WorkProfile.objects.filter(tenant_id=membership.tenant_id, membership=membership)
        .exclude(calendar_token_hash="")
        .exists()
    )
