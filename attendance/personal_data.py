"""Attendance's part of a person's data export and erasure (registered with
tenancy.personal_data, which gdpr iterates: gdpr never imports attendance)."""

from __future__ import annotations

import csv
import io
import uuid
import zoneinfo

from attendance.models import Break, Place, Punch, PunchEdit, Timesheet
from tenancy.models import Membership, SensitiveKind, Tenant
from tenancy.personal_data import ExportFile


def _csv(name: str, header: list[str], rows: list[list[object]]) -> ExportFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else str(value) for value in row])
    return name, buffer.getvalue().encode("utf-8")


def export(tenant: Tenant, membership: Membership) -> list[ExportFile]:
    """punches.csv (with breaks and location verdicts) and timesheets.csv."""
    punches = list(
        Punch.objects.filter(tenant=tenant, membership=membership)
        .select_related("site")
        .order_by("clock_in_at")
    )
    breaks: dict[object, list[Break]] = {}
    for row in Break.objects.filter(tenant=tenant, punch__in=punches).order_by("start_at"):
        breaks.setdefault(row.punch_id, []).append(row)
    edited = set(PunchEdit.objects.filter(tenant=tenant, punch__in=punches)
                 .values_list("punch_id", flat=True))  # fmt: skip
    rows: list[list[object]] = []
    for punch in punches:
        zone = zoneinfo.ZoneInfo(punch.site.time_zone)
        out = punch.clock_out_at.astimezone(zone).isoformat() if punch.clock_out_at else ""
        rows.append([
            punch.site.name, punch.clock_in_at.astimezone(zone).isoformat(), out,
            "yes" if punch.shift_id else "no (unscheduled)",
            "; ".join(f"{b.start_at.astimezone(zone):%H:%M}-"
                      f"{b.end_at.astimezone(zone):%H:%M}" if b.end_at else "running"
                      for b in breaks.get(punch.pk, [])),
            punch.in_place, punch.in_distance_m, punch.out_place, punch.out_distance_m,
            "yes" if punch.pk in edited else "no",
        ])  # fmt: skip
    header = ["site", "clocked_in", "clocked_out", "scheduled", "breaks", "clock_in_location",
              "clock_in_distance_m", "clock_out_location", "clock_out_distance_m",
              "corrected_by_a_manager"]  # fmt: skip
    sheets = Timesheet.objects.filter(tenant=tenant, membership=membership).order_by("period_start")
    sheet_rows: list[list[object]] = [
        [s.period_start, s.period_end, s.status, s.approved_minutes, s.approved_overtime_minutes,
         s.answer, s.answer_note]
        for s in sheets
    ]  # fmt: skip
    sheet_header = ["period_start", "period_end", "status", "approved_minutes",
                    "approved_overtime_minutes", "your_answer", "your_note"]  # fmt: skip
    return [_csv("punches.csv", header, rows), _csv("timesheets.csv", sheet_header, sheet_rows)]


def erase(tenant: Tenant, membership: Membership) -> dict[str, list[str]]:
    """Keep the hours (pay needs them), erase what is personal beyond them: where they clocked
    from and their own words on timesheets; the reasons managers gave about them."""
    punches = Punch.objects.filter(tenant=tenant, membership=membership)
    ids = [str(pk) for pk in punches.values_list("pk", flat=True)]
    punches.update(in_place=Place.UNKNOWN, in_distance_m=None, out_place=Place.UNKNOWN,
                   out_distance_m=None)  # fmt: skip
    PunchEdit.objects.filter(tenant=tenant, punch__membership=membership).update(reason="")
    sheets = Timesheet.objects.filter(tenant=tenant, membership=membership)
    sheet_ids = [str(pk) for pk in sheets.values_list("pk", flat=True)]
    sheets.update(answer_note="")
    return {"attendance.punch": ids, "attendance.timesheet": sheet_ids}


def holders(tenant: Tenant, kinds: list[str]) -> set[uuid.UUID]:
    """The people with a punch whose location verdict is stored, when location is in `kinds`."""
    if SensitiveKind.LOCATION not in kinds:
        return set()
    return set(
        Punch.objects.filter(tenant=tenant)
        .exclude(in_place=Place.UNKNOWN, out_place=Place.UNKNOWN)
        .values_list("membership_id", flat=True)
        .distinct()
    )


def forget_kinds(tenant: Tenant, kinds: list[str]) -> int:
    """The company stopped keeping location: every punch's location verdict is erased."""
    if SensitiveKind.LOCATION not in kinds:
        return 0
    return Punch.objects.filter(tenant=tenant).exclude(
        in_place=Place.UNKNOWN, out_place=Place.UNKNOWN
    ).update(in_place=Place.UNKNOWN, in_distance_m=None, out_place=Place.UNKNOWN,
             out_distance_m=None)  # fmt: skip
