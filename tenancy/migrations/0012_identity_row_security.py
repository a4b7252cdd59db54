"""Row-level security on the identity tables (accounts, two-factor devices, backup codes,
sessions): see tenancy.rls.IDENTITY_POLICIES and docs/design.md, "Identity data".

Sessions moved to a cache (settings.SESSION_ENGINE): the rows left in django_session are
deleted, so everyone signs in once more after this deploy."""

from typing import Any

from django.db import migrations

from tenancy import rls


def protect(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DELETE FROM django_session")
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in rls.IDENTITY_POLICIES:
        for statement in rls.identity_enable_sql(table):
            schema_editor.execute(statement)
    for definition in rls.IDENTITY_FUNCTIONS.values():
        schema_editor.execute(definition)


def unprotect(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in rls.IDENTITY_FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    for table in rls.IDENTITY_POLICIES:
        for statement in rls.identity_disable_sql(table):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0011_outbox"),
        ("accounts", "0005_totp_keys_encrypt"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(protect, unprotect)]
