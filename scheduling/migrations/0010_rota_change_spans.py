"""The rota's change log says what each transaction touched: the days and the people.

Until now a change-log row (0005) said only that a company's transaction changed something
the rota is read from, so any change (another week, another person) recomputed every cached
week of the company. Now each row also holds the span of days touched (`first_day` to
`last_day`, UTC dates; NULL: every day) and the people touched (`people`, membership ids, with
RotaChange.OPEN_SHIFTS for a shift with no one on it; NULL: everyone), and the cache
(scheduling/rota/cache.py) recomputes only the entries whose days and people a change touched.

What a changed row contributes (its old and its new version, for an update):

- a shift: its UTC start date - 1 to its UTC end date + 1 (the sites' and the company's time
  zones differ from UTC by less than a day), and its person (OPEN_SHIFTS when open);
- a stored rule break: its shift's start date +- 1, and its person;
- leave: its first day - 1 to its last day + 1 (company dates), and its person;
- a one-off (un)availability or a shift wish: its date +- 1, and its person;
- weekly availability, a work profile and the profile's positions and sites: every day, its
  person (a profile's position or site whose profile is gone: everyone);
- sites, managers' site grants, positions, the rules and settings, memberships (a name is on
  every row, and the order of rows follows the names) and leave types: every day, everyone;
- a person's new name or email (accounts_user): every day, everyone, in each of their
  companies.

The triggers are per statement, with its changed rows as transition tables: one aggregate
query and one log call per company and statement, however many rows it touched. A company's
row is still one per transaction (the unique key (tenant_id, xid)): a later statement widens it
with INSERT ... ON CONFLICT DO UPDATE (the span grows to cover both, the people merge), which
only ever meets the transaction's own row, so writers still never wait on each other. More
than PEOPLE_LIMIT people (a bulk change) is everyone. Once the transaction's row is every day
and everyone, the transaction-local app.rota_everything remembers it and later statements log
nothing more for that company. The functions run as the caller (not SECURITY DEFINER), under
row-level security: the log's row is the changed row's company's (tenant_id from the row) and
is written in its name, as in 0005."""

from importlib import import_module
from typing import Any

from django.db import migrations, models

import scheduling.models

PEOPLE_LIMIT = 200

# Each table the rota is read from, and what one of its changed rows (`changed`) touched: SQL
# for its first day, its last day and its person; NULL: every day, everyone.
EVERYONE = ("NULL", "NULL", "NULL")
SHIFT_DAYS = ("(changed.start_at AT TIME ZONE 'UTC')::date - 1",
              "(changed.end_at AT TIME ZONE 'UTC')::date + 1")  # fmt: skip
DATE = ('changed."date" - 1', 'changed."date" + 1')
PROFILE_PERSON = (
    "(SELECT profile.membership_id FROM public.scheduling_workprofile profile"
    " WHERE profile.id = changed.profile_id)"
)
TABLES: dict[str, tuple[str, str, str]] = {
    "scheduling_shift": (
        *SHIFT_DAYS,
        f"coalesce(changed.membership_id, '{scheduling.models.RotaChange.OPEN_SHIFTS}')",
    ),
    "scheduling_rulebreak": (
        "(changed.starts_at AT TIME ZONE 'UTC')::date - 1",
        "(changed.starts_at AT TIME ZONE 'UTC')::date + 1",
        "changed.membership_id",
    ),
    "scheduling_leaverequest": (
        "changed.start_date - 1",
        "changed.end_date + 1",
        "changed.membership_id",
    ),
    "scheduling_availabilityexception": (*DATE, "changed.membership_id"),
    "scheduling_shiftwish": (*DATE, "changed.membership_id"),
    "scheduling_availability": ("NULL", "NULL", "changed.membership_id"),
    "scheduling_workprofile": ("NULL", "NULL", "changed.membership_id"),
    "scheduling_workprofileposition": ("NULL", "NULL", PROFILE_PERSON),
    "scheduling_workprofilesite": ("NULL", "NULL", PROFILE_PERSON),
    "scheduling_site": EVERYONE,
    "scheduling_siteuserobjectpermission": EVERYONE,
    "scheduling_position": EVERYONE,
    "scheduling_schedulingsettings": EVERYONE,
    "tenancy_membership": EVERYONE,
    "scheduling_leavetype": EVERYONE,
}

# Every name schema-qualified: the functions run with the caller's search_path.
FUNCTIONS = """
-- Log that this transaction changed company `changed`'s rota inputs on the days `from_day` to
-- `to_day` (NULL: every day) for the people `whom` (NULL: everyone): one row per company and
-- transaction, widened by each later call of the same transaction to cover both. The row is
-- the company's own, written in its name: when the change comes from outside that company's
-- context (a person's new name, shown in each of their companies) app.tenant_id is set to it
-- for the write alone, so the row-level security policy checks it like any other.
CREATE OR REPLACE FUNCTION public.scheduling_rota_change_log(
  changed uuid, from_day date, to_day date, whom uuid[]
) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  outer_tenant text := current_setting('app.tenant_id', true);
  everything boolean;
BEGIN
  IF changed IS NULL OR current_setting('app.rota_everything', true) = changed::text THEN
    RETURN;  -- this transaction has logged every day and everyone of this company already
  END IF;
  IF from_day IS NULL OR to_day IS NULL THEN
    from_day := NULL;
    to_day := NULL;
  END IF;
  IF cardinality(whom) > PEOPLE_LIMIT THEN
    whom := NULL;
  END IF;
  IF outer_tenant IS DISTINCT FROM changed::text THEN
    PERFORM set_config('app.tenant_id', changed::text, true);
  END IF;
  INSERT INTO public.scheduling_rotachange AS logged
    (id, tenant_id, xid, created_at, first_day, last_day, people)
  VALUES (public.scheduling_uuid7(), changed, pg_current_xact_id()::text::bigint, now(),
          from_day, to_day, whom)
  ON CONFLICT (tenant_id, xid) DO UPDATE SET
    first_day = CASE WHEN logged.first_day IS NULL OR excluded.first_day IS NULL THEN NULL
                     ELSE least(logged.first_day, excluded.first_day) END,
    last_day = CASE WHEN logged.last_day IS NULL OR excluded.last_day IS NULL THEN NULL
                    ELSE greatest(logged.last_day, excluded.last_day) END,
    people = CASE WHEN logged.people IS NULL OR excluded.people IS NULL THEN NULL
                  ELSE (SELECT CASE WHEN count(*) > PEOPLE_LIMIT THEN NULL
                                    ELSE array_agg(person ORDER BY person) END
                        FROM (SELECT DISTINCT unnest(logged.people || excluded.people) AS person)
                             merged) END
  -- Nothing to widen: the row stays as it is (no new row version).
  WHERE NOT (
    (logged.first_day IS NULL OR (excluded.first_day IS NOT NULL
                                  AND excluded.first_day >= logged.first_day
                                  AND excluded.last_day <= logged.last_day))
    AND (logged.people IS NULL OR (excluded.people IS NOT NULL
                                   AND excluded.people <@ logged.people))
  )
  RETURNING logged.first_day IS NULL AND logged.people IS NULL INTO everything;
  IF outer_tenant IS DISTINCT FROM changed::text THEN
    PERFORM set_config('app.tenant_id', coalesce(outer_tenant, ''), true);
  END IF;
  IF everything THEN
    PERFORM set_config('app.rota_everything', changed::text, true);
  END IF;
END
$$;

-- A statement changed rows of a table the rota is read from (its transition tables old_rows
-- and new_rows): log, for each company, the days and people they touched. TG_ARGV holds the
-- SQL of a changed row's first day, last day and person (see TABLES in migration 0010).
CREATE OR REPLACE FUNCTION public.scheduling_rota_rows_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  source text := CASE TG_OP WHEN 'INSERT' THEN 'new_rows' WHEN 'DELETE' THEN 'old_rows'
                 ELSE '(SELECT * FROM old_rows UNION ALL SELECT * FROM new_rows)' END;
  touched record;
BEGIN
  FOR touched IN EXECUTE
    'SELECT tenant_id,'
    || ' CASE WHEN bool_or(from_day IS NULL) THEN NULL ELSE min(from_day) END AS from_day,'
    || ' CASE WHEN bool_or(to_day IS NULL) THEN NULL ELSE max(to_day) END AS to_day,'
    || ' CASE WHEN bool_or(person IS NULL) OR count(DISTINCT person) > PEOPLE_LIMIT'
    || ' THEN NULL ELSE array_agg(DISTINCT person) END AS whom'
    || ' FROM (SELECT changed.tenant_id, (' || TG_ARGV[0] || ')::date AS from_day, ('
    || TG_ARGV[1] || ')::date AS to_day, (' || TG_ARGV[2] || ')::uuid AS person FROM '
    || source || ' AS changed) AS touched GROUP BY tenant_id'
  LOOP
    PERFORM public.scheduling_rota_change_log(
      touched.tenant_id, touched.from_day, touched.to_day, touched.whom
    );
  END LOOP;
  RETURN NULL;
END
$$;

-- A person's name or email changed: every company they belong to, every day and everyone (the
-- rows are in the order of the names). Their memberships are read through the directory
-- exception of the membership policy (app.user_id, DESIGN.md 4.4).
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
    PERFORM public.scheduling_rota_change_log(company, NULL, NULL, NULL);
  END LOOP;
  RETURN NULL;
END
$$;
""".replace("PEOPLE_LIMIT", str(PEOPLE_LIMIT))

# The triggers' names; each table has all three.
TRIGGERS = {
    "scheduling_rota_inserted": "INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
    "scheduling_rota_updated": "UPDATE ON {table} REFERENCING OLD TABLE AS old_rows "
    "NEW TABLE AS new_rows",
    "scheduling_rota_deleted": "DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
}


def _literal(sql: str) -> str:
    return "'" + sql.replace("'", "''") + "'"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f'DROP TRIGGER IF EXISTS scheduling_rota_changed ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS public.scheduling_rota_changed()")
    schema_editor.execute("DROP FUNCTION IF EXISTS public.scheduling_rota_change_log(uuid)")
    schema_editor.execute(FUNCTIONS)
    for table, touched in TABLES.items():
        arguments = ", ".join(map(_literal, touched))
        for name, event in TRIGGERS.items():
            on = event.format(table=f'"{table}"')
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {on} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION public.scheduling_rota_rows_changed("
                f"{arguments})"
            )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    earlier = import_module("scheduling.migrations.0005_rota_changes")
    for table in TABLES:
        for name in TRIGGERS:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS public.scheduling_rota_rows_changed()")
    schema_editor.execute(
        "DROP FUNCTION IF EXISTS public.scheduling_rota_change_log(uuid, date, date, uuid[])"
    )
    schema_editor.execute(earlier.FUNCTIONS)
    for table in TABLES:
        schema_editor.execute(
            f'CREATE TRIGGER scheduling_rota_changed AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION public.scheduling_rota_changed()"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0009_rule_breaks"),
    ]

    operations = [
        migrations.AddField(
            model_name="rotachange",
            name="first_day",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="rotachange",
            name="last_day",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="rotachange",
            name="people",
            field=scheduling.models.UuidArray(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
