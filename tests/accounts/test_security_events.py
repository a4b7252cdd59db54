"""Each security event, caused the way a person causes it, writes its audit entry in every
company the person belongs to, and reads as a sentence naming them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from accounts.catalogue import Category, Event
from accounts.identity import account_scope
from accounts.models import TOTPDevice, User
from audit.models import AuditEntry
from audit.sentences import Describer, EntryFacts
from tenancy.context import tenant_context
from tenancy.models import Tenant
from tests.factories import TEST_PASSWORD, enrol_two_factor, member, totp_code

pytestmark = pytest.mark.django_db

EMAIL = "maria@example.test"
NEW_PASSWORD = "another long passphrase for maria"


def _password_step(client: Client, password: str = TEST_PASSWORD) -> None:
    client.post("/accounts/login/", {"username": EMAIL, "password": password},
                REMOTE_ADDR="203.0.113.7")  # fmt: skip


def _sign_in(client: Client, user: User) -> None:
    _password_step(client)


def _fail_sign_in(client: Client, user: User) -> None:
    _password_step(client, "not the password at all")


def _get_locked_out(client: Client, user: User) -> None:
    for _attempt in range(5):
        _password_step(client, "not the password at all")
    _password_step(client)


def _sign_out(client: Client, user: User) -> None:
    client.force_login(user)
    client.post("/accounts/logout/")


def _enrol_two_factor(client: Client, user: User) -> None:
    client.force_login(user)
    client.post("/accounts/two-factor/")
    with account_scope(user.pk):
        device = TOTPDevice.objects.get(user=user)
    response = client.post("/accounts/two-factor/confirm/", {"code": totp_code(device)})
    assert response.status_code == 200


def _turn_off_two_factor(client: Client, user: User) -> None:
    enrol_two_factor(user)
    client.force_login(user)
    client.post("/accounts/two-factor/disable/", {"password": TEST_PASSWORD})
    with account_scope(user.pk):
        assert not TOTPDevice.objects.filter(user=user).exists()


def _use_a_backup_code(client: Client, user: User) -> None:
    _device, codes = enrol_two_factor(user)
    _password_step(client)
    response = client.post("/accounts/login/verify/", {"code": codes[0]})
    assert response.status_code == 302


def _change_password(client: Client, user: User) -> None:
    client.force_login(user)
    client.post("/accounts/password/", {"password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    with account_scope(user.pk):
        user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def _change_email(client: Client, user: User) -> None:
    client.force_login(user)
    client.post("/accounts/email/",
                {"new_email": "maria.r@example.test", "password": TEST_PASSWORD})  # fmt: skip
    with account_scope(user.pk):
        user.refresh_from_db()
    assert user.email == "maria.r@example.test"


SECURITY_EVENTS: list[tuple[Event, Callable[[Client, User], None], str]] = [
    (Event.AUTH_LOGIN, _sign_in, "Maria Rossi signed in"),
    (Event.AUTH_LOGIN_FAILED, _fail_sign_in, "Someone failed to sign in as Maria Rossi"),
    (Event.AUTH_LOCKOUT, _get_locked_out,
     "Signing in as Maria Rossi was locked after too many failed attempts"),
    (Event.AUTH_LOGOUT, _sign_out, "Maria Rossi signed out"),
    (Event.TWO_FACTOR_ENABLED, _enrol_two_factor,
     "Maria Rossi turned on two-factor authentication"),
    (Event.TWO_FACTOR_DISABLED, _turn_off_two_factor,
     "Maria Rossi turned off two-factor authentication"),
    (Event.TWO_FACTOR_BACKUP_CODE_USED, _use_a_backup_code,
     "Maria Rossi signed in with a backup code; 9 backup codes left"),
    (Event.PASSWORD_CHANGED, _change_password, "Maria Rossi changed their password"),
    (Event.EMAIL_CHANGED, _change_email, "Maria Rossi changed their email address"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("event", "act", "sentence"), SECURITY_EVENTS, ids=[e.value for e, _a, _s in SECURITY_EVENTS]
)
def test_each_security_event_writes_its_entry_in_every_company_of_the_person(
    client: Client,
    tenant_a: Tenant,
    tenant_b: Tenant,
    event: Event,
    act: Callable[[Client, User], None],
    sentence: str,
) -> None:
    maria = member(tenant_a, email=EMAIL, full_name="Maria Rossi").user
    member(tenant_b, user=maria)

    act(client, maria)

    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            entries = list(AuditEntry.objects.filter(event=event.value))
            assert len(entries) == 1, (tenant.slug, event, len(entries))
            entry = entries[0]
            assert (entry.target_type, entry.object_pk) == ("accounts.user", str(maria.pk))
            words = Describer(tenant).describe([EntryFacts.of(entry)])[0]
        assert words.label == str(event.label)
        assert words.category == "Security"
        assert words.sentence == sentence


def test_the_list_above_names_every_event_the_issue_calls_a_security_event() -> None:
    named = {event for event, _act, _sentence in SECURITY_EVENTS}
    assert all(event.category == Category.SECURITY for event in named)
    assert len(named) == 9
