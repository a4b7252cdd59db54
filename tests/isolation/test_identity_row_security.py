"""Identity data (accounts, two-factor devices, backup codes, sessions) under row-level security,
read as the application role with raw SQL, and the flows that must still find an account.
docs/design.md, "Identity data", has the reasoning."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, TestCase, override_settings

from accounts import services
from accounts.crypto import PREFIX, two_factor_keys
from accounts.identity import (
    ACCOUNT_SETTING,
    LOOKUP_SETTING,
    TWO_FACTOR_MEMBERS_FUNCTION,
    account_scope,
)
from accounts.models import TOTPDevice, User
from tenancy import rls
from tenancy.models import Tenant
from tenancy.permissions import RoleKind
from tests.factories import TEST_PASSWORD, clock_moved, enrol_two_factor, member, totp_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]


def _read(sql: str, settings: dict[str, str] | None = None) -> set[Any]:
    """The first column of `sql`, read as the application role with only `settings` set."""
    with transaction.atomic(), connection.cursor() as cursor:
        for name in (rls.TENANT_SETTING, rls.USER_SETTING, ACCOUNT_SETTING, LOOKUP_SETTING):
            cursor.execute("SELECT set_config(%s, %s, true)", [name, ""])
        for name, value in (settings or {}).items():
            cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        cursor.execute(sql)
        return {row[0] for row in cursor.fetchall()}


def _people(tenant_a: Tenant, tenant_b: Tenant) -> tuple[User, User, User]:
    only_a = member(tenant_a, email="only-a@example.test").user
    only_b = member(tenant_b, email="only-b@example.test").user
    both = member(tenant_a, email="both@example.test").user
    member(tenant_b, user=both)
    return only_a, only_b, both


def test_with_company_a_set_only_a_members_accounts_are_readable(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    only_a, only_b, both = _people(tenant_a, tenant_b)
    seen = _read("SELECT id FROM accounts_user", {rls.TENANT_SETTING: str(tenant_a.pk)})
    assert only_a.pk in seen and both.pk in seen
    assert only_b.pk not in seen, "a member of B only must be invisible from A"
    by_id = f"SELECT id FROM accounts_user WHERE id = '{only_b.pk}'"
    assert _read(by_id, {rls.TENANT_SETTING: str(tenant_a.pk)}) == set()


def test_with_nothing_set_no_account_session_or_device_is_readable(
    client: Client, tenant_a: Tenant
) -> None:
    person = member(tenant_a, email="p@example.test").user
    enrol_two_factor(person)
    client.force_login(person)
    assert client.get("/accounts/").status_code == 200
    assert _read("SELECT count(*) FROM accounts_user") == {0}
    assert _read("SELECT count(*) FROM accounts_totpdevice") == {0}
    assert _read("SELECT count(*) FROM accounts_backupcode") == {0}
    # Sessions are not in the database at all (a cache), and the old table admits nobody.
    assert _read("SELECT count(*) FROM django_session") == {0}
    refused = pytest.raises(Exception, match="row-level security")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES ('x', 'y', now())"
        )


def test_the_app_role_reads_only_the_acting_accounts_devices_and_codes(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    only_a, only_b, both = _people(tenant_a, tenant_b)
    for person in (only_a, only_b, both):
        enrol_two_factor(person)
    in_a = {rls.TENANT_SETTING: str(tenant_a.pk)}
    assert _read("SELECT user_id FROM accounts_totpdevice", in_a) == set(), (
        "a company's context alone opens nobody's two-factor secret"
    )
    as_only_a = {**in_a, ACCOUNT_SETTING: str(only_a.pk)}
    assert _read("SELECT user_id FROM accounts_totpdevice", as_only_a) == {only_a.pk}
    assert _read("SELECT user_id FROM accounts_backupcodedevice", as_only_a) == {only_a.pk}
    codes = _read(
        "SELECT d.user_id FROM accounts_backupcode c "
        "JOIN accounts_backupcodedevice d ON d.id = c.device_id",
        as_only_a,
    )
    assert codes == {only_a.pk}
    # Nor may the account write someone else's device.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [ACCOUNT_SETTING, str(only_a.pk)])
        cursor.execute(
            "UPDATE accounts_totpdevice SET confirmed = false WHERE user_id = %s", [only_b.pk]
        )
        assert cursor.rowcount == 0


def test_the_address_lookup_admits_that_one_account_only(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    _only_a, only_b, _both = _people(tenant_a, tenant_b)
    seen = _read("SELECT id FROM accounts_user", {LOOKUP_SETTING: "only-b@example.test"})
    assert seen == {only_b.pk}


def test_the_stored_totp_key_is_ciphertext_under_a_key_outside_the_database(
    tenant_a: Tenant,
) -> None:
    person = member(tenant_a).user
    device, _codes = enrol_two_factor(person)
    stored = _read(
        f"SELECT key FROM accounts_totpdevice WHERE id = {int(device.pk)}",
        {ACCOUNT_SETTING: str(person.pk)},
    ).pop()
    assert stored.startswith(PREFIX)
    assert device.key not in stored and len(device.key) == 40
    assert two_factor_keys.decrypt(stored) == device.key
    other_key = override_settings(TWO_FACTOR_KEYS=["another-key-entirely-of-some-length-0"])
    with other_key, pytest.raises(ValueError, match="TWO_FACTOR_KEYS"):
        two_factor_keys.decrypt(stored)


NEW_KEY = "the-next-two-factor-key-0123456789abcdef"


def test_rotating_the_key_keeps_every_device_verifying(tenant_a: Tenant, tenant_b: Tenant) -> None:
    from django.conf import settings

    only_a, only_b, _both = _people(tenant_a, tenant_b)
    devices = {person.pk: enrol_two_factor(person)[0] for person in (only_a, only_b)}
    pending = services.totp_device_start(user=only_a)  # enrolment under way: rotated too
    with override_settings(TWO_FACTOR_KEYS=[NEW_KEY, *settings.TWO_FACTOR_KEYS]):
        call_command("two_factor_reencrypt", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with override_settings(TWO_FACTOR_KEYS=[NEW_KEY]):  # the old key is gone
        for person in (only_a, only_b):
            device = devices[person.pk]
            with account_scope(person.pk):
                fresh = TOTPDevice.objects.get(pk=device.pk)
            assert fresh.key == device.key
            with clock_moved(31) as now:  # the enrolment code's time step is spent
                result = services.second_factor_verify(user=person, code=totp_code(fresh, at=now))
            assert result.device is not None and result.device.pk == device.pk
        with account_scope(only_a.pk):
            assert TOTPDevice.objects.get(pk=pending.pk).key == pending.key


def test_the_two_factor_status_of_members_is_known_without_reading_their_devices(
    client: Client, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    admin = member(tenant_a, kind=RoleKind.ADMIN, email="admin@example.test")
    enrolled = member(tenant_a, email="enrolled@example.test").user
    member(tenant_a, email="not-enrolled@example.test")
    elsewhere = member(tenant_b, email="elsewhere@example.test").user
    enrol_two_factor(enrolled)
    enrol_two_factor(elsewhere)
    in_a = {rls.TENANT_SETTING: str(tenant_a.pk)}
    assert _read("SELECT count(*) FROM accounts_totpdevice", in_a) == {0}
    assert _read(f"SELECT u FROM {TWO_FACTOR_MEMBERS_FUNCTION}() u", in_a) == {enrolled.pk}
    # The function's widening ends with it.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [rls.TENANT_SETTING, str(tenant_a.pk)])
        cursor.execute(f"SELECT count(*) FROM {TWO_FACTOR_MEMBERS_FUNCTION}()")
        cursor.execute("SELECT count(*) FROM accounts_totpdevice")
        assert cursor.fetchone()[0] == 0
    client.force_login(admin.user)
    page = client.get("/alpha/people/").content.decode()
    assert "enrolled@example.test" in page and "elsewhere@example.test" not in page


def test_sign_in_with_the_second_factor_works_although_no_account_is_readable(
    client: Client, tenant_a: Tenant
) -> None:
    person = member(tenant_a, email="Sign.In@example.test").user
    device, _codes = enrol_two_factor(person)
    assert _read("SELECT count(*) FROM accounts_user") == {0}
    wrong = client.post("/accounts/login/", {"username": "sign.in@example.test", "password": "x"})
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    step = client.post(
        "/accounts/login/", {"username": "sign.in@example.test", "password": TEST_PASSWORD}
    )
    assert step.status_code == 302 and step["Location"] == "/accounts/login/verify/"
    with clock_moved(30) as now:  # the enrolment used the current step's code
        done = client.post("/accounts/login/verify/", {"code": totp_code(device, at=now)})
    assert done.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)
    assert client.get("/alpha/").status_code == 200
    assert _read("SELECT count(*) FROM django_session") == {0}


def test_password_reset_finds_the_account_by_address_and_link(
    client: Client, tenant_a: Tenant, mailoutbox: Any
) -> None:
    person = member(tenant_a, email="forgot@example.test").user
    assert _read("SELECT count(*) FROM accounts_user") == {0}
    client.post("/accounts/password-reset/", {"email": "Forgot@example.test"})
    assert len(mailoutbox) == 1
    link = re.search(r"/accounts/password-reset/[\w-]+/[\w-]+/", mailoutbox[0].body)
    assert link is not None
    form = client.get(link.group(0), follow=True)
    assert form.status_code == 200
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    with account_scope(person.pk):
        person.refresh_from_db()
    assert person.check_password("a brand new passphrase")


def test_an_invitation_is_accepted_by_a_new_person_and_by_an_existing_account(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, mailoutbox: Any
) -> None:
    admin = member(tenant_a, kind=RoleKind.ADMIN, email="admin@example.test")
    existing = member(tenant_b, email="existing@example.test").user
    assert _read("SELECT count(*) FROM accounts_user") == {0}
    client.force_login(admin.user)
    role_id = _employee_role_id(tenant_a)
    for email in ("new@example.test", "existing@example.test"):
        # The email goes out when the transaction commits; the test's transaction never does.
        with TestCase.captureOnCommitCallbacks(execute=True):
            client.post("/alpha/people/invite/", {"email": email, "role": role_id})
    client.logout()
    tokens = re.findall(r"/alpha/join/([\w-]+)/", "\n".join(m.body for m in mailoutbox))
    assert len(tokens) == 2
    new_url, existing_url = (f"/alpha/join/{token}/" for token in tokens)
    joined = client.post(new_url, {"full_name": "Nia New", "password": "a fine long passphrase"})
    assert joined.status_code == 302
    client.logout()
    assert "Sign in to accept" in client.get(existing_url).content.decode()
    client.post(
        "/accounts/login/", {"username": "existing@example.test", "password": TEST_PASSWORD}
    )
    assert client.post(existing_url).status_code == 302
    seen = _read("SELECT email FROM accounts_user", {rls.TENANT_SETTING: str(tenant_a.pk)})
    assert {"new@example.test", existing.email} <= seen


def _employee_role_id(tenant: Tenant) -> str:
    from tenancy.context import tenant_context
    from tenancy.models import Role

    with tenant_context(tenant):
        return str(Role.objects.get(tenant=tenant, kind=RoleKind.EMPLOYEE).pk)


# The escapes are few and reviewed: a new use of account_scope or account_lookup fails here.
ALLOWED_SCOPES = {
    ("accounts/backends.py", "account_lookup"): "sign-in: find the account by the address typed",
    ("accounts/backends.py", "account_scope"): "load the account a session names",
    ("accounts/middleware.py", "account_scope"): "the signed-in account and its verifying device",
    ("accounts/signals.py", "account_scope"): "record the sign-in time on the account",
    ("accounts/views.py", "account_lookup"): "sign-in page and password reset, by address",
    ("accounts/views.py", "account_scope"): "own account pages, second factor, reset link",
    ("accounts/identity.py", "account_lookup"): "account_exists / account_by_email",
    ("accounts/services.py", "account_scope"): "writes of one's own account and devices",
    (
        "accounts/management/commands/two_factor_reencrypt.py",
        "account_scope",
    ): "key rotation, one account at a time",
    ("parim/management/commands/seed_demo.py", "account_scope"): "the demo sets its accounts' "
    "shared password hash",
}


def test_every_use_of_an_identity_scope_is_listed() -> None:
    found = set()
    for app in ("accounts", "tenancy", "audit", "scheduling", "planning", "gdpr", "billing",
                "parim", "attendance"):  # fmt: skip
        for path in (ROOT / app).rglob("*.py"):
            text = path.read_text()
            for name in ("account_scope", "account_lookup"):
                if re.search(rf"\bwith {name}\(", text):
                    found.add((str(path.relative_to(ROOT)), name))
    assert found == set(ALLOWED_SCOPES)


def test_an_id_that_is_no_uuid_matches_nothing() -> None:
    with account_scope("not-an-id"), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [ACCOUNT_SETTING])
        assert cursor.fetchone()[0] == ""
    assert uuid.UUID(str(uuid.uuid4()))


def test_the_migration_moves_clear_keys_into_encrypted_devices(tenant_a: Tenant) -> None:
    """accounts/0005: django-otp's table (keys in clear) becomes encrypted accounts devices and
    is dropped. Run here on a temporary table of the old shape, in the person's scope (the
    migration itself runs before the row-level security exists)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("accounts.migrations.0005_totp_keys_encrypt")
    person = member(tenant_a).user
    clear_key = "3132333435363738393031323334353637383930"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE otp_totp_totpdevice (id serial, user_id uuid, name varchar(64), "
            "confirmed boolean, key varchar(80), step smallint, t0 bigint, digits smallint, "
            "tolerance smallint, drift smallint, last_t bigint, "
            "throttling_failure_timestamp timestamptz, throttling_failure_count integer)"
        )
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (user_id, name, confirmed, key, step, t0, digits, "
            "tolerance, drift, last_t, throttling_failure_count) "
            "VALUES (%s, 'Phone', true, %s, 30, 0, 6, 1, 0, 41, 0)",
            [person.pk, clear_key],
        )

    class Editor:
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    with account_scope(person.pk):
        migration.encrypt_existing_devices(apps, Editor())
        device = TOTPDevice.objects.get(user=person)
    assert device.key == clear_key and device.confirmed and device.last_t == 41
    stored = _read(
        f"SELECT key FROM accounts_totpdevice WHERE id = {int(device.pk)}",
        {ACCOUNT_SETTING: str(person.pk)},
    ).pop()
    assert stored.startswith(PREFIX) and clear_key not in stored
    assert "otp_totp_totpdevice" not in connection.introspection.table_names()
