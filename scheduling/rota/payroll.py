"""The payroll export: paid hours per person and day from published shifts, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import uuid
import zoneinfo
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

from scheduling.access import sites_for_member
from scheduling.models import (
    Shift,
    WorkProfile,
)
from scheduling.rules.facts import scheduling_settings
from scheduling.time import local_midnight
from tenancy.context import tenant_context
from tenancy.models import Membership


def csv_download(
    name: str, columns: Sequence[str], rows: Iterable[Sequence[str]]
) -> StreamingHttpResponse:
    """A CSV file named `name`: the header, then `rows`, streamed a row at a time (a payroll
    export: this one's scheduled hours, attendance's actual ones)."""

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in itertools.chain([columns], rows):
            writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def payroll_rows(
    actor: Membership, start: dt.date, end: dt.date, *, with_pay: bool
) -> Iterator[list[str]]:
    """One row per employee and day (in the site's time zone) of published shifts from `start`
    to `end` inclusive, at the sites `actor` schedules: scheduled hours, breaks, paid hours and,
    `with_pay`, rate and cost. Read after the view has returned (the response streams), so in a
    tenant context of its own, a chunk at a time."""
    from audit.exports import safe_cell

    tenant = actor.tenant
    with tenant_context(tenant):
        settings = scheduling_settings(tenant)
        rates: dict[uuid.UUID, Decimal | None] = {}
        if with_pay:
            rates = {
                p.membership_id: p.hourly_rate
                for p in WorkProfile.objects.filter(tenant=tenant).only(
                    "membership_id", "hourly_rate"
                )
            }
        site_ids = list(sites_for_member(actor).values_list("pk", flat=True))
        zone = zoneinfo.ZoneInfo(tenant.time_zone)
        margin = dt.timedelta(days=2)  # site time zones may differ from the company's
        shifts = (
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                site_id__in=site_ids, start_at__gte=local_midnight(start, zone) - margin,
                start_at__lt=local_midnight(end + dt.timedelta(days=1), zone) + margin,
            )
            .select_related("site", "position", "membership__user")
            .order_by("membership_id", "start_at")
        )  # fmt: skip
        group: list[Shift] = []
        key: tuple[uuid.UUID | None, dt.date] | None = None
        for shift in shifts.iterator(chunk_size=2000):
            day = shift.start_at.astimezone(zoneinfo.ZoneInfo(shift.site.time_zone)).date()
            if not start <= day <= end:
                continue
            if key is not None and key != (shift.membership_id, day):
                yield _payroll_row(group, key[1], rates, settings.currency, safe_cell)
                group = []
            key = (shift.membership_id, day)
            group.append(shift)
        if group and key is not None:
            yield _payroll_row(group, key[1], rates, settings.currency, safe_cell)


def _payroll_row(
    shifts: list[Shift],
    day: dt.date,
    rates: dict[uuid.UUID, Decimal | None],
    currency: str,
    safe: Callable[[str], str],
) -> list[str]:
    first = shifts[0]
    assert first.membership is not None  # noqa: S101 (membership__isnull=False above)
    scheduled = sum(int((s.end_at - s.start_at).total_seconds() // 60) for s in shifts)
    breaks = sum(s.break_minutes for s in shifts)
    rate = rates.get(first.membership.pk)
    paid = Decimal(scheduled - breaks) / 60
    cost = "" if rate is None else str((rate * paid).quantize(Decimal("0.01")))
    return [
        str(first.membership.pk),
        safe(first.membership.user.display_name),
        day.isoformat(),
        safe("; ".join(dict.fromkeys(s.site.name for s in shifts))),
        safe("; ".join(dict.fromkeys(s.position.name for s in shifts))),
        str(len(shifts)),
        str((Decimal(scheduled) / 60).quantize(Decimal("0.01"))),
        str(breaks),
        str(paid.quantize(Decimal("0.01"))),
        "" if rate is None else str(rate),
        cost,
        currency,
    ]
