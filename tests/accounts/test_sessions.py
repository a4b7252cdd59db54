"""Sessions: new ids, idle and absolute timeouts, signing out everywhere, deactivation."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from accounts.middleware import LAST_SEEN, STARTED
from accounts.services import user_deactivate
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tenancy.services import membership_set_status
from tests.factories import TEST_PASSWORD, make_user, member

pytestmark = pytest.mark.django_db


def _age_session(client: Client, *, started: int, last_seen: int) -> None:
    session = client.session
    session[STARTED] = int(time.time()) - started
    session[LAST_SEEN] = int(time.time()) - last_seen
    session.save()


def test_signing_in_gives_a_new_session_id(client: Client) -> None:
    make_user(email="sam@example.test")
    client.get("/accounts/login/")
    session = client.session
    session["anything"] = "before"
    session.save()
    before = session.session_key
    client.post("/accounts/login/", {"username": "sam@example.test", "password": TEST_PASSWORD})
    assert client.session.session_key != before


def test_idle_for_more_than_30_minutes_signs_out(client: Client) -> None:
    client.force_login(make_user())
    client.get("/accounts/")
    _age_session(client, started=31 * 60, last_seen=31 * 60)
    response = client.get("/accounts/", follow=True)
    assert response.redirect_chain[0][0].startswith("/accounts/login/")
    assert "period of inactivity" in response.content.decode()


def test_active_use_keeps_the_session(client: Client) -> None:
    client.force_login(make_user())
    client.get("/accounts/")
    _age_session(client, started=60 * 60, last_seen=29 * 60)
    assert client.get("/accounts/").status_code == 200


def test_twelve_hours_after_sign_in_the_session_ends_however_active(client: Client) -> None:
    client.force_login(make_user())
    client.get("/accounts/")
    _age_session(client, started=12 * 60 * 60 + 1, last_seen=10)
    assert client.get("/accounts/").status_code == 302


def test_sign_out_everywhere_ends_other_sessions_but_not_this_one(client: Client) -> None:
    user = make_user()
    phone = Client()
    phone.force_login(user)
    client.force_login(user)
    client.post("/accounts/sign-out-everywhere/")
    assert client.get("/accounts/").status_code == 200
    assert phone.get("/accounts/").status_code == 302


def test_deactivating_a_user_ends_all_their_sessions(client: Client) -> None:
    user = make_user()
    client.force_login(user)
    user_deactivate(user=user)
    assert client.get("/accounts/").status_code == 302
    again = client.post("/accounts/login/", {"username": user.email, "password": TEST_PASSWORD})
    assert again.status_code == 200
    assert "This account is not active" in again.content.decode() or "do not match" in (
        again.content.decode()
    )
    assert client.get("/accounts/").status_code == 302


def test_suspending_a_membership_ends_access_at_the_next_request(
    client: Client, tenant_a: Tenant
) -> None:
    owner = member(tenant_a, kind=RoleKind.OWNER)
    employee = member(tenant_a)
    client.force_login(employee.user)
    assert client.get("/alpha/").status_code == 200
    membership_set_status(
        tenant=tenant_a, actor=owner, membership=employee, status=Membership.Status.SUSPENDED
    )
    assert client.get("/alpha/").status_code == 404
