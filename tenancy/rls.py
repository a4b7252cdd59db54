"""The SQL of PostgreSQL row-level security for tenant tables, and its one list of exceptions."""

from __future__ import annotations

from accounts.identity import (
    ACCOUNT_SETTING,
    LOOKUP_SETTING,
    TWO_FACTOR_MEMBERS_FUNCTION,
    TWO_FACTOR_OWNERS_FUNCTION,
    TWO_FACTOR_STATUS_SETTING,
)

POLICY_NAME = "tenant_isolation"
TENANT_SETTING = "app.tenant_id"
USER_SETTING = "app.user_id"
# Set (to "on", transaction-locally) only by tenancy/outbox.py: the outbox relay and the task
# that runs an outbox row reach rows of every company (and the platform's rows, which have no
# company) by id. tests/tenancy/test_outbox.py fails when another module names the setting.
OUTBOX_SETTING = "app.outbox_relay"

# After a transaction-local set_config, PostgreSQL leaves an empty string behind rather than NULL;
# NULLIF turns both "never set" and "reset" into NULL, which matches no row.
TENANT_MATCH = f"tenant_id = NULLIF(current_setting('{TENANT_SETTING}', true), '')::uuid"

# Directory rows that must be read before a tenant is chosen (DESIGN.md 4.4): table -> the column
# holding the signed-in person's id. Reading only: the WITH CHECK clause never admits them.
DIRECTORY_EXCEPTIONS: dict[str, str] = {
    "tenancy_membership": "user_id",
}

# Tables that the outbox relay reads and writes across companies (DESIGN.md section 5, the
# outbox): the policy also admits every row while OUTBOX_SETTING is on, for reads and writes.
RELAY_EXCEPTIONS: frozenset[str] = frozenset({"tenancy_outboxmessage"})
RELAY_MATCH = f"current_setting('{OUTBOX_SETTING}', true) = 'on'"


# Database functions that set the tenant or user setting themselves (tests/isolation checks the
# catalog against this list). Each writes or reads only what its reason says.
SETTING_FUNCTIONS: dict[str, str] = {
    "scheduling_rota_change_log": "writes one company's rota change-log row (a transaction id, "
    "the days and membership ids it touched) in that company's name, when a change made outside "
    "its context affects its rota",
    "scheduling_rota_person_changed": "reads a renamed person's own memberships through the "
    "directory exception, to log a rota change in each of their companies",
}


def using_expression(table: str) -> str:
    if table in RELAY_EXCEPTIONS:
        return f"({TENANT_MATCH}) OR ({RELAY_MATCH})"
    column = DIRECTORY_EXCEPTIONS.get(table)
    if column is None:
        return TENANT_MATCH
    user_match = f"{column} = NULLIF(current_setting('{USER_SETTING}', true), '')::uuid"
    return f"({TENANT_MATCH}) OR ({user_match})"


def check_expression(table: str) -> str:
    if table in RELAY_EXCEPTIONS:
        return f"({TENANT_MATCH}) OR ({RELAY_MATCH})"
    return TENANT_MATCH


def enable_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
        f'CREATE POLICY {POLICY_NAME} ON "{table}" USING ({using_expression(table)}) '
        f"WITH CHECK ({check_expression(table)})",
        # The target of the composite foreign keys (tenant_id, x_id) -> (tenant_id, id); also
        # the index that leads with tenant_id.
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{tenant_key_name(table)}" UNIQUE (tenant_id, id)',
    ]


def disable_sql(table: str) -> list[str]:
    return [
        f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{tenant_key_name(table)}"',
        f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"',
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


def tenant_key_name(table: str) -> str:
    return _limit(f"{table}_tenant_id_id_key")


def composite_fk_name(table: str, column: str) -> str:
    return _limit(f"{table}_{column}_same_tenant_fk")


def composite_fk_sql(table: str, column: str, target_table: str) -> str:
    # Deferred like Django's own foreign keys, so deletions in the collector's order still pass.
    return (
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{composite_fk_name(table, column)}" '
        f'FOREIGN KEY (tenant_id, "{column}") REFERENCES "{target_table}" (tenant_id, id) '
        "DEFERRABLE INITIALLY DEFERRED"
    )


def _limit(name: str) -> str:
    # PostgreSQL truncates identifiers at 63 bytes; keep names unique by hashing long ones.
    if len(name) <= 63:
        return name
    import hashlib

    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:54]}_{digest}"


# Identity tables (docs/design.md, "Identity data"): no tenant_id, so not the tenant policy
# above. The application role reads an account when it is the account acted on
# (app.account_id), the one address being looked up (app.lookup_email) or a member of the
# current company; a device or backup code only when it is the acted-on account's; a session
# never (sessions live in a cache: the table stays, empty, for Django's sessions app).
def _setting(name: str) -> str:
    return f"NULLIF(current_setting('{name}', true), '')"


_ACCOUNT = f"{_setting(ACCOUNT_SETTING)}::uuid"
_LOOKUP = _setting(LOOKUP_SETTING)
_TWO_FACTOR_STATUS = f"{_setting(TWO_FACTOR_STATUS_SETTING)} = 'on'"


def _member_of_current_company(user_column: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM tenancy_membership m WHERE m.user_id = {user_column} "  # noqa: S608  (constants)
        f"AND m.tenant_id = {_setting(TENANT_SETTING)}::uuid)"
    )


_USER_VISIBLE = (
    f"(id = {_ACCOUNT}) OR (lower(email) = {_LOOKUP}) "
    f"OR {_member_of_current_company('accounts_user.id')}"
)
_OWN_DEVICE = f"user_id = {_ACCOUNT}"
_OWN_CODE = (
    "EXISTS (SELECT 1 FROM accounts_backupcodedevice d "  # noqa: S608  (constants)
    f"WHERE d.id = accounts_backupcode.device_id AND d.user_id = {_ACCOUNT})"
)

# table -> (who may be read, who may be inserted, who may be updated or deleted); None: nobody.
IDENTITY_POLICIES: dict[str, tuple[str | None, str | None, str | None]] = {
    # Creating an account reveals nothing (sign-up, invitation); reading it back needs a scope.
    "accounts_user": (_USER_VISIBLE, "true", _USER_VISIBLE),
    "accounts_totpdevice": (
        # The status function (TWO_FACTOR_MEMBERS_FUNCTION) turns app.two_factor_status on for
        # its own query only, and returns user ids, never a key.
        # TWO_FACTOR_OWNERS_FUNCTION (key rotation) turns it to 'all' the same way.
        f"({_OWN_DEVICE}) OR ({_TWO_FACTOR_STATUS} "
        f"AND {_member_of_current_company('accounts_totpdevice.user_id')}) "
        f"OR ({_setting(TWO_FACTOR_STATUS_SETTING)} = 'all')",
        _OWN_DEVICE,
        _OWN_DEVICE,
    ),
    "accounts_backupcodedevice": (_OWN_DEVICE, _OWN_DEVICE, _OWN_DEVICE),
    "accounts_backupcode": (_OWN_CODE, _OWN_CODE, _OWN_CODE),
    "django_session": (None, None, None),
}


def identity_enable_sql(table: str) -> list[str]:
    read, insert, write = IDENTITY_POLICIES[table]
    statements = [
        f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY',
    ]
    if read is not None:
        statements.append(f'CREATE POLICY identity_read ON "{table}" FOR SELECT USING ({read})')
    if insert is not None:
        statements.append(
            f'CREATE POLICY identity_insert ON "{table}" FOR INSERT WITH CHECK ({insert})'
        )
    if write is not None:
        statements += [
            f'CREATE POLICY identity_update ON "{table}" FOR UPDATE USING ({write}) '
            f"WITH CHECK ({write})",
            f'CREATE POLICY identity_delete ON "{table}" FOR DELETE USING ({write})',
        ]
    return statements


def identity_disable_sql(table: str) -> list[str]:
    return [
        *(
            f'DROP POLICY IF EXISTS {name} ON "{table}"'
            for name in ("identity_read", "identity_insert", "identity_update", "identity_delete")
        ),
        f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY',
        f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY',
    ]


# Each turns app.two_factor_status on for its one query only (restored before it returns; an
# error rolls the setting back with the statement), and hands back user ids, never a device row.
def _status_function(name: str, status: str, where: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS SETOF uuid LANGUAGE plpgsql AS $$
DECLARE
    previous text := current_setting('{TWO_FACTOR_STATUS_SETTING}', true);
BEGIN
    PERFORM set_config('{TWO_FACTOR_STATUS_SETTING}', '{status}', true);
    RETURN QUERY SELECT DISTINCT d.user_id FROM accounts_totpdevice d WHERE {where};
    PERFORM set_config('{TWO_FACTOR_STATUS_SETTING}', coalesce(previous, ''), true);
END
$$"""  # noqa: S608  (constants)


IDENTITY_FUNCTIONS: dict[str, str] = {
    # The members of the current company who have an authenticator (home panel, people page).
    TWO_FACTOR_MEMBERS_FUNCTION: _status_function(TWO_FACTOR_MEMBERS_FUNCTION, "on", "d.confirmed"),
    # Every account with an authenticator, confirmed or being enrolled, for re-encrypting
    # their keys (key rotation).
    TWO_FACTOR_OWNERS_FUNCTION: _status_function(TWO_FACTOR_OWNERS_FUNCTION, "all", "true"),
}
