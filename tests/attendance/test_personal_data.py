"""GDPR: a person's punches and timesheets are in their data export and erased with them,
through the hook attendance registers (gdpr never imports attendance)."""

from __future__ import annotations

import ast
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.test import TestCase
from django.utils import timezone

from attendance.models import Punch, PunchEdit, Timesheet
from gdpr import rights
from gdpr import services as gdpr_services
from tenancy.context import tenant_context
from tenancy.models import SensitiveKind
from tenancy.personal_data import personal_data_hooks
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def recorded(floor: Floor) -> Punch:
    gdpr_services.data_settings_save(
        tenant=floor.tenant, actor=floor.admin, kinds=[SensitiveKind.LOCATION],
        former_employee_retention_days=730, audit_retention_days=2555,
    )  # fmt: skip
    start = timezone.now() - dt.timedelta(days=2)
    with tenant_context(floor.tenant):
        punch = Punch.objects.create(membership=floor.worker, site=floor.site, clock_in_at=start,
                                     clock_out_at=start + dt.timedelta(hours=8),
                                     in_place="outside", in_distance_m=812)  # fmt: skip
        PunchEdit.objects.create(punch=punch, editor=floor.manager, reason="Was at the dentist",
                                 before_in=start, after_in=start)  # fmt: skip
        Timesheet.objects.create(membership=floor.worker, period_start=start.date(),
                                 period_end=start.date(), answer="queried",
                                 answer_note="Missing my Sunday")  # fmt: skip
    return punch


def test_the_data_export_holds_punches_and_timesheets(floor: Floor) -> None:
    recorded(floor)
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = rights.export_request(tenant=floor.tenant, membership=floor.worker)
    with tenant_context(floor.tenant):
        export.refresh_from_db()
    archive = zipfile.ZipFile(io.BytesIO(rights.export_content(export)))
    punches = archive.read("punches.csv").decode()
    timesheets = archive.read("timesheets.csv").decode()
    assert "Rosewood" in punches and "outside" in punches and "812" in punches
    assert "no (unscheduled)" in punches and ",yes" in punches  # corrected by a manager
    assert "Missing my Sunday" in timesheets and "queried" in timesheets


def test_erasure_removes_location_and_words_but_keeps_the_hours(floor: Floor) -> None:
    punch = recorded(floor)
    rights.person_anonymise(tenant=floor.tenant, membership=floor.worker, reason="request")
    kept = floor.reload(punch)
    assert (kept.in_place, kept.in_distance_m) == ("", None)
    assert kept.clock_in_at == punch.clock_in_at and kept.clock_out_at == punch.clock_out_at
    with tenant_context(floor.tenant):
        assert PunchEdit.objects.get(punch=punch).reason == ""
        assert Timesheet.objects.get(membership=floor.worker).answer_note == ""


def test_gdpr_reaches_attendance_only_through_the_hook() -> None:
    assert [hook.key for hook in personal_data_hooks()] == ["attendance"]
    for path in (ROOT / "gdpr").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("attendance"), path
