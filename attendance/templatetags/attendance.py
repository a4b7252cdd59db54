"""Template filters of the attendance pages: an instant at a site's local time, minutes as hours."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import template

register = template.Library()


@register.filter
def site_time(instant: dt.datetime | None, site: Any) -> str:
    """ "07:58" at the site's time zone; "—" for none."""
    if instant is None:
        return "—"
    return f"{instant.astimezone(zoneinfo.ZoneInfo(site.time_zone)):%H:%M}"


@register.filter
def hm(minutes: int | None) -> str:
    """Minutes as "7:30"; "—" for none."""
    if minutes is None:
        return "—"
    sign = "-" if minutes < 0 else ""
    minutes = abs(int(minutes))
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


@register.filter
def site_input(instant: dt.datetime | None, site: Any) -> str:
    """The value of a datetime-local input at the site's time zone ("2026-11-23T07:58")."""
    if instant is None:
        return ""
    return f"{instant.astimezone(zoneinfo.ZoneInfo(site.time_zone)):%Y-%m-%dT%H:%M}"
