"""Signing in with an email address and password, and signing out."""

import pytest
from django.test import Client

from tenancy.models import Tenant
from tests.factories import TEST_PASSWORD, make_user, member

pytestmark = pytest.mark.django_db


def test_login_page_shows_the_form(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'type="email"' in response.content


def test_login_with_email_in_any_case_lands_on_the_only_company(
    client: Client, tenant_a: Tenant
) -> None:
    member(tenant_a, email="sam@alpha.test")
    response = client.post(
        "/accounts/login/", {"username": "Sam@Alpha.TEST", "password": TEST_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/alpha/"
    assert response.status_code == 200


def test_wrong_password_says_so_without_revealing_whether_the_account_exists(
    client: Client,
) -> None:
    make_user(email="known@example.test")
    known = client.post(
        "/accounts/login/", {"username": "known@example.test", "password": "x" * 12}
    )
    unknown = client.post(
        "/accounts/login/", {"username": "nobody@example.test", "password": "x" * 12}
    )
    assert known.status_code == unknown.status_code == 200
    message = b"do not match an account"
    assert message in known.content
    assert message in unknown.content


def test_inactive_account_cannot_sign_in(client: Client) -> None:
    make_user(email="gone@example.test", is_active=False)
    response = client.post(
        "/accounts/login/", {"username": "gone@example.test", "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only_and_ends_the_session(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_open_redirect_after_login_is_refused(client: Client, tenant_a: Tenant) -> None:
    member(tenant_a, email="sam@alpha.test")
    response = client.post(
        "/accounts/login/?next=https://evil.example/",
        {"username": "sam@alpha.test", "password": TEST_PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")
