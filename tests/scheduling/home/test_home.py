"""The home page by role (tenancy.home and each app's panels): what a manager, an employee, an
admin see first, and a fixed number of queries for each role whatever the size of the data."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from scheduling.home import panels
from scheduling.leave import services as leave_services
from scheduling.models import LeaveAllowance, LeaveType, Shift
from scheduling.rota import services as rota_services
from scheduling.time import today_in, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Invitation
from tenancy.permissions import RoleKind
from tests.builders import LONDON, Rota, add_shift, build_rota, signed_in
from tests.factories import member, queries

pytestmark = pytest.mark.django_db


def _panels(page: str) -> list[str]:
    return re.findall(r'<h2 id="home-([a-z-]+)"', page)


def _text(page: str) -> str:
    """The page's text, without tags, its white space collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def _today(rota: Rota) -> dt.date:
    return today_in(rota.tenant)


def _publish(rota: Rota, *days: dt.date) -> None:
    """Publish the weeks of `days` (each once)."""
    for week in sorted({week_start_of(day) for day in days}):
        rota_services.week_publish(
            tenant=rota.tenant, actor=rota.admin, week_start=week, override_reason="Tests"
        )


def test_a_manager_sees_today_and_tomorrow_per_site_with_gaps(rota: Rota) -> None:
    today = _today(rota)
    tomorrow = today + dt.timedelta(days=1)
    add_shift(rota, rota.people[0], _at(today, 9))
    add_shift(rota, None, _at(today, 14))  # a gap
    add_shift(rota, rota.people[1], _at(tomorrow, 7))
    _publish(rota, today, tomorrow)
    add_shift(rota, rota.people[0], _at(tomorrow, 18), hours=4)  # a draft
    page = signed_in(rota.manager).get("/alpha/").content.decode()
    assert _panels(page) == ["today", "waiting", "drafts", "requests"]  # works no shifts
    text = _text(page[page.index('id="home-today"') : page.index('id="home-waiting"')])
    rosewood, maple = text.index("Rosewood"), text.index("Maple")
    assert "Today" in text and "Tomorrow" in text
    assert text.index("09:00\u201317:00 Employee 000 Carer") < rosewood + 200
    assert "07:00\u201315:00 Employee 001 Carer" in text
    assert "1 open shift Carer 14:00\u201322:00" in text
    assert "1 draft not yet published" in text
    assert text[maple:].count("Nobody is on.") == 2


def test_a_busy_day_names_its_first_people_and_counts_the_rest() -> None:
    """Ten people on today at one site: the first eight by start time are named, each with
    their time and position; the other two are counted ("and 2 more", linked to the day)."""
    rota = build_rota(people=10)
    today = _today(rota)
    for index, person in enumerate(rota.people):
        add_shift(rota, person, _at(today, 6 + index))
    _publish(rota, today)
    page = signed_in(rota.manager).get("/alpha/").content.decode()
    text = _text(page[page.index('id="home-today"') : page.index('id="home-waiting"')])
    for index, person in enumerate(rota.people):
        line = f"{6 + index:02}:00\u2013{14 + index:02}:00 {person.user.display_name} Carer"
        assert (line in text) == (index < panels.PEOPLE_SHOWN), line
    assert "and 2 more" in text


def test_the_manager_sees_approvals_waiting_with_counts_and_links(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        annual = LeaveType.objects.create(name="Annual leave")
    start = _today(rota) + dt.timedelta(days=20)
    leave_services.leave_request(
        tenant=rota.tenant, membership=rota.people[0], leave_type_id=annual.pk, start=start,
        end=start,
    )  # fmt: skip
    page = signed_in(rota.manager).get("/alpha/").content.decode()
    waiting = page[page.index('id="home-waiting"') :]
    assert re.search(
        r'href="/alpha/leave/">Leave requests</a> <span class="chip chip--primary">1<', waiting
    )
    assert 'href="/alpha/open-shifts/">Claims on open shifts</a> <span class="chip">0<' in waiting
    assert 'href="/alpha/swaps/">Shift swaps</a> <span class="chip">0<' in waiting


def test_weeks_in_draft_say_which_drafts_block_publishing(rota: Rota) -> None:
    monday = week_start_of(_today(rota))
    person = rota.people[0]
    add_shift(rota, person, _at(monday + dt.timedelta(days=7), 14))  # ends 22:00
    add_shift(rota, person, _at(monday + dt.timedelta(days=8), 6))  # 8 hours' rest: blocks
    add_shift(rota, rota.people[1], _at(monday + dt.timedelta(days=21), 9))
    page = signed_in(rota.manager).get("/alpha/").content.decode()
    drafts = page[page.index('id="home-drafts"') : page.index('id="home-requests"')]
    next_week = monday + dt.timedelta(days=7)
    assert f"?week={next_week}" in drafts and "2 drafts" in drafts
    assert "2 block publishing" in drafts
    assert f"?week={monday + dt.timedelta(days=21)}" in drafts and "1 draft<" in drafts
    assert f'?week={monday}"' not in drafts  # nothing in draft this week


def test_an_employee_sees_their_next_shift_first_then_their_week(rota: Rota) -> None:
    person = rota.people[0]
    today = _today(rota)
    soon, later = today + dt.timedelta(days=1), today + dt.timedelta(days=3)
    add_shift(rota, person, _at(soon, 9))
    add_shift(rota, person, _at(later, 13))
    add_shift(rota, rota.people[1], _at(soon, 7))  # someone else's
    _publish(rota, soon, later)
    page = signed_in(person).get("/alpha/").content.decode()
    assert _panels(page) == ["next", "requests"]
    next_panel = page[page.index('id="home-next"') : page.index('id="home-requests"')]
    assert next_panel.index(f"{soon:%a} {soon.day} {soon:%b} 09:00") < next_panel.index(
        f"{later:%a} {later.day} {later:%b} 13:00"
    )
    assert "07:00" not in next_panel


def test_an_employee_with_nothing_published_is_pointed_at_open_shifts(rota: Rota) -> None:
    page = signed_in(rota.people[0]).get("/alpha/").content.decode()
    assert "No shifts are published for you yet." in page
    assert 'href="/alpha/open-shifts/">See open shifts you could take' in page


def test_an_employee_sees_their_requests_and_leave_balance(rota: Rota) -> None:
    person = rota.people[0]
    year = _today(rota).year
    with tenant_context(rota.tenant):
        annual = LeaveType.objects.create(name="Annual leave", deducts=True)
        LeaveAllowance.objects.create(membership=person, year=year, amount=Decimal(25))
    start = _today(rota) + dt.timedelta(days=10)
    leave_services.leave_request(
        tenant=rota.tenant, membership=person, leave_type_id=annual.pk, start=start, end=start
    )
    page = signed_in(person).get("/alpha/").content.decode()
    requests = page[page.index('id="home-requests"') :]
    assert f"25 days of leave left in {year}" in requests  # a request waiting takes nothing yet
    assert re.search(
        rf'Annual leave {start.day} {start:%b}</a> <span class="chip chip--warning">Pending<',
        requests,
    )


def test_an_admin_sees_what_is_left_to_set_up_and_who_needs_following_up(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Invitation.objects.create(
            email="new@alpha.test", role=rota.admin.role, token_hash="x" * 64,
            invited_by=rota.admin, expires_at=timezone.now() + dt.timedelta(days=7),
        )  # fmt: skip
    page = signed_in(rota.admin).get("/alpha/").content.decode()
    assert _panels(page) == [
        "set-up", "today", "audit", "waiting", "drafts", "requests", "people",
    ]  # fmt: skip
    people = page[page.index('id="home-people"') :]
    assert "4 people without two-factor authentication" in people  # admin, manager, 2 staff
    assert "1 invitation not yet accepted" in people


@pytest.mark.parametrize(
    ("kind", "budget"),
    [
        # The tenant page's 6 (see tests/tenancy/test_views.py), then each panel's own; the
        # next-shift panel reads one query fewer for someone with no work profile. The drafts
        # panel reads the stored rule breaks in one query (the rules read eight); today and
        # tomorrow reads the names of the people it shows in one.
        (RoleKind.MANAGER, 25),
        (RoleKind.EMPLOYEE, 18),
        (RoleKind.ADMIN, 35),
        (RoleKind.AUDITOR, 21),
        (RoleKind.OWNER, 41),
    ],
)
@pytest.mark.parametrize("people", [2, 12])
def test_the_home_page_reads_a_fixed_number_of_queries_for_each_role(
    django_assert_num_queries: Any, kind: RoleKind, budget: int, people: int
) -> None:
    rota = build_rota(people=people)
    today = _today(rota)
    for index, person in enumerate(rota.people):
        add_shift(rota, person, _at(today + dt.timedelta(days=index % 3), 9))
    add_shift(rota, None, _at(today, 12))
    _publish(rota, today, today + dt.timedelta(days=2))
    for index, person in enumerate(rota.people):
        add_shift(rota, person, _at(today + dt.timedelta(days=7 + index % 5), 9))
    viewer = member(rota.tenant, kind=kind)
    if kind == RoleKind.EMPLOYEE:
        viewer = rota.people[0]
    for person in rota.people:  # security events for the auditor's panel to name
        Client().post("/accounts/login/", {"username": person.user.email, "password": "wrong"})
    client: Client = signed_in(viewer)
    client.get("/alpha/")  # the first request of a session reads the session's user once more
    with django_assert_num_queries(queries(budget)):
        assert client.get("/alpha/").status_code == 200
    with tenant_context(rota.tenant):
        assert Shift.objects.count() > people


def test_an_auditor_sees_the_archive_and_the_latest_security_events_in_words(
    rota: Rota,
) -> None:
    auditor = member(rota.tenant, kind=RoleKind.AUDITOR, full_name="Avery Auditor")
    client = Client()
    client.post("/accounts/login/", {"username": auditor.user.email, "password": "wrong"})
    client = signed_in(auditor)
    page = client.get("/alpha/").content.decode()
    assert _panels(page) == ["audit", "requests"]
    audit = _text(page[page.index('id="home-audit"') : page.index('id="home-requests"')])
    assert "Nothing archived yet." in audit
    assert "Someone failed to sign in as Avery Auditor" in audit
    assert 'href="/alpha/audit/?category=security"' in page


def test_an_owner_also_sees_billing(rota: Rota) -> None:
    owner = member(rota.tenant, kind=RoleKind.OWNER)
    page = signed_in(owner).get("/alpha/").content.decode()
    assert "billing" in _panels(page)
    billing = _text(page[page.index('id="home-billing"') :])
    assert "Seats 5 active members" in billing  # admin, manager, two staff and the owner
    assert "Billing is not configured on this installation" in billing


def test_a_manager_who_works_shifts_sees_their_next_one_too(rota: Rota) -> None:
    today = _today(rota)
    add_shift(rota, rota.manager, _at(today + dt.timedelta(days=1), 9))
    _publish(rota, today + dt.timedelta(days=1))
    page = signed_in(rota.manager).get("/alpha/").content.decode()
    assert _panels(page) == ["today", "next", "waiting", "drafts", "requests"]
