"""Reads of repeating patterns: a template's shifts, a rotation's members and preview."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from scheduling.models import (
    RotationMember,
    RotationPattern,
    WeekTemplate,
    WeekTemplateShift,
    WorkProfilePosition,
    WorkProfileSite,
)
from tenancy.models import Membership, Tenant

MAX_WEEKS = 12  # a template is applied to at most this many weeks at once


MAX_DAYS = 7 * MAX_WEEKS  # a rotation is applied to at most this many days at once


MAX_CYCLE = 56


CYCLE = re.compile(r"^[01]{2,56}$")


def template_shifts(tenant: Tenant, template: WeekTemplate) -> QuerySet[WeekTemplateShift]:
    """The template's shifts by day and start, with site, position and person (one query)."""
    return (
        WeekTemplateShift.objects.filter(tenant=tenant, template=template)
        .select_related("site", "position", "membership__user")
        .order_by("weekday", "start_time", "id")
    )


def cycle_of(*, days_on: int, days_off: int) -> str:
    """ "1" for each working day, then "0" for each day off: cycle_of(4, 4) == "11110000"."""
    return "1" * days_on + "0" * days_off


def cycle_clean(text: str) -> str:
    """A cycle as typed ("1111 0000"): spaces are dropped; 2 to 56 days of 1 (work) and 0
    (off), with at least one working day. Raises ValidationError with what is wrong."""
    cycle = "".join(text.split())
    if not re.fullmatch(r"[01]*", cycle):
        raise ValidationError(_("Write the cycle with 1 for a working day and 0 for a day off, "
                                "for example 11110000."))  # fmt: skip
    if not 2 <= len(cycle) <= MAX_CYCLE:
        raise ValidationError(_("A cycle is 2 to %(max)d days long.") % {"max": MAX_CYCLE})
    if "1" not in cycle:
        raise ValidationError(_("A cycle needs at least one working day."))
    return cycle


def works_on(pattern: RotationPattern, offset: int, day: dt.date) -> bool:
    """Whether someone following `pattern` from `offset` days into it works on `day`."""
    cycle = pattern.cycle
    return cycle[((day - pattern.anchor_date).days + offset) % len(cycle)] == "1"


def qualified_members(tenant: Tenant, pattern: RotationPattern) -> QuerySet[Membership]:
    """Active members whose work profile lists the pattern's position and site (one query)."""
    return (
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE)
        .filter(pk__in=WorkProfilePosition.objects.filter(
            tenant=tenant, position_id=pattern.position_id).values("profile__membership_id"))
        .filter(pk__in=WorkProfileSite.objects.filter(
            tenant=tenant, site_id=pattern.site_id).values("profile__membership_id"))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )  # fmt: skip


def rotation_members(tenant: Tenant, pattern: RotationPattern) -> list[RotationMember]:
    """The pattern's members by offset, with their person (one query)."""
    return list(
        RotationMember.objects.filter(tenant=tenant, pattern=pattern)
        .select_related("membership__user")
        .order_by("offset", "membership__user__full_name", "id")
    )


def rotation_preview(
    pattern: RotationPattern, members: Sequence[RotationMember], first: dt.date, days: int = 14
) -> tuple[list[dt.date], list[tuple[RotationMember, list[bool]]]]:
    """The `days` from `first`, and for each member whether they work each day."""
    dates = [first + dt.timedelta(days=n) for n in range(days)]
    return dates, [(m, [works_on(pattern, m.offset, d) for d in dates]) for m in members]
