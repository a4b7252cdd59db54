"""Entries carry a keyed code (audit.signing) and TRUNCATE of the audit table is refused.

The existing entries are signed as they stand: run `audit_verify` before this migration, since
it authenticates whatever the chain holds at that moment."""

from typing import Any

from django.db import migrations, models

# The erasure path of the guard now also keeps the keyed code unchanged.
GUARD_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    path text := coalesce(current_setting('app.audit_path', true), '');
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Only entries already confirmed in the archive, and never the newest one (the head).
        IF path = 'retention'
            AND OLD.sequence <= coalesce((
                SELECT max(b.last_sequence) FROM audit_archivebatch b
                WHERE b.tenant_id = OLD.tenant_id AND b.status = 'confirmed'), 0)
            AND OLD.sequence < (
                SELECT max(e.sequence) FROM audit_auditentry e WHERE e.tenant_id = OLD.tenant_id)
        THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit entries cannot be deleted (only by the retention purge)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- Erasure writes only the redaction constants, once, into a row not yet redacted.
    IF path = 'erasure'
        AND OLD.redacted_at IS NULL AND NEW.redacted_at IS NOT NULL
        AND NEW.actor_email IS NULL AND NEW.remote_addr IS NULL AND NEW.user_agent = ''
        AND NEW.object_repr = '(erased)' AND NEW.changes IS NULL AND NEW.changes_text = ''
        AND NEW.additional_data IS NULL AND NEW.serialized_data IS NULL
        AND NEW.cid IS NOT DISTINCT FROM OLD.cid AND NEW.remote_port IS NOT DISTINCT FROM OLD.remote_port
        AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
        AND NEW.id = OLD.id AND NEW.tenant_id = OLD.tenant_id
        AND NEW.sequence = OLD.sequence AND NEW."timestamp" = OLD."timestamp"
        AND NEW.event = OLD.event AND NEW.action = OLD.action
        AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
        AND NEW.membership_id IS NOT DISTINCT FROM OLD.membership_id
        AND NEW.target_type = OLD.target_type AND NEW.object_pk = OLD.object_pk
        AND NEW.content_type_id = OLD.content_type_id
        AND NEW.changes_digest = OLD.changes_digest AND NEW.prev_hash = OLD.prev_hash
        AND NEW.entry_hash = OLD.entry_hash
        AND NEW.key_id = OLD.key_id AND NEW.mac = OLD.mac
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit entries cannot be changed'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
"""

# TRUNCATE fires no row triggers, so it needs a statement trigger of its own. It refuses every
# role, the table's owner included; only a superuser can switch it off (and what that removes
# is then found by `audit_verify` against the archive's checkpoints).
NO_TRUNCATE = """
CREATE OR REPLACE FUNCTION audit_entry_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit entries cannot be truncated (only the retention purge removes entries)'
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_truncate();
"""
DROP_NO_TRUNCATE = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_refuse_truncate();
"""


class PostgresOnly(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def sign_existing_entries(apps: Any, schema_editor: Any) -> None:
    from audit import signing

    entry_model = apps.get_model("audit", "AuditEntry")
    tenant_model = apps.get_model("tenancy", "Tenant")
    postgres = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        if postgres:  # the owner may switch its own table's trigger off for this one update
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_guard")
        for tenant_id in tenant_model.objects.values_list("pk", flat=True):
            if postgres:  # row-level security binds the owner too
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            rows = list(
                entry_model.objects.filter(tenant_id=tenant_id, mac="").only(
                    "pk", "sequence", "entry_hash"
                )
            )
            for row in rows:
                message = f"{tenant_id}\n{row.sequence}\n{row.entry_hash}".encode()
                row.key_id, row.mac = signing.sign("entry", message)
            entry_model.objects.bulk_update(rows, ["key_id", "mac"], batch_size=1000)
        if postgres:
            cursor.execute("SELECT set_config('app.tenant_id', '', true)")
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_guard")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="", editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="mac",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(sign_existing_entries, migrations.RunPython.noop),
        PostgresOnly(GUARD_FUNCTION, migrations.RunSQL.noop),
        PostgresOnly(NO_TRUNCATE, DROP_NO_TRUNCATE),
    ]
