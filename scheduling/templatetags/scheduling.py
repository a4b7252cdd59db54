"""Template filters of the scheduling pages: hours, money, and a shift's local times."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import date_format

register = template.Library()

CURRENCY_SIGNS = {"GBP": "£", "EUR": "€", "USD": "$"}


@register.filter
def hours(value: Any) -> str:
    """12.5 -> "12.5", 8 -> "8", None -> "—"."""
    if value is None:
        return "—"
    number = Decimal(value).quantize(Decimal("0.01")).normalize()
    return f"{number:f}"


@register.filter
def money(value: Any, currency: str = "GBP") -> str:
    amount = Decimal(value or 0).quantize(Decimal("0.01"))
    sign = CURRENCY_SIGNS.get(currency)
    return f"{sign}{amount:,}" if sign else f"{amount:,} {currency}"


@register.filter
def local_range(shift: Any) -> str:
    """Like "Tue 24 Nov 22:00-06:00 (+1)", in the shift's site time zone."""
    zone = zoneinfo.ZoneInfo(shift.site.time_zone)
    start, end = shift.start_at.astimezone(zone), shift.end_at.astimezone(zone)
    return f"{date_format(start, 'D j M')} {times_text(start, end)}"


def times_text(start: dt.datetime, end: dt.datetime) -> str:
    """Like "22:00-06:00 (+1)": a shift's times (both at its site) without the day."""
    days = (end.date() - start.date()).days
    text = f"{start:%H:%M}\u2013{end:%H:%M}"
    return f"{text} (+{days})" if days else text
