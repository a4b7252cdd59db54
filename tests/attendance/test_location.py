"""The optional location check: a radius per site, record-and-flag or block; only inside/outside
and the distance kept, and only when the company keeps location (off by default)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attendance.models import Punch, SiteLocation
from gdpr import services as gdpr_services
from tenancy.context import tenant_context
from tenancy.models import DETAIL_KINDS, SensitiveKind
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db

SITE = (Decimal("51.501000"), Decimal("-0.142000"))
NEAR = {"latitude": "51.501500", "longitude": "-0.142000"}  # about 56 m
FAR = {"latitude": "51.601000", "longitude": "-0.142000"}  # about 11 km


def check_site(floor: Floor, mode: str) -> None:
    with tenant_context(floor.tenant):
        SiteLocation.objects.create(site=floor.site, latitude=SITE[0], longitude=SITE[1],
                                    radius_m=150, mode=mode)  # fmt: skip


def keep_location(floor: Floor, kinds: list[str] | None = None) -> None:
    gdpr_services.data_settings_save(
        tenant=floor.tenant, actor=floor.admin,
        kinds=[SensitiveKind.LOCATION] if kinds is None else kinds,
        former_employee_retention_days=730, audit_retention_days=2555, confirmed=True,
    )  # fmt: skip


def clock_in(floor: Floor, **data: str):  # type: ignore[no-untyped-def]
    return floor.client(floor.worker).post(f"/{floor.slug}/clock/",
                                           {"action": "in", **data}, follow=True)  # fmt: skip


def only_punch(floor: Floor) -> Punch:
    with tenant_context(floor.tenant):
        [punch] = Punch.objects.all()
    return punch


def test_inside_the_radius_is_kept_as_inside_with_the_distance(floor: Floor) -> None:
    check_site(floor, "flag")
    keep_location(floor)
    page = floor.client(floor.worker).get(f"/{floor.slug}/my-shifts/")
    assert b"data-locate" in page.content
    clock_in(floor, **NEAR)
    punch = only_punch(floor)
    assert punch.in_place == "inside" and 40 <= (punch.in_distance_m or 0) <= 70


def test_far_outside_the_radius_is_recorded_and_flagged_by_default(floor: Floor) -> None:
    check_site(floor, "flag")
    keep_location(floor)
    response = clock_in(floor, **FAR)
    assert "Clocked in." in response.content.decode()
    punch = only_punch(floor)
    assert punch.in_place == "outside" and punch.outside
    assert 10_000 <= (punch.in_distance_m or 0) <= 12_000


def test_a_blocking_site_refuses_far_away_with_a_clear_message_audited(floor: Floor) -> None:
    check_site(floor, "block")
    response = clock_in(floor, **FAR)
    text = response.content.decode()
    assert "outside its 150 m radius" in text and "Rosewood" in text
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()
    [refusal] = floor.audit("punch.refused")
    assert refusal.additional_data["site"] == str(floor.site.pk)
    # The company keeps no location: the log says a check refused it, not where they were.
    assert refusal.additional_data["why"] == "refused by the site's location check"
    # ...and without a position at all, it asks for one.
    assert "needs your location" in clock_in(floor).content.decode()
    # Inside, it clocks in.
    assert "Clocked in." in clock_in(floor, **NEAR).content.decode()


def test_nothing_of_the_location_is_kept_unless_the_company_keeps_it(floor: Floor) -> None:
    check_site(floor, "flag")
    clock_in(floor, **FAR)
    punch = only_punch(floor)
    assert (punch.in_place, punch.in_distance_m) == ("", None)


def test_turning_location_off_asks_to_confirm_then_erases_what_was_kept(floor: Floor) -> None:
    check_site(floor, "flag")
    keep_location(floor)
    clock_in(floor, **FAR)
    # Unconfirmed: refused, naming how many people would lose a stored value; nothing changes.
    with pytest.raises(gdpr_services.ConfirmationNeededError) as refused:
        gdpr_services.data_settings_save(
            tenant=floor.tenant, actor=floor.admin, kinds=[],
            former_employee_retention_days=730, audit_retention_days=2555,
        )  # fmt: skip
    assert refused.value.people == 1
    assert only_punch(floor).in_place == "outside"
    keep_location(floor, kinds=[])  # confirmed
    punch = only_punch(floor)
    assert (punch.in_place, punch.in_distance_m) == ("", None)


def test_location_is_not_a_personal_details_field(floor: Floor) -> None:
    keep_location(floor, kinds=list(SensitiveKind.values))
    assert SensitiveKind.LOCATION not in DETAIL_KINDS
    assert SensitiveKind.LOCATION not in gdpr_services.kept_kinds(floor.tenant)
    page = floor.client(floor.worker).get(f"/{floor.slug}/my-details/")
    assert page.status_code == 200
