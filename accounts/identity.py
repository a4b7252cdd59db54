"""The identity scopes: what of the accounts, two-factor devices and backup codes the application
role may read (PostgreSQL row-level security, docs/design.md "Identity data").

Outside these scopes the application role reads the accounts of the members of the current
company (app.tenant_id, set by tenancy's tenant_context) and nothing else: no two-factor
device, no backup code, no session. The scopes, each transaction-local like app.tenant_id:

- `account_scope(user_id)`: app.account_id, the one account acted on: the signed-in person
  (set for every request that carries a session), or the account a password-reset link names.
  Admits that account's row, its devices and its backup codes.
- `account_lookup(email)`: app.lookup_email, the one address someone typed (sign-in, password
  reset, invitation, sign-up). Admits the account row with exactly that address, nothing else.
- `two_factor_members_sql()`: a database function that answers "which members of the current
  company have an authenticator" with user ids only; it never hands a device row to the app.

Every use of account_scope and account_lookup is listed in
tests/isolation/test_identity_row_security.py, which fails when a new one appears: widening what
the application can read is a reviewed change.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType

from django.db import connection, transaction

ACCOUNT_SETTING = "app.account_id"
LOOKUP_SETTING = "app.lookup_email"
TWO_FACTOR_STATUS_SETTING = "app.two_factor_status"
TWO_FACTOR_MEMBERS_FUNCTION = "accounts_members_with_two_factor"
TWO_FACTOR_OWNERS_FUNCTION = "accounts_accounts_with_two_factor"
_MEMBERS_SQL = f"SELECT u FROM {TWO_FACTOR_MEMBERS_FUNCTION}() AS u"  # noqa: S608  (a constant)

# The settings in force in this thread's current transaction, as set by the scopes below (and
# by tenancy's tenant_context for app.account_id): an inner scope asking for a value already in
# force costs no query.
_in_force: ContextVar[Mapping[str, str]] = ContextVar("identity_settings_in_force")
_NONE: Mapping[str, str] = MappingProxyType({})


def set_db_settings(values: Mapping[str, str]) -> dict[str, str] | None:
    """Set transaction-local settings in one statement; return the previous values (to restore
    when nested in an outer transaction), or None off PostgreSQL."""
    if connection.vendor != "postgresql" or not values:
        return None
    names = list(values)
    columns = ", ".join("current_setting(%s, true), set_config(%s, %s, true)" for _name in names)
    params: list[str] = []
    for name in names:
        params += [name, name, values[name]]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns}", params)
        row = cursor.fetchone()
    return {name: row[2 * index] or "" for index, name in enumerate(names)}


def restore_db_settings(previous: Mapping[str, str] | None) -> None:
    if connection.vendor != "postgresql" or not previous:
        return
    pairs = ", ".join("set_config(%s, %s, true)" for _name in previous)
    params: list[str] = []
    for name, value in previous.items():
        params += [name, value]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pairs}", params)


@contextmanager
def settings_in_force(values: Mapping[str, str]) -> Iterator[None]:
    """Record that `values` were just set in the current transaction (by the caller)."""
    token = _in_force.set({**_in_force.get(_NONE), **values})
    try:
        yield
    finally:
        _in_force.reset(token)


@contextmanager
def _db_scope(
    values: Mapping[str, str], *, request_level: bool = False, savepoint: bool = True
) -> Iterator[None]:
    current = _in_force.get(_NONE)
    needed = {name: value for name, value in values.items() if current.get(name) != value}
    if not needed:
        # Inside an enclosing scope of this same transaction that set exactly these values.
        yield
        return
    nested = connection.in_atomic_block
    # A request-level scope is the outermost transaction in production (no ATOMIC_REQUESTS):
    # its end ends the setting. Nested only under a test's transaction, it neither takes a
    # savepoint nor restores, so tests count the queries production runs.
    with transaction.atomic(savepoint=savepoint and not request_level):
        previous = set_db_settings(needed)
        with settings_in_force(values):
            yield
        if nested and not request_level:
            restore_db_settings(previous)


def _account_id(user_id: object) -> str:
    if isinstance(user_id, uuid.UUID):
        return str(user_id)
    try:
        return str(uuid.UUID(str(user_id)))
    except ValueError:
        # Not an account id at all (a forged session or link): match nothing.
        return ""


def session_account_id(request: object) -> str | None:
    """The account that a request's session names, as account_scope sets it ("" for a value
    that is no account id: it matches nothing), or None when the session names none. Not yet
    checked: loading the account (django.contrib.auth) checks the session against it."""
    from django.contrib.auth import SESSION_KEY

    session = getattr(request, "session", None)
    user_id = session.get(SESSION_KEY) if session is not None else None
    return None if user_id is None else _account_id(user_id)


@contextmanager
def account_scope(user_id: object, *, request_level: bool = False) -> Iterator[None]:
    """Run the block (in a transaction) acting on the account `user_id`: its row, devices and
    backup codes are readable and writable. For the signed-in person, and for the account a
    checked credential names (a password-reset link, an erasure). `request_level`: the scope
    wraps a whole request's work (middleware, a view), never nested in production."""
    with _db_scope({ACCOUNT_SETTING: _account_id(user_id)}, request_level=request_level):
        yield


def normalised_email(email: object) -> str:
    return str(email or "").strip().lower()


@contextmanager
def account_lookup(email: object, *, savepoint: bool = True) -> Iterator[None]:
    """Run the block (in a transaction) able to find the one account whose address is `email`
    (before anyone is signed in: sign-in, password reset, invitation, sign-up). `savepoint`
    False for a single read that cannot fail halfway (no savepoint to take and release)."""
    with _db_scope({LOOKUP_SETTING: normalised_email(email)}, savepoint=savepoint):
        yield


def account_exists(email: str) -> bool:
    """Whether an account has this address (compared without regard to case)."""
    from accounts.models import User

    with account_lookup(email, savepoint=False):
        return bool(User.objects.filter(email__iexact=normalised_email(email)).exists())


def account_by_email(email: str) -> object:
    """The account with this address, or None."""
    from accounts.models import User

    with account_lookup(email, savepoint=False):
        return User.objects.filter(email__iexact=normalised_email(email)).first()


def members_with_two_factor(user_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of `user_ids` (members of the current company) have a confirmed authenticator.
    One query; on PostgreSQL through the database function, which returns ids only."""
    ids = list(user_ids)
    if not ids:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"{_MEMBERS_SQL} WHERE u = ANY(%s)", [ids])
            return {row[0] for row in cursor.fetchall()}
    from accounts.models import TOTPDevice

    return set(
        TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True)
    )


def two_factor_members_sql() -> tuple[str, tuple[object, ...]]:
    """SQL of the ids of the current company's members who have a confirmed authenticator, for
    `user_id__in=RawSQL(...)`: the database function on PostgreSQL, the plain table elsewhere
    (SQLite, the embedded demo database, has no row-level security)."""
    if connection.vendor == "postgresql":
        return _MEMBERS_SQL, ()
    return "SELECT user_id FROM accounts_totpdevice WHERE confirmed", ()


def accounts_with_two_factor() -> list[uuid.UUID]:
    """Every account that has an authenticator, confirmed or not (ids only), for key rotation."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT u FROM {TWO_FACTOR_OWNERS_FUNCTION}() AS u ORDER BY u")  # noqa: S608  (a constant)
            return [row[0] for row in cursor.fetchall()]
    from accounts.models import TOTPDevice

    return list(TOTPDevice.objects.order_by("user_id").values_list("user_id", flat=True).distinct())
