"""The tenant picker and dashboard: who sees what, and the exact number of queries."""

from typing import Any

import pytest
from django.test import Client

from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.factories import make_user, member, queries, tenant_with_roles

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client: Client, tenant_a: Tenant) -> None:
    for url in ["/", "/alpha/", "/no-such-company/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_member_sees_their_dashboard_with_name_role_and_company(
    client: Client, tenant_a: Tenant
) -> None:
    membership = member(tenant_a, kind=RoleKind.MANAGER, full_name="Maria Rossi")
    client.force_login(membership.user)
    page = client.get("/alpha/").content.decode()
    assert "Welcome, Maria Rossi" in page
    assert "Manager" in page
    assert "Alpha Care" in page
    assert "Publish rota" in page  # the role's permissions are listed, folded away
    assert "Today and tomorrow" in page and "Waiting for you" in page


@pytest.mark.parametrize("status", [Membership.Status.SUSPENDED, Membership.Status.LEFT])
def test_suspended_or_former_member_gets_404(client: Client, tenant_a: Tenant, status: str) -> None:
    membership = member(tenant_a, status=status)
    client.force_login(membership.user)
    assert client.get("/alpha/").status_code == 404


def test_person_with_several_companies_chooses_one(client: Client) -> None:
    user = make_user()
    for name, slug in [("Zed Homes", "zed"), ("Alpha Care", "alpha"), ("Mid Co", "mid")]:
        member(tenant_with_roles(name=name, slug=slug), user=user)
    client.force_login(user)
    page = client.get("/").content.decode()
    positions = [page.index(name) for name in ["Alpha Care", "Mid Co", "Zed Homes"]]
    assert positions == sorted(positions)


def test_person_with_no_company_sees_an_empty_state(client: Client) -> None:
    client.force_login(make_user())
    page = client.get("/").content.decode()
    assert "You are not part of any company yet" in page


def test_suspended_membership_is_not_offered_in_the_picker(client: Client) -> None:
    user = make_user()
    member(tenant_with_roles(name="Alpha Care", slug="alpha"), user=user)
    member(tenant_with_roles(name="Gone Co", slug="gone"), user=user, status=Membership.Status.LEFT)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/alpha/"


def test_malformed_paths_under_a_tenant_answer_404_not_500(
    client: Client, tenant_a: Tenant
) -> None:
    client.force_login(member(tenant_a).user)
    for url in ["/alpha/not-a-page/", "/alpha/%00/", "/alpha/../bravo/", "/ALPHA/"]:
        assert client.get(url).status_code == 404, url


def _queries_for(client: Client, django_assert_num_queries: Any, url: str, expected: int) -> None:
    with django_assert_num_queries(expected):
        assert client.get(url).status_code in {200, 302}


@pytest.mark.parametrize("employees", [1, 25])
def test_dashboard_query_count_is_fixed(
    client: Client, tenant_a: Tenant, django_assert_num_queries: Any, employees: int
) -> None:
    membership = member(tenant_a, kind=RoleKind.MANAGER)
    for _ in range(employees):
        member(tenant_a)
    client.force_login(membership.user)
    # session, user, tenant, set app.tenant_id, membership with role, security policy. Inside
    # the test's transaction tenant_context also opens a savepoint, releases it and restores
    # the setting. Then the home page's panels for a manager who schedules no site yet
    # (tests/scheduling/home/test_home.py pins every role's with a rota).
    _queries_for(client, django_assert_num_queries, "/alpha/", queries(DASHBOARD_QUERIES))


@pytest.mark.parametrize("companies", [2, 12])
def test_picker_query_count_is_fixed(
    client: Client, django_assert_num_queries: Any, companies: int
) -> None:
    user = make_user()
    for n in range(companies):
        member(tenant_with_roles(name=f"Company {n}", slug=f"company-{n}"), user=user)
    client.force_login(user)
    _queries_for(client, django_assert_num_queries, "/", queries(PICKER_QUERIES))


DASHBOARD_QUERIES = 21
PICKER_QUERIES = 7
