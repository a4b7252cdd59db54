"""Login throttling: locked per (username, IP address), the same message for every account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from tests.factories import TEST_PASSWORD, make_user

pytestmark = pytest.mark.django_db
LOCKED = "Too many failed attempts to sign in to this account from here"


def _attempt(
    client: Client, email: str, password: str, ip: str = "203.0.113.7", **headers: Any
) -> Any:
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip, **headers
    )


def _fail(client: Client, email: str, times: int, ip: str = "203.0.113.7") -> None:
    for _ in range(times):
        _attempt(client, email, "not the password at all", ip)


def test_five_failures_lock_that_account_from_that_address(client: Client) -> None:
    make_user(email="victim@example.test")
    _fail(client, "victim@example.test", 5)
    response = _attempt(client, "victim@example.test", TEST_PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_message_is_the_same_for_an_unknown_account(client: Client) -> None:
    _fail(client, "nobody@example.test", 5)
    response = _attempt(client, "nobody@example.test", "anything-at-all")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_changing_the_case_of_the_address_does_not_dodge_the_lock(client: Client) -> None:
    make_user(email="victim@example.test")
    _fail(client, "Victim@Example.TEST", 5)
    assert _attempt(client, "victim@example.test", TEST_PASSWORD).status_code == 429


def test_nobody_can_lock_the_owner_out_from_elsewhere(client: Client) -> None:
    make_user(email="victim@example.test")
    _fail(Client(), "victim@example.test", 8, ip="198.51.100.66")
    response = _attempt(client, "victim@example.test", TEST_PASSWORD, ip="203.0.113.7")
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_forwarded_headers_are_not_trusted_without_configured_proxies(client: Client) -> None:
    """With TRUSTED_PROXY_HOPS=0 a client cannot change its address with X-Forwarded-For, so
    it can neither dodge its own lock nor pose as someone else."""
    make_user(email="victim@example.test")
    for n in range(5):
        _attempt(client, "victim@example.test", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = _attempt(
        client, "victim@example.test", TEST_PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.200"
    )
    assert response.status_code == 429


def test_the_lock_lifts_after_the_cool_off(client: Client) -> None:
    make_user(email="victim@example.test")
    _fail(client, "victim@example.test", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    response = _attempt(client, "victim@example.test", TEST_PASSWORD)
    assert response.status_code == 302


def test_a_success_resets_the_count(client: Client) -> None:
    make_user(email="victim@example.test")
    _fail(client, "victim@example.test", 4)
    assert _attempt(client, "victim@example.test", TEST_PASSWORD).status_code == 302
    client.logout()
    _fail(client, "victim@example.test", 4)
    assert _attempt(client, "victim@example.test", TEST_PASSWORD).status_code == 302
