"""The location check: how far a browser's position is from a site, and what is kept of it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from attendance.models import LocationMode, Place, SiteLocation

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Fix:
    """A position the browser gave (never stored: only inside/outside and the distance are)."""

    latitude: float
    longitude: float


@dataclass(frozen=True)
class Verdict:
    place: str  # a Place value
    distance_m: int | None
    blocked: bool


def distance_m(a: Fix, latitude: float, longitude: float) -> int:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(a.latitude), math.radians(latitude)
    dp, dl = p2 - p1, math.radians(longitude - a.longitude)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))))


def check(where: SiteLocation | None, fix: Fix | None) -> Verdict:
    """Inside or outside the site's radius. A site without a check: not checked. No position
    given: "unavailable", refused where the site blocks."""
    if where is None or where.mode == LocationMode.OFF:
        return Verdict(Place.UNKNOWN, None, blocked=False)
    blocking = where.mode == LocationMode.BLOCK
    if fix is None:
        return Verdict(Place.UNAVAILABLE, None, blocked=blocking)
    metres = distance_m(fix, float(where.latitude), float(where.longitude))
    inside = metres <= where.radius_m
    return Verdict(Place.INSIDE if inside else Place.OUTSIDE, metres,
                   blocked=blocking and not inside)  # fmt: skip
