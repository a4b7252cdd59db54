"""The SQL of PostgreSQL row-level security for tenant tables, and its one list of exceptions."""

from __future__ import annotations

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
    "no data) in that company's name, when a change made outside its context affects its rota",
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
