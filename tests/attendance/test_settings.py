"""The attendance settings page: the company's timesheet rules and each site's location check."""

from __future__ import annotations

import pytest

from attendance.models import AttendanceSettings, SiteLocation
from attendance.settings import attendance_settings
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db


def test_admin_sets_the_pay_period_and_rules(floor: Floor) -> None:
    client = floor.client(floor.admin)
    url = f"/{floor.slug}/settings/attendance/"
    page = client.get(url).content.decode()
    assert "Timesheet rules" in page and "Rosewood" in page and "do not keep location" in page
    data = {"pay_period": "fortnightly", "period_anchor": "2026-01-05", "rounding_minutes": "15",
            "auto_break_after_hours": "6", "auto_break_minutes": "30", "late_grace_minutes": "5",
            "no_show_minutes": "20", "overtime_weekly_hours": "40",
            "overtime_multiplier": "1.5"}  # fmt: skip
    bad = client.post(url, {**data, "rounding_minutes": "600"})
    assert bad.status_code == 400
    with tenant_context(floor.tenant):
        assert not AttendanceSettings.objects.exists()
    assert client.post(url, data).status_code == 302
    saved = attendance_settings(floor.tenant)
    assert (saved.pay_period, saved.rounding_minutes, saved.no_show_minutes) == (
        "fortnightly",
        15,
        20,
    )
    assert floor.audit("attendancesettings.created")


def test_admin_sets_a_sites_location_check_and_bad_values_change_nothing(floor: Floor) -> None:
    client = floor.client(floor.admin)
    url = f"/{floor.slug}/settings/attendance/"
    p = str(floor.site.pk)
    bad = client.post(url, {"site": p, f"{p}-latitude": "123", f"{p}-longitude": "0",
                            f"{p}-radius_m": "150", f"{p}-mode": "block"})  # fmt: skip
    assert bad.status_code == 400
    good = {"site": p, f"{p}-latitude": "51.5", f"{p}-longitude": "-0.14",
            f"{p}-radius_m": "150", f"{p}-mode": "block"}  # fmt: skip
    assert client.post(url, good).status_code == 302
    with tenant_context(floor.tenant):
        row = SiteLocation.objects.get()
    assert (row.site_id, row.radius_m, row.mode) == (floor.site.pk, 150, "block")
    other = Floor("beta")
    response = client.post(url, {"site": str(other.site.pk)})
    assert response.status_code == 404


def test_settings_need_the_permission(floor: Floor) -> None:
    response = floor.client(floor.manager).get(f"/{floor.slug}/settings/attendance/")
    assert response.status_code == 403
