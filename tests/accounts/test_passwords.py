"""The password policy (NIST 800-63B): length, not composition; a clear message for each refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.identity import account_scope
from tenancy.context import tenant_context
from tenancy.models import SecurityPolicy, Tenant
from tests.factories import TEST_PASSWORD, make_user, member

pytestmark = pytest.mark.django_db


def _refusal(password: str, user: Any = None) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_password(password, user)
    return " ".join(excinfo.value.messages)


def test_eleven_characters_are_too_few_and_twelve_enough() -> None:
    assert "use at least 12 characters" in _refusal("tulip-walk1")
    validate_password("tulip-walk12")


def test_no_composition_rules_long_lowercase_passphrases_pass() -> None:
    validate_password("correct horse battery staple meadow")


@pytest.mark.parametrize("length", [64, 128, 256])
def test_long_passwords_are_allowed(length: int) -> None:
    validate_password(("quiet river stones " * 20)[:length])


def test_absurdly_long_passwords_are_refused_with_a_message() -> None:
    assert "use at most 256 characters" in _refusal("x" * 257)


def test_common_passwords_are_refused() -> None:
    assert "too common" in _refusal("password1234")


def test_a_password_like_the_email_address_is_refused() -> None:
    user = make_user(email="margaret.hamilton@example.test", full_name="Margaret Hamilton")
    assert "too similar" in _refusal("margaret.hamilton", user)


def test_a_company_may_require_longer_passwords(tenant_a: Tenant) -> None:
    membership = member(tenant_a)
    with tenant_context(tenant_a):
        SecurityPolicy.objects.filter(tenant=tenant_a).update(min_password_length=16)
    assert "use at least 16 characters" in _refusal("fourteen-chars", membership.user)
    validate_password("sixteen-chars-ok", membership.user)


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    client: Client,
) -> None:
    user = make_user()
    other = Client()
    other.force_login(user)
    client.force_login(user)
    refused = client.post(
        "/accounts/password/", {"password": "wrong", "new_password": "another long passphrase"}
    )
    assert refused.status_code == 400
    assert "not your current password" in refused.content.decode()
    short = client.post("/accounts/password/", {"password": TEST_PASSWORD, "new_password": "short"})
    assert "use at least 12 characters" in short.content.decode()

    client.post(
        "/accounts/password/",
        {"password": TEST_PASSWORD, "new_password": "another long passphrase"},
    )
    with account_scope(user.pk):
        user.refresh_from_db()
    assert user.check_password("another long passphrase")
    assert client.get("/accounts/").status_code == 200
    assert other.get("/accounts/").status_code == 302


def test_changing_the_email_needs_the_password_and_ends_other_sessions(client: Client) -> None:
    user = make_user(email="old@example.test")
    make_user(email="taken@example.test")
    other = Client()
    other.force_login(user)
    client.force_login(user)
    wrong = client.post("/accounts/email/", {"new_email": "new@example.test", "password": "nope"})
    assert wrong.status_code == 400
    taken = client.post(
        "/accounts/email/", {"new_email": "Taken@example.test", "password": TEST_PASSWORD}
    )
    assert "already in use" in taken.content.decode()
    client.post("/accounts/email/", {"new_email": "New@Example.test", "password": TEST_PASSWORD})
    with account_scope(user.pk):
        user.refresh_from_db()
    assert user.email == "new@example.test"
    assert other.get("/accounts/").status_code == 302
