"""Exact query budgets for the pages whose own tests do not already pin one. Each page is
measured with a little and with more data, and must take the same, stated number of queries."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, queries, tenant_with_roles

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]  # budgets as PostgreSQL runs them


_extra = itertools.count()


def _grow(tenant: Tenant, n: int) -> None:
    """More of everything the pages could iterate over."""
    for _ in range(n):
        i = next(_extra)
        member(tenant)
        with tenant_context(tenant):
            Role.objects.create(name=f"Extra role {i}")
            Site.objects.create(name=f"Extra site {i}")


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context)


def _owner_client(tenant: Tenant) -> tuple[Client, Membership]:
    owner = member(tenant, kind=RoleKind.OWNER)
    client = Client()
    client.force_login(owner.user)
    return client, owner


PAGES: dict[str, tuple[int, Callable[[Tenant, Membership], str]]] = {
    # url builder -> exact budget on PostgreSQL
    # 6 for any tenant page; services that enter the tenant context again add the savepoint and
    # setting statements around their own queries.
    "security settings": (13, lambda t, m: "/alpha/settings/security/"),
    "privacy settings": (11, lambda t, m: "/alpha/settings/privacy/"),
    "new role": (6, lambda t, m: "/alpha/roles/new/"),
    "edit role": (7, lambda t, m: f"/alpha/roles/{m.role_id}/"),
    "member sites": (10, lambda t, m: f"/alpha/people/{m.pk}/sites/"),
    # An entry that names no one (a site created by no signed-in person); naming people and a
    # site adds a query each (tests/audit/test_auditor_pages.py).
    "audit entry": (7, lambda t, m: f"/alpha/audit/{_latest_entry(t)}/"),
    "billing": (12, lambda t, m: "/alpha/billing/"),
    "billing return": (12, lambda t, m: "/alpha/billing/return/"),
    "billing status": (12, lambda t, m: "/alpha/billing/status/"),
    # The rota with people but no shifts here (its reads include everyone's leave and
    # availability: 3); with shifts (one more read of the rules' context)
    # tests/scheduling/rota/test_pages.py pins it at 10 and 300 people.
    # Each with the check of the cached week first (tests/scheduling/rota/test_cache.py).
    # The week's totals and counts are summed by the database, then only the rows' shifts read.
    "rota": (18, lambda t, m: "/alpha/rota/"),
    # The rest of the rota's rows, fetched when the table scrolls (the page's reads, no page
    # chrome, only the rows' shifts and profiles; with a site or position shown, one more: who
    # has a shift there in the week, tests/scheduling/rota/test_pages.py).
    "rota rows": (17, lambda t, m: "/alpha/rota/rows/"),
    # The day timeline: the rota's reads (tests/scheduling/rota/test_day.py with shifts).
    "rota day": (16, lambda t, m: "/alpha/rota/day/"),
    "rota publish": (12, lambda t, m: "/alpha/rota/publish/"),
    "new shift dialog": (9, lambda t, m: "/alpha/rota/shifts/new/"),
    # 10, and attendance's clock buttons with no shift to clock in to: the open punch, the
    # shift of the moment, the sites to choose from, whether they check location (4).
    "my shifts": (12, lambda t, m: "/alpha/my-shifts/"),
    "positions": (7, lambda t, m: "/alpha/positions/"),
    "new position": (6, lambda t, m: "/alpha/positions/new/"),
    "working-time rules": (7, lambda t, m: "/alpha/settings/working-time/"),
    # Includes the audit entry of viewing the hourly rate (the chain's lock, head and insert).
    "work profile": (21, lambda t, m: f"/alpha/people/{m.pk}/work/"),
    "payroll": (6, lambda t, m: "/alpha/payroll/"),
    "personal data settings": (7, lambda t, m: "/alpha/settings/privacy/data/"),
    "my personal details": (17, lambda t, m: "/alpha/my-details/"),
    "policies": (11, lambda t, m: "/alpha/policies/"),
    "member personal details": (18, lambda t, m: f"/alpha/people/{m.pk}/details/"),
}


def _latest_entry(tenant: Tenant) -> str:
    with tenant_context(tenant):
        entry = AuditEntry.objects.order_by("-sequence").first()
        assert entry is not None
        return str(entry.pk)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_tenant_page_query_budget_is_fixed(page: str) -> None:
    budget, url_for = PAGES[page]
    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    client, owner = _owner_client(tenant)
    counts = []
    for extra in (1, 15):
        _grow(tenant, extra)
        counts.append(_count(client, url_for(tenant, owner)))
    assert counts == [queries(budget)] * 2, f"{page}: {counts}"


def test_account_page_query_budget(client: Client) -> None:
    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    person = member(tenant)
    client.force_login(person.user)
    # the account's scope and the account (the session is in a cache), the page's own account
    # scope, the backup-code device, the authenticator check
    assert _count(client, "/accounts/") == ACCOUNT_QUERIES


def test_login_page_makes_no_queries(client: Client) -> None:
    assert _count(client, "/accounts/login/") == 0  # same on every database


def test_join_page_query_budget(client: Client, mailoutbox: Any) -> None:
    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    admin = member(tenant, kind=RoleKind.ADMIN)
    inviter = Client()
    inviter.force_login(admin.user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        inviter.post("/alpha/people/invite/", {"email": "new@example.test",
                     "role": str(admin.role_id)})  # fmt: skip
    token = re.search(r"/join/([\w-]+)/", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    assert _count(client, f"/alpha/join/{token}/") == queries(JOIN_QUERIES)


ACCOUNT_QUERIES = 5
# tenant, invitation, account check (inside the address lookup: setting it and restoring it),
# security policy; each in its context
JOIN_QUERIES = 18


def test_policy_gate_query_budget() -> None:
    from gdpr import policies

    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    admin = member(tenant, kind=RoleKind.ADMIN)
    employee = member(tenant)
    client = Client()
    client.force_login(employee.user)
    counts = []
    for n in (1, 4):
        for i in range(n):
            policies.policy_publish(tenant=tenant, actor=admin, policy=None,
                                    title=f"Policy {n}-{i}", file_name="p.md",
                                    content=f"# Policy {n}-{i}".encode())  # fmt: skip
        counts.append(_count(client, "/alpha/policies/accept/"))
    assert counts == [queries(POLICY_GATE_QUERIES)] * 2


POLICY_GATE_QUERIES = (
    21  # tenant page (6) + latest versions, acceptances, documents, each in its context
)


def test_scheduling_object_pages_query_budgets() -> None:
    """The shift dialog, the calendar feed, a policy's page and its document: the same number
    of queries with one and with several of everything."""
    from gdpr import policies
    from scheduling.employee import services as employee_services
    from scheduling.rota import services as rota_services
    from tests.builders import MONDAY, add_shift, at, build_rota

    rota = build_rota(people=2)
    client = Client()
    client.force_login(rota.admin.user)
    feed_token = employee_services.calendar_feed_renew(
        tenant=rota.tenant, membership=rota.people[0]
    )
    version = policies.policy_publish(
        tenant=rota.tenant,
        actor=rota.admin,
        policy=None,
        title="Conduct",
        file_name="c.md",
        content=b"# Conduct",
    )
    for person in (rota.admin, rota.people[0]):
        policies.policies_accept(
            tenant=rota.tenant, membership=person, version_ids={version.pk}, ip_address=None
        )
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    counts: dict[str, list[int]] = {}
    for extra in (0, 3):
        for day in range(extra):
            add_shift(rota, rota.people[0], at(MONDAY, 9) + dt.timedelta(days=day + 1))
            add_shift(rota, rota.people[1], at(MONDAY, 9) + dt.timedelta(days=day + 1))
        if extra:
            rota_services.week_publish(
                tenant=rota.tenant,
                actor=rota.admin,
                week_start=MONDAY,
                override_reason="budget test",
            )
        urls = {
            "shift dialog": f"/alpha/rota/shifts/{shift.pk}/",
            "shift delete confirmation": f"/alpha/rota/shifts/{shift.pk}/delete/",
            "position edit": f"/alpha/positions/{rota.carer.pk}/",
            "calendar feed": f"/alpha/calendar/{feed_token}.ics",
            "policy detail": f"/alpha/policies/{version.policy_id}/",
            "policy document": f"/alpha/policies/versions/{version.pk}/document/",
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(_count(client, url))
    budgets = {
        "shift dialog": 21,  # rules read leave and availability (3) and the drafts (1)
        "shift delete confirmation": 9,
        "position edit": 7,
        "calendar feed": 10,
        "policy detail": 19,
        "policy document": 7,
    }
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}


def test_data_rights_pages_query_budgets() -> None:
    """My data (with its exports and request), the erasure request form, the privacy team's
    list and a request's page, an export's progress and its download: the same number of
    queries with a few and with more exports and requests."""
    from gdpr import rights

    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    client, owner = _owner_client(tenant)
    subject = member(tenant)
    erasure = rights.erasure_request(tenant=tenant, membership=subject, note="Please.")
    counts: dict[str, list[int]] = {}
    for extra in (1, 3):
        for _ in range(extra):
            export = rights.export_request(tenant=tenant, membership=owner)
            rights.export_build(tenant=tenant, export_id=export.pk)
            asking = member(tenant)
            answered = rights.erasure_request(tenant=tenant, membership=asking, note="")
            rights.erasure_decline(tenant=tenant, actor=owner, erasure=answered,
                                   reason="We must keep payroll records.")  # fmt: skip
            rights.erasure_request(tenant=tenant, membership=asking, note="Again.")
        urls = {
            "my data": "/alpha/my-data/",
            "erasure request form": "/alpha/my-data/erasure/",
            "erasure requests": "/alpha/privacy/erasure-requests/",
            "erasure request": f"/alpha/privacy/erasure-requests/{erasure.pk}/",
            "export progress": f"/alpha/my-data/exports/{export.pk}/",
            "export download": f"/alpha/my-data/exports/{export.pk}/download/",
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(_count(client, url))
    budgets = {
        "my data": 21,
        "erasure request form": 11,
        "erasure requests": 17,
        "erasure request": 13,
        "export progress": 11,
        # Includes the audit entry of the download (the chain's lock, head and insert).
        "export download": 25,
    }
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}


def test_leave_and_availability_pages_query_budgets() -> None:
    """My leave, my availability, the leave requests page and a person's leave: the same
    number of queries with a few and with more requests, people and availability."""
    from scheduling.leave import selectors as leave_selectors
    from scheduling.leave import services as leave
    from scheduling.leave import services as leave_services

    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    client, owner = _owner_client(tenant)
    sick = next(t for t in leave.leave_types(tenant) if t.name == "Sick leave")
    counts: dict[str, list[int]] = {}
    day = dt.date(2027, 3, 1)
    for extra in (1, 3):
        for _ in range(extra):
            person = member(tenant)
            for who in (person, owner):
                asked = leave.leave_request(tenant=tenant, membership=who, leave_type_id=sick.pk,
                                            start=day, end=day)  # fmt: skip
                if who is person:
                    leave.leave_decide(tenant=tenant, actor=owner, leave=asked, approve=True,
                                       comment="")  # fmt: skip
                    leave.leave_request(tenant=tenant, membership=person, leave_type_id=sick.pk,
                                        start=day + dt.timedelta(days=1),
                                        end=day + dt.timedelta(days=1))  # fmt: skip
            hour = 6 + len(leave_selectors.weekly_of(tenant, owner))
            leave_services.weekly_add(tenant=tenant, membership=owner, weekday=0,
                                    start=dt.time(hour), end=dt.time(hour + 1),
                                    kind="preferred")  # fmt: skip
            leave_services.exception_add(tenant=tenant, membership=owner, day=day,
                                       kind="available", today=day)  # fmt: skip
            day += dt.timedelta(days=7)
        urls = {
            "my leave": "/alpha/my-leave/",
            "my availability": "/alpha/my-availability/",
            "leave requests": "/alpha/leave/",
            "member leave": f"/alpha/people/{person.pk}/leave/",
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(_count(client, url))
    budgets = {"my leave": 21, "my availability": 13, "leave requests": 22, "member leave": 27}
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}


def test_publish_review_and_catalogue_pages_query_budgets() -> None:
    """The publish review with a few and with more drafts (more people, sites and rule breaks),
    the positions list with more positions, and a site's new and edit pages."""
    from scheduling.models import Position
    from tests.builders import MONDAY, add_shift, at, build_rota

    rota = build_rota(people=4)
    client = Client()
    client.force_login(rota.admin.user)
    counts: dict[str, list[int]] = {}
    for extra in (1, 4):
        for i in range(extra):
            day = MONDAY + dt.timedelta(days=i)
            person = rota.people[i]
            add_shift(rota, person, at(day, 9))
            add_shift(rota, person, at(day, 12))  # overlaps the other: a hard rule break
            add_shift(rota, None, at(day, 9), site=rota.other_site)
            with tenant_context(rota.tenant):
                Position.objects.create(name=f"Extra position {next(_extra)}", colour="teal")
        urls = {
            "rota publish": f"/alpha/rota/publish/?week={MONDAY}",
            "rota publish one site": f"/alpha/rota/publish/?week={MONDAY}&site={rota.site.pk}",
            "positions": "/alpha/positions/",
            "new site": "/alpha/sites/new/",
            "site edit": f"/alpha/sites/{rota.site.pk}/",
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(_count(client, url))
    budgets = {
        # The sites and drafts, then the rules' context read once for both the breaks shown
        # and what blocks publishing (selectors.publish_review): settings, profiles with their
        # positions and sites, the published shifts around, leave and availability.
        "rota publish": 20,
        "rota publish one site": 21,  # and the site, checked against the member's
        "positions": 7,
        "new site": 6,
        "site edit": 7,
    }
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}
