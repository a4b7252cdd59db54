"""The no-show notification: managers are told when someone has not clocked in a company-set
number of minutes after their published shift started (through the one notify path, so in-app
and by email as their preferences allow, and once per shift)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from attendance.models import Punch
from attendance.settings import attendance_settings
from scheduling.access import sites_for_member
from scheduling.messaging.services import notify
from scheduling.models import NotificationKind, Shift
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission

# Shifts that started longer ago than this are not reported any more (a task that was down).
LOOKBACK = dt.timedelta(hours=12)


def _managers(tenant: Tenant) -> list[Membership]:
    roles = [r.pk for r in Role.objects.filter(tenant=tenant) if r.has(Permission.CLOCK_OTHERS)]
    return list(
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE, role__in=roles,
                                  user__is_active=True)
        .select_related("user", "role")
    )  # fmt: skip


def no_shows_notify(tenant: Tenant, now: dt.datetime) -> int:
    """Tell the managers of each site about each published shift that started at least the
    company's no-show minutes ago (and not more than LOOKBACK) with no punch. Each shift is
    reported once (the notification key). Returns how many shifts were reported."""
    with tenant_context(tenant), transaction.atomic():
        settings = attendance_settings(tenant)
        due = now - dt.timedelta(minutes=settings.no_show_minutes)
        shifts = list(
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                membership__status=Membership.Status.ACTIVE, start_at__lte=due,
                start_at__gt=now - LOOKBACK, end_at__gt=due,
            )
            .exclude(pk__in=Punch.objects.filter(tenant=tenant, shift__isnull=False)
                     .values("shift_id"))
            .select_related("site", "membership__user")
        )  # fmt: skip
        if not shifts:
            return 0
        managers = _managers(tenant)
        sites = {m.pk: set(sites_for_member(m).values_list("pk", flat=True)) for m in managers}
        reported = 0
        for shift in shifts:
            assert shift.membership is not None  # noqa: S101 (filtered above)
            zone = zoneinfo.ZoneInfo(shift.site.time_zone)
            values = {"site": shift.site.name,
                      "start": f"{shift.start_at.astimezone(zone):%H:%M}"}  # fmt: skip
            made = notify(
                tenant=tenant, recipients=[m for m in managers if shift.site_id in sites[m.pk]],
                kind=NotificationKind.REQUEST,
                title=_("Someone has not clocked in at %(site)s (shift from %(start)s)") % values,
                body=_("Open the board to see who, and clock them in with a reason if they are "
                       "there."),
                url=f"/{tenant.slug}/board/", key=f"no-show:{shift.pk}",
                actor=shift.membership,
            )  # fmt: skip
            if made:
                reported += 1
                who = {"member": str(shift.membership_id), "site": str(shift.site_id)}
                emit(Event.NO_SHOW_NOTIFIED, tenant=tenant, target=shift, data=who)
    return reported
