"""Planning's writes: the coverage plan (rows, exceptions, from recent weeks), and auto-build
runs (start, run as a job, cancel, accept all or some as drafts through the rota's service)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from planning.models import WEIGHT_NAMES, CoverageException, CoverageRow, PlanningSettings
from planning.product.problem import Weights
from scheduling.access import schedules_site
from scheduling.models import Shift, Site
from scheduling.time import week_start_of
from tenancy.context import company_row_save, tenant_context
from tenancy.models import Membership, Tenant

logger = logging.getLogger("parim.planning")

MAX_WEEKS = 4
MAX_SECONDS = 600


def require_scheduled_site(actor: Membership, site: Site) -> None:
    if not schedules_site(actor, site.pk):
        raise ValidationError({"site": [_("Choose one of the sites you schedule.")]})


# Coverage plan --------------------------------------------------------------------------------


def coverage_row_save(*, tenant: Tenant, actor: Membership, row: CoverageRow) -> CoverageRow:
    """Create or change one row of a site's plan (the form filled `row`)."""
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, row.site)
        row.tenant = tenant
        row.full_clean()
        row.save()
    return row


def coverage_row_delete(*, tenant: Tenant, actor: Membership, row: CoverageRow) -> None:
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, row.site)
        row.delete()


def coverage_exception_save(
    *, tenant: Tenant, actor: Membership, row: CoverageRow, date: dt.date, people: int, note: str
) -> CoverageException:
    """On `date`, `row` needs `people` (replacing an exception already there)."""
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, row.site)
        found = CoverageException.objects.filter(row=row, date=date).first()
        exception = found or CoverageException(tenant=tenant, row=row, date=date, people=people)
        exception.people, exception.note = people, note.strip()
        exception.full_clean()
        exception.save()
    return exception


def coverage_exception_delete(
    *, tenant: Tenant, actor: Membership, exception: CoverageException, site: Site
) -> None:
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, site)
        exception.delete()


def coverage_from_recent(
    *, tenant: Tenant, actor: Membership, site: Site, before: dt.date, weeks: int
) -> int:
    """Replace the site's plan with the shifts of the `weeks` weeks before the week of
    `before`: one row per (position, start, end, break), each weekday needing the most people
    it had on that weekday in those weeks. Returns how many rows it made."""
    if not 1 <= weeks <= 8:
        raise ValidationError(_("Choose between 1 and 8 recent weeks."))
    import zoneinfo

    zone = zoneinfo.ZoneInfo(site.time_zone)
    first = week_start_of(before) - dt.timedelta(days=7 * weeks)
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(week_start_of(before), dt.time(), tzinfo=zone)
    with tenant_context(tenant), transaction.atomic():
        require_scheduled_site(actor, site)
        seen: Counter[tuple[Any, ...]] = Counter()
        for position_id, start_at, end_at, break_minutes in Shift.objects.filter(
            tenant=tenant, site=site, start_at__gte=start, start_at__lt=end
        ).values_list("position_id", "start_at", "end_at", "break_minutes"):
            a, b = start_at.astimezone(zone), end_at.astimezone(zone)
            seen[position_id, a.time(), b.time(), break_minutes, a.date()] += 1
        most: dict[tuple[Any, ...], list[int]] = {}
        for (position_id, a, b, brk, day), n in seen.items():
            counts = most.setdefault((position_id, a, b, brk), [0] * 7)
            counts[day.weekday()] = max(counts[day.weekday()], n)
        CoverageRow.objects.filter(site=site).delete()
        for (position_id, a, b, brk), counts in sorted(
            most.items(), key=lambda i: (i[0][1], str(i[0][0]))
        ):
            row = CoverageRow(tenant=tenant, site=site, position_id=position_id, start_time=a,
                              end_time=b, break_minutes=brk)  # fmt: skip
            for name, n in zip(
                ("mon", "tue", "wed", "thu", "fri", "sat", "sun"), counts, strict=True
            ):
                setattr(row, name, min(n, 50))
            row.full_clean()
            row.save()
        emit(Event.COVERAGE_FROM_RECENT, tenant=tenant, user=actor.user,
             data={"site": str(site.pk), "weeks": weeks, "week": before.isoformat()})  # fmt: skip
    return len(most)


# The auto-build's weights ---------------------------------------------------------------------


def planning_settings(tenant: Tenant) -> PlanningSettings:
    """The company's weights; unsaved defaults when it never changed them (no write on a read).
    One query."""
    with tenant_context(tenant):
        row = PlanningSettings.objects.filter(tenant=tenant).first()
    return row or PlanningSettings(tenant=tenant)


def planning_settings_save(
    *, tenant: Tenant, actor: Membership, values: dict[str, int]
) -> PlanningSettings:
    """Save the company's weights (each a whole number from 0 to its maximum; anything else is
    refused and nothing changes). Recorded in the activity log as a change of the settings."""
    unknown = set(values) - set(WEIGHT_NAMES)
    if unknown:
        raise ValidationError(
            _("Unknown weights: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    return company_row_save(PlanningSettings, tenant, values)


def planning_settings_restore(*, tenant: Tenant, actor: Membership) -> PlanningSettings:
    """Every weight back to its default (a change in the activity log like any other)."""
    defaults = Weights()
    values = {name: getattr(defaults, name) for name in WEIGHT_NAMES}
    return planning_settings_save(tenant=tenant, actor=actor, values=values)
