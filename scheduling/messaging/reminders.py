"""Automatic reminders: shifts starting soon, and next week still in draft on the company's
chosen weekday. Each is a notification through the one notify path."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling.messaging.selectors import publishers
from scheduling.messaging.services import field_default, notify, template_render
from scheduling.models import (
    NotificationKind,
    Shift,
)
from scheduling.rules.facts import scheduling_settings
from scheduling.time import local_midnight, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

# The placeholders each automatic text may use.
SHIFT_PLACEHOLDERS = ("position", "site", "start", "end")


UNPUBLISHED_PLACEHOLDERS = ("week", "drafts")


# The unpublished-week reminder goes out on its weekday from this local hour.
UNPUBLISHED_FROM_HOUR = 9


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone)


def _day(moment: dt.datetime | dt.date) -> str:
    """ "Mon 3 Mar" (no leading zero on any platform)."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def shift_reminder_values(shift: Shift) -> dict[str, str]:
    """The placeholders of a shift reminder, in the site's local time: "Mon 3 Mar 09:00" and
    the end's time (with its day too when the shift ends on another day)."""
    zone = zoneinfo.ZoneInfo(shift.site.time_zone)
    start, end = _local(shift.start_at, zone), _local(shift.end_at, zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{_day(end)} {end:%H:%M}"
    return {"position": shift.position.name, "site": shift.site.name,
            "start": f"{_day(start)} {start:%H:%M}", "end": end_text}  # fmt: skip


def shift_reminders_send(tenant: Tenant, now: dt.datetime) -> int:
    """Remind each person of their published shifts that start within the company's reminder
    hours from ``now`` and have not started. Each shift's reminder is sent once, and once more
    only when the shift changes (its version is in the key). Returns how many were sent."""
    with tenant_context(tenant), transaction.atomic():
        settings = scheduling_settings(tenant)
        hours = settings.shift_reminder_hours
        if not hours:
            return 0
        shifts = list(
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                membership__status=Membership.Status.ACTIVE, start_at__gt=now,
                start_at__lte=now + dt.timedelta(hours=hours),
            ).select_related("site", "position", "membership")
        )  # fmt: skip
        default = field_default("shift_reminder_text")
        sent = 0
        for shift in shifts:
            assert shift.membership is not None  # noqa: S101 (filtered above)
            values = shift_reminder_values(shift)
            made = notify(
                tenant=tenant, recipients=[shift.membership], kind=NotificationKind.REMINDER,
                title=_("Your shift on %(start)s at %(site)s") % values,
                body=template_render(settings.shift_reminder_text, default, values),
                url=f"/{tenant.slug}/my-shifts/", key=f"shift-reminder:{shift.pk}:{shift.version}",
            )  # fmt: skip
            sent += len(made)
        if sent:
            emit(Event.REMINDERS_SENT, tenant=tenant, target=tenant,
                 data={"reminder": "shift", "count": sent})  # fmt: skip
    return sent


def next_week_of(tenant: Tenant, now: dt.datetime) -> dt.date:
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    return week_start_of(_local(now, zone).date()) + dt.timedelta(days=7)


def unpublished_reminders_send(tenant: Tenant, now: dt.datetime) -> int:
    """On the company's chosen weekday, from 09:00 its local time, remind those who may publish
    the rota when next week still has draft shifts; once a week (the key names the week).
    Returns how many people were reminded."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    local = _local(now, zone)
    with tenant_context(tenant), transaction.atomic():
        settings = scheduling_settings(tenant)
        if not settings.unpublished_reminder_enabled:
            return 0
        if local.weekday() != settings.unpublished_reminder_weekday:
            return 0
        if local.hour < UNPUBLISHED_FROM_HOUR:
            return 0
        week = next_week_of(tenant, now)
        drafts = Shift.objects.filter(
            tenant=tenant, status=Shift.Status.DRAFT, start_at__gte=local_midnight(week, zone),
            start_at__lt=local_midnight(week + dt.timedelta(days=7), zone),
        ).count()  # fmt: skip
        if not drafts:
            return 0
        values = {"week": f"{_day(week)} {week:%Y}", "drafts": str(drafts)}
        made = notify(
            tenant=tenant, recipients=publishers(tenant), kind=NotificationKind.REMINDER,
            title=_("Next week's rota is not published yet"),
            body=template_render(settings.unpublished_reminder_text,
                                 field_default("unpublished_reminder_text"), values),
            url=f"/{tenant.slug}/rota/?week={week.isoformat()}", key=f"unpublished:{week}",
        )  # fmt: skip
        if made:
            emit(Event.REMINDERS_SENT, tenant=tenant, target=tenant,
                 data={"reminder": "unpublished", "week": week.isoformat(),
                       "count": len(made), "drafts": drafts})  # fmt: skip
    return len(made)
