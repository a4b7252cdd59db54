"""The rota and the other scheduling pages through the browser's eyes (Django's client):
fixed query counts, htmx answers, bad input, permissions, My shifts, the calendar feed and
the payroll export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from audit.models import AuditEntry
from scheduling.models import Shift, WorkProfile
from scheduling.rota import services as rota_services
from scheduling.setup import services as setup_services
from scheduling.time import today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Role
from tenancy.permissions import RoleKind
from tests.builders import MONDAY, Rota, add_shift, at, build_rota, signed_in
from tests.factories import member, queries

pytestmark = pytest.mark.django_db


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(context)


def _fill(rota: Rota, people: list[Membership]) -> None:
    """A shift a day for each person, some open shifts, a few drafts with rule breaks."""
    for index, person in enumerate(people):
        for day in range(5):
            add_shift(rota, person, at(MONDAY + dt.timedelta(days=day), 7 + index % 3))
    add_shift(rota, None, at(MONDAY, 9))
    add_shift(rota, people[0], at(MONDAY, 12))  # overlaps


ROTA_QUERIES = 19  # 6 for any tenant page + the cached week's check (its snapshot: here, in
# the test's transaction, nothing is ever stored) + sites, positions, settings, members, the
# shown rows' profiles (everyone listed: not their positions and sites), the week's totals and
# counts (summed by the database, scheduling/rota/totals.py), the shown rows' shifts and their
# stored rule breaks, leave and availability (3), and the week's shift wishes.
ROWS_QUERIES = ROTA_QUERIES - 1  # the rows that follow, everyone listed: only the shifts,
# stored breaks and profiles of the rows sent, no totals.
ROWS_FILTERED_QUERIES = ROWS_QUERIES + 3  # a site or position shown: first who has a shift
# there in the week (they are listed whatever their profile says), and everyone's profiles
# with their positions and sites (2 more reads), which decide who else is listed.
ROTA_FILTERED_QUERIES = ROTA_QUERIES + 3  # the page likewise.


@pytest.mark.postgres
def test_the_rota_takes_the_same_queries_for_10_and_300_people() -> None:
    small = build_rota("alpha", people=10)
    _fill(small, small.people)
    big = build_rota("bravo", people=300)
    _fill(big, big.people)
    urls = [f"/{{slug}}/rota/?week={MONDAY}", f"/{{slug}}/rota/rows/?week={MONDAY}&offset=0"]
    counts = [
        _count(signed_in(rota.admin), url.format(slug=rota.tenant.slug))
        for url in urls
        for rota in (small, big)
    ]
    # The rows of 300 people come in several requests, each like the first.
    counts.append(_count(signed_in(big.admin), f"/bravo/rota/rows/?week={MONDAY}&offset=60"))
    at_site = f"/bravo/rota/rows/?week={MONDAY}&site={big.site.pk}&offset=60"
    counts.append(_count(signed_in(big.admin), at_site))
    counts.append(_count(signed_in(big.admin), f"/bravo/rota/?week={MONDAY}&site={big.site.pk}"))
    assert counts == (
        [queries(ROTA_QUERIES)] * 2 + [queries(ROWS_QUERIES)] * 3
        + [queries(ROWS_FILTERED_QUERIES), queries(ROTA_FILTERED_QUERIES)]
    )  # fmt: skip


def test_the_rota_shows_chips_totals_open_shifts_and_rule_breaks() -> None:
    rota = build_rota(people=3)
    _fill(rota, rota.people)
    page = signed_in(rota.admin).get(f"/alpha/rota/?week={MONDAY}").content.decode()
    assert page.count('class="shift shift--teal') == 17
    assert "Open shifts" in page
    assert "shift--blocked" in page  # the overlap
    assert "Overlaps" in page or "overlap" in page
    assert "£" in page  # the admin may see pay, so costs show
    manager_page = signed_in(rota.manager).get(f"/alpha/rota/?week={MONDAY}").content.decode()
    assert "£" not in manager_page  # a manager without "personal data" sees no costs


def test_employees_never_see_the_rota_or_drafts() -> None:
    rota = build_rota(people=2)
    tomorrow = today_in(rota.tenant) + dt.timedelta(days=1)  # upcoming, so it would be listed
    draft = add_shift(rota, rota.people[0], at(tomorrow, 9))
    client = signed_in(rota.people[0])
    assert client.get("/alpha/rota/").status_code == 403
    assert client.get(f"/alpha/rota/shifts/{draft.pk}/").status_code == 403
    page = client.get("/alpha/my-shifts/").content.decode()
    assert "No shifts coming up" in page
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=tomorrow)
    page = client.get("/alpha/my-shifts/").content.decode()  # the same shift, now published
    assert "No shifts coming up" not in page
    assert page.count('class="shift-item"') == 1


def _form(rota: Rota, **overrides: Any) -> dict[str, Any]:
    data = {
        "site": rota.site.pk,
        "position": rota.carer.pk,
        "membership": rota.people[0].pk,
        "date": "2026-11-25",
        "start_time": "09:00",
        "end_time": "17:00",
        "break_minutes": 30,
        "notes": "",
    }
    data.update(overrides)
    return data


def test_the_shift_dialog_saves_with_htmx_and_asks_the_grid_to_refresh() -> None:
    rota = build_rota()
    client = signed_in(rota.manager)
    dialog = client.get("/alpha/rota/shifts/new/?date=2026-11-25", HTTP_HX_REQUEST="true")
    assert 'id="shift-dialog-title"' in dialog.content.decode()
    response = client.post("/alpha/rota/shifts/new/", _form(rota), HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert "rota-changed" in response["HX-Trigger"]
    with tenant_context(rota.tenant):
        shift = Shift.objects.get()
    assert shift.start_at == at(dt.date(2026, 11, 25), 9)
    assert shift.status == Shift.Status.DRAFT


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "08:00"}, "ends before it starts"),
        ({"end_time": "08:00", "ends_next_day": "on", "start_time": "06:00"}, "at most 16 hours"),
        ({"membership": "00000000-0000-7000-8000-000000000000"}, "Select a valid choice"),
        ({"site": "00000000-0000-7000-8000-000000000000"}, "Select a valid choice"),
        ({"date": "2026-03-29", "start_time": "01:30"}, "does not exist"),
    ],
)
def test_bad_shift_input_is_a_form_error_in_the_dialog(
    overrides: dict[str, Any], message: str
) -> None:
    rota = build_rota()
    client = signed_in(rota.manager)
    response = client.post(
        "/alpha/rota/shifts/new/", _form(rota, **overrides), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#shift-dialog-body"
    assert message in response.content.decode()
    with tenant_context(rota.tenant):
        assert not Shift.objects.exists()


def test_a_forged_site_of_another_tenant_is_refused() -> None:
    rota = build_rota()
    other = build_rota("bravo")
    response = signed_in(rota.manager).post(
        "/alpha/rota/shifts/new/", _form(rota, site=other.site.pk)
    )
    assert response.status_code == 400
    with tenant_context(rota.tenant):
        assert not Shift.objects.exists()


def test_two_managers_editing_one_shift_the_second_is_told() -> None:
    rota = build_rota()
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    first, second = signed_in(rota.manager), signed_in(rota.admin)
    url = f"/alpha/rota/shifts/{shift.pk}/"
    assert (
        first.post(
            url,
            _form(rota, date="2026-11-23", version=1, start_time="10:00"),
            HTTP_HX_REQUEST="true",
        ).status_code
        == 204
    )
    response = second.post(
        url, _form(rota, date="2026-11-23", version=1, start_time="11:00"), HTTP_HX_REQUEST="true"
    )
    assert "Someone else changed this shift" in response.content.decode()
    with tenant_context(rota.tenant):
        assert Shift.objects.get().start_at == at(MONDAY, 10)


def test_drag_and_drop_moves_a_shift() -> None:
    rota = build_rota()
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    response = signed_in(rota.manager).post(
        f"/alpha/rota/shifts/{shift.pk}/move/",
        {"membership": rota.people[1].pk, "date": "2026-11-26", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204
    with tenant_context(rota.tenant):
        moved = Shift.objects.get()
    assert moved.membership_id == rota.people[1].pk
    assert moved.start_at == at(dt.date(2026, 11, 26), 9)


def test_the_publish_page_lists_breaks_and_publishes_with_an_override() -> None:
    rota = build_rota()
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[0], at(MONDAY, 12))  # overlap: hard
    client = signed_in(rota.manager)
    page = client.get(f"/alpha/rota/publish/?week={MONDAY}").content.decode()
    assert "block publishing" in page and "Override and publish" in page
    refused = client.post(f"/alpha/rota/publish/?week={MONDAY}", {"override_reason": ""})
    assert refused.status_code == 400
    done = client.post(
        f"/alpha/rota/publish/?week={MONDAY}", {"override_reason": "Double cover for training"}
    )
    assert done.status_code == 302
    with tenant_context(rota.tenant):
        assert set(Shift.objects.values_list("status", flat=True)) == {"published"}


def test_my_shifts_shows_published_shifts_hours_and_colleagues(settings: Any) -> None:
    rota = build_rota(people=2)
    today = today_in(rota.tenant)
    tomorrow = today + dt.timedelta(days=1)
    add_shift(rota, rota.people[0], at(tomorrow, 9))  # 8 h less a 30 min break: 7.5 h paid
    add_shift(rota, rota.people[1], at(tomorrow, 10))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=tomorrow)
    add_shift(rota, rota.people[0], at(tomorrow + dt.timedelta(days=1), 9))  # stays a draft
    page = signed_in(rota.people[0]).get("/alpha/my-shifts/").content.decode()
    assert "Employee 001 (Carer)" in page  # the colleague on at the same time
    assert page.count('class="shift-item"') == 1  # the published shift, not the draft
    in_week = week_start_of(today) == week_start_of(tomorrow)
    in_month = today.month == tomorrow.month
    stats = re.findall(r'class="stat__value">([^<]*) h<', page)
    assert stats == ["7.5" if in_week else "0", "7.5" if in_month else "0"]


def test_the_calendar_feed_holds_only_the_persons_published_shifts() -> None:
    rota = build_rota(people=2)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    mine = add_shift(rota, rota.people[0], at(tomorrow, 9))
    add_shift(rota, rota.people[1], at(tomorrow, 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=tomorrow)
    draft = add_shift(rota, rota.people[0], at(tomorrow + dt.timedelta(days=1), 9))
    client = signed_in(rota.people[0])
    page = client.post("/alpha/my-shifts/calendar/", {"action": "renew"}).content.decode()
    url = re.search(r'value="http://testserver(/alpha/calendar/[^"]+\.ics)"', page).group(1)  # type: ignore[union-attr]
    feed = Client().get(url)  # no sign-in: the secret address is the credential
    assert feed["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    uids = [str(event["uid"]) for event in calendar.walk("VEVENT")]
    assert uids == [f"{mine.pk}@parim"]
    assert str(draft.pk) not in feed.content.decode()
    client.post("/alpha/my-shifts/calendar/", {"action": "revoke"})
    assert Client().get(url).status_code == 404
    with tenant_context(rota.tenant):
        assert AuditEntry.objects.filter(event="calendar.revoked").count() == 1


def test_payroll_export_streams_hours_and_cost_and_is_audited() -> None:
    rota = build_rota(people=2)
    add_shift(rota, rota.people[0], at(MONDAY, 9))  # 8 h with 30 min break
    add_shift(rota, rota.people[0], at(MONDAY, 18), hours=4, break_minutes=0)
    add_shift(rota, rota.people[1], at(MONDAY + dt.timedelta(days=1), 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY,
                          override_reason="Short rest agreed")  # fmt: skip
    add_shift(rota, rota.people[1], at(MONDAY + dt.timedelta(days=2), 9))  # a draft: not paid
    assert signed_in(rota.manager).get("/alpha/payroll/").status_code == 403
    response = signed_in(rota.admin).get(
        f"/alpha/payroll/?date_from={MONDAY}&date_to={MONDAY + dt.timedelta(days=6)}"
    )
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [(r["employee"], r["date"], r["shifts"], r["paid_hours"], r["cost"]) for r in rows] == [
        ("Employee 000", "2026-11-23", "2", "11.50", "138.00"),
        ("Employee 001", "2026-11-24", "1", "7.50", "90.00"),
    ]
    with tenant_context(rota.tenant):
        assert AuditEntry.objects.filter(event="payroll.exported").count() == 1


@pytest.mark.postgres
def test_the_streamed_payroll_takes_the_same_queries_for_3_and_40_people() -> None:
    counts = []
    for slug, people in (("alpha", 3), ("bravo", 40)):
        rota = build_rota(slug, people=people)
        _fill(rota, rota.people)
        rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY,
                              override_reason="Budget test")  # fmt: skip
        url = f"/{slug}/payroll/?date_from={MONDAY}&date_to={MONDAY + dt.timedelta(days=6)}"
        client = signed_in(rota.admin)
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
            rows = b"".join(response.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
        assert len(rows) == 1 + people * 5  # the header, and a row per person and day
        counts.append(len(context))
    # The page's reads, the audit entry of the export; then, as the body streams, the tenant
    # context again, the settings, the rates, the actor's sites and the shifts through one
    # server-side cursor, whatever their number.
    assert counts == [queries(PAYROLL_QUERIES)] * 2


PAYROLL_QUERIES = 23


def test_payroll_dates_the_wrong_way_round_are_an_error() -> None:
    rota = build_rota()
    response = signed_in(rota.admin).get("/alpha/payroll/?date_from=2026-11-30&date_to=2026-11-01")
    assert response.status_code == 400
    assert "before the start date" in response.content.decode()


def test_the_hourly_rate_is_shown_only_with_the_personal_data_permission() -> None:
    rota = build_rota()
    url = f"/alpha/people/{rota.people[0].pk}/work/"
    admin_page = signed_in(rota.admin).get(url).content.decode()
    assert 'name="hourly_rate"' in admin_page and "12.00" in admin_page
    people_manager = member(rota.tenant, kind=RoleKind.MANAGER)
    with tenant_context(rota.tenant):
        role = Role.objects.create(name="People only", permissions=["manage_people"])
        people_manager.role = role
        people_manager.save(update_fields=["role"])
    page = signed_in(people_manager).get(url).content.decode()
    assert 'name="hourly_rate"' not in page and "12.00" not in page
    # Saving without the permission leaves the rate as it was.
    signed_in(people_manager).post(
        url,
        {
            "positions": [rota.carer.pk],
            "sites": [rota.site.pk],
            "contracted_hours": "20",
            "hourly_rate": "99",
        },
    )
    with tenant_context(rota.tenant):
        profile = WorkProfile.objects.get(membership=rota.people[0])
        assert (profile.hourly_rate, profile.contracted_hours) == (Decimal("12.00"), Decimal(20))
        assert AuditEntry.objects.filter(event="personal_data.viewed").count() == 1


def test_payroll_is_limited_to_the_actors_sites_and_pay_to_the_personal_data_permission() -> None:
    rota = build_rota(people=2)
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY, 9), site=rota.other_site)
    rota_services.week_publish(
        tenant=rota.tenant,
        actor=rota.admin,
        week_start=MONDAY,
        override_reason="Other site is not in the profile",
    )
    clerk = member(rota.tenant, kind=RoleKind.MANAGER)
    with tenant_context(rota.tenant):
        clerk.role = Role.objects.create(name="Payroll clerk", permissions=["export_payroll"])
        clerk.save(update_fields=["role"])
    setup_services.member_sites_set(
        tenant=rota.tenant, actor=rota.admin, membership=clerk, all_sites=False, sites=[rota.site]
    )
    response = signed_in(clerk).get(f"/alpha/payroll/?date_from={MONDAY}&date_to={MONDAY}")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["employee"], r["site"], r["hourly_rate"], r["cost"]) for r in rows] == [
        ("Employee 000", "Rosewood", "", "")
    ]


def test_the_publish_page_of_a_site_the_manager_does_not_schedule_is_a_404() -> None:
    rota = build_rota()
    setup_services.member_sites_set(
        tenant=rota.tenant,
        actor=rota.admin,
        membership=rota.manager,
        all_sites=False,
        sites=[rota.site],
    )
    client = signed_in(rota.manager)
    assert client.get(f"/alpha/rota/publish/?site={rota.other_site.pk}").status_code == 404
    assert client.post(f"/alpha/rota/publish/?site={rota.other_site.pk}").status_code == 404


@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31", "not-a-date"])
def test_an_impossible_week_shows_this_week(week: str) -> None:
    rota = build_rota()
    response = signed_in(rota.manager).get(f"/alpha/rota/?week={week}")
    assert response.status_code == 200
