"""PostgreSQL refuses cross-tenant reads and writes even when application code does not filter.

These run as the application's own role (see tests/conftest.py), which is neither superuser nor
BYPASSRLS, with raw SQL so that nothing in the ORM can be what protects the data."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from tenancy import rls
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant, TenantModel
from tenancy.permissions import RoleKind
from tests.factories import make_user, member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _set_tenant(cursor: Any, tenant: Tenant | None) -> None:
    cursor.execute(
        "SELECT set_config(%s, %s, true)", [rls.TENANT_SETTING, str(tenant.pk) if tenant else ""]
    )


def _tenant_ids(cursor: Any, table: str) -> set[uuid.UUID]:
    cursor.execute(f'SELECT DISTINCT tenant_id FROM "{table}"')
    return {row[0] for row in cursor.fetchall()}


def test_select_with_no_tenant_set_returns_no_rows(tenant_a: Tenant, tenant_b: Tenant) -> None:
    member(tenant_a)
    member(tenant_b)
    with connection.cursor() as cursor:
        _set_tenant(cursor, None)
        cursor.execute("SELECT count(*) FROM tenancy_role")
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM tenancy_membership")
        assert cursor.fetchone()[0] == 0


def test_select_with_tenant_a_set_returns_only_a(tenant_a: Tenant, tenant_b: Tenant) -> None:
    member(tenant_a)
    member(tenant_b)
    with connection.cursor() as cursor:
        _set_tenant(cursor, tenant_a)
        assert _tenant_ids(cursor, "tenancy_role") == {tenant_a.pk}
        assert _tenant_ids(cursor, "tenancy_membership") == {tenant_a.pk}


def test_insert_with_another_tenants_id_is_refused(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with connection.cursor() as cursor:
        _set_tenant(cursor, tenant_a)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "INSERT INTO tenancy_role (id, tenant_id, name, kind, permissions) "
                "VALUES (%s, %s, 'Smuggled', 'custom', '[]')",
                [uuid.uuid4(), tenant_b.pk],
            )
    with tenant_context(tenant_b):
        assert not Role.objects.filter(name="Smuggled").exists()


def test_update_moving_a_row_to_another_tenant_is_refused(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with connection.cursor() as cursor:
        _set_tenant(cursor, tenant_a)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            cursor.execute(
                "UPDATE tenancy_role SET tenant_id = %s",
                [tenant_b.pk],
            )


def test_update_and_delete_cannot_reach_another_tenants_rows(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with connection.cursor() as cursor:
        _set_tenant(cursor, tenant_a)
        cursor.execute(
            "UPDATE tenancy_role SET name = 'Renamed' WHERE tenant_id = %s", [tenant_b.pk]
        )
        assert cursor.rowcount == 0
        cursor.execute(
            "DELETE FROM tenancy_role WHERE tenant_id = %s AND kind = 'custom'", [tenant_b.pk]
        )
        assert cursor.rowcount == 0
    with tenant_context(tenant_b):
        assert not Role.objects.filter(name="Renamed").exists()


def test_a_row_referencing_another_tenants_row_is_refused(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """The composite foreign key (tenant_id, role_id) -> role (tenant_id, id)."""
    user = make_user()
    with tenant_context(tenant_b):
        foreign_role = Role.objects.get(kind=RoleKind.OWNER)
    with connection.cursor() as cursor:
        _set_tenant(cursor, tenant_a)
        with pytest.raises(DatabaseError, match="same_tenant_fk"), transaction.atomic():
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "INSERT INTO tenancy_membership"
                " (id, tenant_id, user_id, role_id, status, all_sites, created_at)"
                " VALUES (%s, %s, %s, %s, 'active', true, now())",
                [uuid.uuid4(), tenant_a.pk, user.pk, foreign_role.pk],
            )
    with tenant_context(tenant_a):
        assert not Membership.objects.filter(user=user).exists()


def test_the_connected_role_is_neither_superuser_nor_bypassrls() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def _tenant_tables(cursor: Any) -> dict[str, tuple[bool, bool]]:
    cursor.execute(
        """
        SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        """
    )
    return {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}


def test_catalog_every_tenant_table_has_forced_rls_and_the_policy() -> None:
    with connection.cursor() as cursor:
        tables = _tenant_tables(cursor)
        cursor.execute(
            "SELECT tablename, policyname, qual, with_check FROM pg_policies "
            "WHERE schemaname = 'public'"
        )
        policies: dict[str, list[tuple[str, str, str]]] = {}
        for table, name, qual, with_check in cursor.fetchall():
            policies.setdefault(table, []).append((name, qual, with_check))
    models = {m._meta.db_table for m in _tenant_models()}
    assert models <= set(tables), "a tenant model's table has no tenant_id column"
    for table, (enabled, forced) in tables.items():
        assert enabled and forced, f"{table}: row-level security is not enabled and forced"
        assert [p[0] for p in policies.get(table, [])] == [rls.POLICY_NAME], table
        _, qual, with_check = policies[table][0]
        assert "app.tenant_id" in qual and "app.tenant_id" in with_check, table
        assert "app.user_id" not in with_check, f"{table}: a directory exception admits writes"
        if "app.user_id" in qual:
            assert table in rls.DIRECTORY_EXCEPTIONS, f"{table}: unlisted directory exception"
        if rls.OUTBOX_SETTING in qual or rls.OUTBOX_SETTING in with_check:
            assert table in rls.RELAY_EXCEPTIONS, f"{table}: unlisted outbox relay exception"
    assert set(tables) >= rls.RELAY_EXCEPTIONS, "a relay exception names no tenant table"


def test_catalog_only_the_listed_functions_name_the_tenant_or_user_setting() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = 'public' AND (p.prosrc LIKE %s OR p.prosrc LIKE %s)",
            [f"%{rls.TENANT_SETTING}%", f"%{rls.USER_SETTING}%"],
        )
        found = {row[0] for row in cursor.fetchall()}
    assert found == set(rls.SETTING_FUNCTIONS)


def test_catalog_every_reference_between_tenant_tables_is_a_composite_key() -> None:
    expected = set()
    for model in _tenant_models():
        for field in model._meta.concrete_fields:
            target = field.related_model
            if field.many_to_one and isinstance(target, type) and issubclass(target, TenantModel):
                expected.add((model._meta.db_table, field.column, target._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT src.relname, a2.attname, dst.relname
            FROM pg_constraint con
            JOIN pg_class src ON src.oid = con.conrelid
            JOIN pg_class dst ON dst.oid = con.confrelid
            JOIN pg_attribute a1 ON a1.attrelid = con.conrelid AND a1.attnum = con.conkey[1]
            JOIN pg_attribute a2 ON a2.attrelid = con.conrelid AND a2.attnum = con.conkey[2]
            WHERE con.contype = 'f' AND array_length(con.conkey, 1) = 2
              AND a1.attname = 'tenant_id'
            """
        )
        found = set(cursor.fetchall())
    assert expected, "no references between tenant tables found: the check would prove nothing"
    assert expected <= found, f"missing composite foreign keys: {sorted(expected - found)}"


def test_catalog_every_index_of_a_tenant_table_leads_with_tenant_id() -> None:
    allowed = {
        ("tenancy_membership", "user_id"),  # the directory read (rls.DIRECTORY_EXCEPTIONS)
        # The outbox relay's scan across companies (rls.RELAY_EXCEPTIONS): partial, rows not done.
        ("tenancy_outboxmessage", "created_at"),
    }
    with connection.cursor() as cursor:
        tables = set(_tenant_tables(cursor))
        cursor.execute(
            """
            SELECT t.relname, i.relname, a.attname
            FROM pg_index x
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = x.indkey[0]
            WHERE NOT x.indisprimary
            """
        )
        rows = [row for row in cursor.fetchall() if row[0] in tables]
    assert rows
    for table, index, first_column in rows:
        assert first_column == "tenant_id" or (table, first_column) in allowed, (table, index)


def _tenant_models() -> list[type[TenantModel]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TenantModel) and not m._meta.abstract]


@pytest.mark.django_db(transaction=True)
def test_a_reused_connection_never_carries_the_previous_tenant(tenant_a: Tenant) -> None:
    def setting() -> str | None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [rls.TENANT_SETTING])
            value: str | None = cursor.fetchone()[0]
            return value

    with tenant_context(tenant_a):
        assert setting() == str(tenant_a.pk)
    assert setting() in {None, ""}, "still set after the commit"

    with pytest.raises(RuntimeError), tenant_context(tenant_a):
        assert setting() == str(tenant_a.pk)
        raise RuntimeError("the request failed")
    assert setting() in {None, ""}, "still set after the rollback"

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenancy_role")
        assert cursor.fetchone()[0] == 0


def test_nested_context_restores_the_outer_tenants_database_setting(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with tenant_context(tenant_a), connection.cursor() as cursor:
        with tenant_context(tenant_b):
            pass
        assert _tenant_ids(cursor, "tenancy_role") == {tenant_a.pk}
