"""The rota's change log: a table that PostgreSQL triggers write to whenever something the rota
week is computed from changes (scheduling/rota_cache.py reads it). On other databases (the
embedded demo) the table exists and stays empty: nothing is cached there."""

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import tenancy.ids
from tenancy.migration_ops import ProtectTenantTable

# Every table the rota's selector reads after its snapshot (tests/scheduling/test_rota_cache.py
# captures the SQL of rota requests and fails when one is missing). accounts_user has a trigger
# of its own: a person's name or email is shown in each of their companies' rotas.
TENANT_TABLES = [
    "scheduling_site",
    "scheduling_siteuserobjectpermission",
    "scheduling_position",
    "scheduling_schedulingsettings",
    "tenancy_membership",
    "scheduling_workprofile",
    "scheduling_workprofileposition",
    "scheduling_workprofilesite",
    "scheduling_shift",
    "scheduling_leavetype",
    "scheduling_leaverequest",
    "scheduling_availability",
    "scheduling_availabilityexception",
]

# Every name schema-qualified: the functions run with the caller's search_path.
FUNCTIONS = """
-- A time-ordered UUID (version 7), as tenancy.ids.uuid7 makes in Python.
CREATE OR REPLACE FUNCTION public.scheduling_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing
    substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
    FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
$$;

-- Log that this transaction changed company `changed`'s rota inputs: one row per company and
-- transaction (the unique key; the transaction-local app.rota_changed remembers the last
-- company logged, so a statement touching 800 shifts inserts once). The row is the company's
-- own, written in its name: when the change comes from outside that company's context (a
-- person's new name, shown in each of their companies) app.tenant_id is set to it for the
-- insert alone, so the row-level security policy checks it like any other; it holds no data.
CREATE OR REPLACE FUNCTION public.scheduling_rota_change_log(changed uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  outer_tenant text := current_setting('app.tenant_id', true);
BEGIN
  IF changed IS NULL OR current_setting('app.rota_changed', true) = changed::text THEN
    RETURN;
  END IF;
  IF outer_tenant IS DISTINCT FROM changed::text THEN
    PERFORM set_config('app.tenant_id', changed::text, true);
  END IF;
  INSERT INTO public.scheduling_rotachange (id, tenant_id, xid, created_at)
  VALUES (public.scheduling_uuid7(), changed, pg_current_xact_id()::text::bigint, now())
  ON CONFLICT (tenant_id, xid) DO NOTHING;
  IF outer_tenant IS DISTINCT FROM changed::text THEN
    PERFORM set_config('app.tenant_id', coalesce(outer_tenant, ''), true);
  END IF;
  PERFORM set_config('app.rota_changed', changed::text, true);
END
$$;

CREATE OR REPLACE FUNCTION public.scheduling_rota_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM public.scheduling_rota_change_log(OLD.tenant_id);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    PERFORM public.scheduling_rota_change_log(NEW.tenant_id);
  END IF;
  RETURN NULL;
END
$$;

-- A person's name or email changed: every company they belong to. Their memberships are read
-- through the directory exception of the membership policy (app.user_id, DESIGN.md 4.4).
CREATE OR REPLACE FUNCTION public.scheduling_rota_person_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  outer_user text := current_setting('app.user_id', true);
  companies uuid[];
  company uuid;
BEGIN
  PERFORM set_config('app.user_id', NEW.id::text, true);
  SELECT array_agg(DISTINCT tenant_id) INTO companies
    FROM public.tenancy_membership WHERE user_id = NEW.id;
  PERFORM set_config('app.user_id', coalesce(outer_user, ''), true);
  FOREACH company IN ARRAY coalesce(companies, '{}') LOOP
    PERFORM public.scheduling_rota_change_log(company);
  END LOOP;
  RETURN NULL;
END
$$;
"""

PERSON_TRIGGER = """
CREATE TRIGGER scheduling_rota_person AFTER UPDATE OF full_name, email ON accounts_user
FOR EACH ROW WHEN (OLD.full_name IS DISTINCT FROM NEW.full_name OR OLD.email IS DISTINCT FROM NEW.email)
EXECUTE FUNCTION public.scheduling_rota_person_changed()
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTIONS)
    for table in TENANT_TABLES:
        schema_editor.execute(
            f'CREATE TRIGGER scheduling_rota_changed AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION public.scheduling_rota_changed()"
        )
    schema_editor.execute(PERSON_TRIGGER)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS scheduling_rota_person ON accounts_user")
    for table in TENANT_TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS scheduling_rota_changed ON "{table}"')
    for function in (
        "scheduling_rota_person_changed()",
        "scheduling_rota_changed()",
        "scheduling_rota_change_log(uuid)",
        "scheduling_uuid7()",
    ):
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_user_groups_user_is_superuser_user_user_permissions"),
        ("scheduling", "0004_selfservice_rest"),
        ("tenancy", "0010_membership_left_anonymised"),
    ]

    operations = [
        migrations.CreateModel(
            name="RotaChange",
            fields=[
                (
                    "id",
                    models.UUIDField(
                        default=tenancy.ids.uuid7, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("xid", models.BigIntegerField(editable=False)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        db_index=False,
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("tenant", "xid"), name="scheduling_rotachange_once"
                    )
                ],
            },
        ),
        ProtectTenantTable("rotachange"),
        migrations.RunPython(forwards, backwards),
    ]
