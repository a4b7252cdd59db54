"""TOTP two-factor authentication: enrolment, the sign-in challenge, replay, drift, backup codes."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from accounts.identity import account_scope
from accounts.models import BackupCode, TOTPDevice
from tenancy.models import Tenant
from tests.factories import (
    TEST_PASSWORD,
    clock_moved,
    enrol_two_factor,
    make_user,
    member,
    totp_code,
)

pytestmark = pytest.mark.django_db


def _password_step(client: Client, email: str) -> Any:
    return client.post("/accounts/login/", {"username": email, "password": TEST_PASSWORD})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_enrolment_shows_a_qr_code_and_the_key_and_activates_only_after_a_code(
    client: Client,
) -> None:
    user = make_user()
    client.force_login(user)
    client.post("/accounts/two-factor/")
    with account_scope(user.pk):
        device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page
    assert 'id="totp-secret"' in page

    wrong = client.post("/accounts/two-factor/confirm/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    with account_scope(user.pk):
        device.refresh_from_db()
    assert not device.confirmed

    too_soon = client.post("/accounts/two-factor/confirm/", {"code": totp_code(device)})
    assert "Too many wrong codes. Wait 1 seconds" in too_soon.content.decode()

    with clock_moved(2) as now:
        right = client.post("/accounts/two-factor/confirm/", {"code": totp_code(device, at=now)})
    assert right.status_code == 200
    with account_scope(user.pk):
        device.refresh_from_db()
    assert device.confirmed
    assert right.content.decode().count("<li><code>") == 10


def test_backup_codes_are_stored_hashed() -> None:
    user = make_user()
    _device, codes = enrol_two_factor(user)
    with account_scope(user.pk):
        stored = list(BackupCode.objects.filter(device__user=user))
    assert len(stored) == 10
    for code in codes:
        plain = BackupCode.normalise(code)
        assert all(plain not in row.code_hash for row in stored)
    assert all(row.code_hash.startswith("argon2") for row in stored)


def test_sign_in_asks_for_the_code_after_the_password(client: Client) -> None:
    user = make_user(email="two@example.test")
    device, _codes = enrol_two_factor(user)
    response = _password_step(client, "two@example.test")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/verify/"
    assert not _signed_in(client), "the password alone must not sign in"
    key_before = client.session.session_key

    with clock_moved(30) as now:  # the enrolment used the current step's code
        response = client.post("/accounts/login/verify/", {"code": totp_code(device, at=now)})
    assert response.status_code == 302
    assert _signed_in(client)
    assert client.session.session_key != key_before, "a new session id after the second factor"


def test_a_wrong_code_is_refused_with_a_message(client: Client) -> None:
    user = make_user(email="two@example.test")
    enrol_two_factor(user)
    _password_step(client, "two@example.test")
    response = client.post("/accounts/login/verify/", {"code": "123456"})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not _signed_in(client)


def test_a_code_already_used_is_refused(client: Client) -> None:
    user = make_user(email="two@example.test")
    device, _codes = enrol_two_factor(user)
    with clock_moved(30) as now:  # the next time step after enrolment's
        code = totp_code(device, at=now)
        _password_step(client, "two@example.test")
        assert client.post("/accounts/login/verify/", {"code": code}).status_code == 302
        other = Client()
        _password_step(other, "two@example.test")
        response = other.post("/accounts/login/verify/", {"code": code})
    assert response.status_code == 200
    assert "_auth_user_id" not in other.session


@pytest.mark.parametrize(("steps", "accepted"), [(-1, True), (1, True), (-2, False), (2, False)])
def test_at_most_one_time_step_of_clock_drift_is_accepted(
    client: Client, steps: int, accepted: bool
) -> None:
    user = make_user(email="two@example.test")
    device, _codes = enrol_two_factor(user)
    now = (int(time.time()) // 30 + 10) * 30 + 15  # mid-step, well after enrolment
    with mock.patch("time.time", return_value=now):
        _password_step(client, "two@example.test")
        client.post("/accounts/login/verify/", {"code": totp_code(device, at=now + 30 * steps)})
    assert _signed_in(client) is accepted


def test_a_backup_code_signs_in_exactly_once(client: Client) -> None:
    user = make_user(email="two@example.test")
    _device, codes = enrol_two_factor(user)
    _password_step(client, "two@example.test")
    response = client.post("/accounts/login/verify/", {"code": codes[3].upper()}, follow=True)
    assert _signed_in(client)
    assert "9 remain" in response.content.decode()

    again = Client()
    _password_step(again, "two@example.test")
    again.post("/accounts/login/verify/", {"code": codes[3]})
    assert "_auth_user_id" not in again.session


def test_the_password_step_expires(client: Client) -> None:
    user = make_user(email="two@example.test")
    device, _codes = enrol_two_factor(user)
    _password_step(client, "two@example.test")
    later = time.time() + 301
    with mock.patch("time.time", return_value=later):
        response = client.post("/accounts/login/verify/", {"code": totp_code(device, at=later)})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not _signed_in(client)


def test_turning_off_needs_the_password_and_ends_other_sessions(client: Client) -> None:
    user = make_user()
    enrol_two_factor(user)
    other = Client()
    other.force_login(user)
    client.force_login(user)

    refused = client.post("/accounts/two-factor/disable/", {"password": "not-my-password"})
    assert refused.status_code == 400
    with account_scope(user.pk):
        assert TOTPDevice.objects.filter(user=user).exists()

    client.post("/accounts/two-factor/disable/", {"password": TEST_PASSWORD})
    with account_scope(user.pk):
        assert not TOTPDevice.objects.filter(user=user).exists()
    assert _signed_in(client)
    assert other.get("/accounts/").status_code == 302, "the other session must have ended"


def test_new_backup_codes_need_the_password_and_replace_the_old(client: Client) -> None:
    user = make_user(email="two@example.test")
    _device, old_codes = enrol_two_factor(user)
    client.force_login(user)
    assert (
        client.post("/accounts/two-factor/backup-codes/", {"password": "wrong"}).status_code == 400
    )
    response = client.post("/accounts/two-factor/backup-codes/", {"password": TEST_PASSWORD})
    assert response.status_code == 200
    fresh = Client()
    _password_step(fresh, "two@example.test")
    fresh.post("/accounts/login/verify/", {"code": old_codes[0]})
    assert "_auth_user_id" not in fresh.session


def test_password_reset_never_skips_the_second_factor(client: Client, mailoutbox: Any) -> None:
    import re

    user = make_user(email="two@example.test")
    device, _codes = enrol_two_factor(user)
    client.post("/accounts/password-reset/", {"email": "two@example.test"})
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/)", mailoutbox[0].body)
    assert link is not None
    form_url = client.get(link.group(1), follow=True).redirect_chain[-1][0]
    new_password = "a brand new passphrase for testing"
    client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert not _signed_in(client), "a reset must not sign in"
    client.post("/accounts/login/", {"username": "two@example.test", "password": new_password})
    assert not _signed_in(client)
    with clock_moved(30) as now:
        client.post("/accounts/login/verify/", {"code": totp_code(device, at=now)})
    assert _signed_in(client)


@pytest.mark.parametrize("policy", ["everyone", "roles"])
def test_a_member_who_must_use_two_factor_is_taken_to_enrolment(
    client: Client, tenant_a: Tenant, policy: str
) -> None:
    from tenancy.context import tenant_context
    from tenancy.models import Role, SecurityPolicy

    membership = member(tenant_a)
    with tenant_context(tenant_a):
        SecurityPolicy.objects.filter(tenant=tenant_a).update(two_factor=policy)
        Role.objects.filter(pk=membership.role_id).update(requires_two_factor=True)
    client.force_login(membership.user)
    response = client.get("/alpha/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/?next=%2Falpha%2F")


def test_policy_for_chosen_roles_leaves_other_roles_alone(client: Client, tenant_a: Tenant) -> None:
    from tenancy.context import tenant_context
    from tenancy.models import SecurityPolicy

    membership = member(tenant_a)
    with tenant_context(tenant_a):
        SecurityPolicy.objects.filter(tenant=tenant_a).update(two_factor="roles")
    client.force_login(membership.user)
    assert client.get("/alpha/").status_code == 200


def test_enrolled_but_unverified_session_is_asked_for_the_code(
    client: Client, tenant_a: Tenant
) -> None:
    from tenancy.context import tenant_context
    from tenancy.models import SecurityPolicy

    membership = member(tenant_a)
    device, _codes = enrol_two_factor(membership.user)
    with tenant_context(tenant_a):
        SecurityPolicy.objects.filter(tenant=tenant_a).update(two_factor="everyone")
    client.force_login(membership.user)
    response = client.get("/alpha/")
    assert response["Location"].startswith("/accounts/login/verify/?next=%2Falpha%2F")
    later = time.time() + 30
    with mock.patch("time.time", return_value=later):
        client.post(response["Location"], {"code": totp_code(device, at=later)})
    assert client.get("/alpha/").status_code == 200


def test_replacing_a_working_authenticator_needs_the_password(client: Client) -> None:
    user = make_user()
    device, _codes = enrol_two_factor(user)
    client.force_login(user)
    refused = client.post("/accounts/two-factor/", {"password": "not mine"})
    assert refused.status_code == 400
    with account_scope(user.pk):
        assert TOTPDevice.objects.filter(user=user).count() == 1
    client.post("/accounts/two-factor/", {"password": TEST_PASSWORD})
    with account_scope(user.pk):
        assert TOTPDevice.objects.filter(user=user, confirmed=False).count() == 1
    with account_scope(user.pk):
        assert TOTPDevice.objects.get(pk=device.pk).confirmed, (
            "the working one stays until confirmed"
        )


def test_old_failures_are_forgiven_so_the_owner_is_never_locked_out_for_long(
    client: Client,
) -> None:
    user = make_user(email="two@example.test")
    device, _codes = enrol_two_factor(user)
    with account_scope(user.pk):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=30)
    with account_scope(user.pk):
        device.refresh_from_db()
    with account_scope(user.pk):
        device.throttle_increment(commit=True)  # a wait of 2**30 seconds, by django-otp's rule
    _password_step(client, "two@example.test")
    assert (
        "Too many wrong codes"
        in client.post("/accounts/login/verify/", {"code": "000000"}).content.decode()
    )
    with clock_moved(16 * 60) as now:
        _password_step(client, "two@example.test")  # the password step lasts five minutes
        client.post("/accounts/login/verify/", {"code": totp_code(device, at=now)})
    assert _signed_in(client)
