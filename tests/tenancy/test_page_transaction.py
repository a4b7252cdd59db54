"""A tenant page is one transaction (tenancy.context.tenant_page_context): the company found and
its setting made, with the signed-in account's, by one statement; the account, the membership
and the view read in that same transaction. And what the shortcut must not change: who is sent
to sign in, who gets 404, and the settings left behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.identity import ACCOUNT_SETTING, account_scope, session_account_id
from tenancy import rls
from tenancy.models import Tenant
from tenancy.permissions import RoleKind
from tests.builders import signed_in
from tests.factories import member

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SITES = "/alpha/sites/"


def _signed_in(tenant: Tenant) -> Client:
    return signed_in(member(tenant, kind=RoleKind.MANAGER))


@pytest.mark.django_db(transaction=True)
def test_a_tenant_page_is_one_transaction_that_starts_with_the_company(tenant_a: Tenant) -> None:
    """Committed, as in production (no test transaction around the request)."""
    client = _signed_in(tenant_a)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(SITES)
    assert response.status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    assert sql.count("BEGIN") == 1 and sql.count("COMMIT") == 1, sql
    assert sql[0] == "BEGIN" and sql[-1] == "COMMIT", sql
    # The company, its setting and the account's: one statement, the first of the transaction.
    assert '"tenancy_tenant"' in sql[1] and sql[1].count("set_config") == 2, sql[1]
    assert all("set_config" not in statement for statement in sql[2:]), sql
    assert '"accounts_user"' in sql[2]  # the account: read under the settings just made
    assert len(sql) == 6  # BEGIN, company, account, membership, the sites, COMMIT


def test_the_page_leaves_the_settings_as_it_found_them_in_an_outer_transaction(
    tenant_a: Tenant,
) -> None:
    client = _signed_in(tenant_a)
    assert client.get(SITES).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), current_setting(%s, true)",
            [rls.TENANT_SETTING, ACCOUNT_SETTING],
        )
        assert cursor.fetchone() in {("", ""), (None, None)}


def test_no_one_signed_in_is_sent_to_sign_in_without_a_query(tenant_a: Tenant) -> None:
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(SITES)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert len(captured) == 0


@pytest.mark.parametrize("slug", ["alpha", "no-such-company"])
def test_a_session_that_no_longer_checks_out_is_sent_to_sign_in_for_any_slug(
    tenant_a: Tenant, slug: str
) -> None:
    """The password changed elsewhere: the session's account no longer matches it. Whether
    or not the company exists, the answer is the sign-in page (nothing about the slug)."""
    person = member(tenant_a, kind=RoleKind.MANAGER)
    client = Client()
    client.force_login(person.user)
    with account_scope(person.user.pk):
        person.user.set_password("a-new-Passphrase-2026!")
        person.user.save(update_fields=["password"])
    response = client.get(f"/{slug}/sites/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_of_another_company_gets_the_same_404_as_for_no_company(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    client = _signed_in(tenant_b)
    assert client.get(SITES).status_code == 404
    assert client.get("/no-such-company/sites/").status_code == 404


def test_the_session_account_id_is_the_one_account_scope_sets(tenant_a: Tenant) -> None:
    client = _signed_in(tenant_a)
    request = type("Request", (), {"session": client.session})()
    assert session_account_id(request) == str(client.session[SESSION_KEY])
    forged = type("Request", (), {"session": {SESSION_KEY: "not-an-id"}})()
    assert session_account_id(forged) == ""  # matches no account
    assert session_account_id(type("Request", (), {"session": {}})()) is None


def test_only_the_tenant_page_resolver_opens_a_page_context() -> None:
    """tenant_page_context sets app.account_id to the id the session names before the account
    is loaded and checked: safe only where the caller checks the account before anything else
    (tenancy.http.tenant_view). Like account_scope's uses, a new caller is a reviewed change."""
    root = Path(__file__).resolve().parents[2]
    callers = set()
    for app in ("accounts", "tenancy", "audit", "scheduling", "planning", "gdpr", "billing",
                "parim", "attendance"):  # fmt: skip
        for path in (root / app).rglob("*.py"):
            if re.search(r"\bwith tenant_page_context\(", path.read_text()):
                callers.add(str(path.relative_to(root)))
    assert callers == {"tenancy/http.py"}
