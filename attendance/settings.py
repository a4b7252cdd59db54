"""The company's attendance settings (one row, made on first use) and its pay periods."""

from __future__ import annotations

import calendar
import datetime as dt

from attendance.models import AttendanceSettings, PayPeriod
from tenancy.context import tenant_context
from tenancy.models import PrivacySettings, SensitiveKind, Tenant


def attendance_settings(tenant: Tenant) -> AttendanceSettings:
    """The company's settings; unsaved defaults when it has never changed them (no write on a
    read)."""
    with tenant_context(tenant):
        row = AttendanceSettings.objects.filter(tenant=tenant).first()
    return row or AttendanceSettings(tenant=tenant)


def keeps_location(tenant: Tenant) -> bool:
    """Whether the company chose to keep where people clock (off by default)."""
    with tenant_context(tenant):
        kinds = PrivacySettings.objects.filter(tenant=tenant).values_list("kept_kinds", flat=True)
        kept = next(iter(kinds), None) or []
    return SensitiveKind.LOCATION in kept


def period_of(settings: AttendanceSettings, day: dt.date) -> tuple[dt.date, dt.date]:
    """The pay period (first and last day) that holds `day`."""
    if settings.pay_period == PayPeriod.MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    monday = day - dt.timedelta(days=day.weekday())
    if settings.pay_period == PayPeriod.FORTNIGHTLY:
        anchor = settings.period_anchor or dt.date(2024, 1, 1)  # a Monday
        anchor -= dt.timedelta(days=anchor.weekday())
        if (monday - anchor).days // 7 % 2:
            monday -= dt.timedelta(days=7)
        return monday, monday + dt.timedelta(days=13)
    return monday, monday + dt.timedelta(days=6)
