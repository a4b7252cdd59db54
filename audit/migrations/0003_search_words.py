"""The audit log's text search: a table of each entry's words, kept by triggers, searched by
word prefix on a B-tree (docs/design.md, "Text search is a word-prefix search").

Under row-level security PostgreSQL uses an index only for leakproof operators; `LIKE`, the
trigram operators and full-text `@@` (ts_match_vq) are not leakproof, text `=`, `<` and `>=` are.
So each entry's words are stored, and a search walks the range of words starting with what was
typed. An entry's words are those of audit.search.entry_words(): lower-cased runs of letters,
digits and `_` of the object's name and the actor's email, and the event's code whole. An object's
id is found by the (tenant_id, object_pk) index instead (five words of a UUID each would double
the table)."""

from typing import Any

from django.db import migrations, models

from tenancy import rls

TABLE = "audit_searchword"

# What an entry's words are. audit.search.words() is its Python twin (tests/audit compare them).
WORDS_FUNCTION = r"""
CREATE OR REPLACE FUNCTION audit_entry_words(object_repr text, actor_email text, event text)
RETURNS SETOF text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(w, 64) FROM regexp_split_to_table(
        lower(concat_ws(' ', object_repr, actor_email)), '\W+') AS w
    WHERE w <> ''
    UNION
    SELECT left(lower(event), 64) WHERE event <> ''
$$;
"""

# Statement triggers with transition tables: one INSERT ... SELECT per statement, so a bulk
# insert costs one statement too. An entry changes only on the erasure path (its words are
# then those of the redacted values: the same function replaces them) and leaves only by the
# retention purge. The words are derived: whatever is there for an entry's sequence is replaced.
TRIGGERS = r"""
CREATE OR REPLACE FUNCTION audit_entry_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Words left by entries removed with the triggers off (as only a superuser can) give way.
    DELETE FROM audit_searchword s USING added n
    WHERE s.tenant_id = n.tenant_id AND s.sequence = n.sequence;
    INSERT INTO audit_searchword (tenant_id, word, sequence)
    SELECT n.tenant_id, w.word, n.sequence
    FROM added n, audit_entry_words(n.object_repr, n.actor_email, n.event) AS w(word);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION audit_entry_words_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM audit_searchword s USING removed o
    WHERE s.tenant_id = o.tenant_id AND s.sequence = o.sequence;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_entry_words_added AFTER INSERT ON audit_auditentry
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_words_added();
CREATE TRIGGER audit_entry_words_changed AFTER UPDATE ON audit_auditentry
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_words_added();
CREATE TRIGGER audit_entry_words_removed AFTER DELETE ON audit_auditentry
    REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_words_removed();
"""
DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS audit_entry_words_added ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_words_changed ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_words_removed ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_words_added();
DROP FUNCTION IF EXISTS audit_entry_words_removed();
DROP FUNCTION IF EXISTS audit_entry_words(text, text, text);
"""

# Byte order, so that the words starting with a prefix are one range of the index whatever the
# database's collation; the row-level security of every tenant table (not the (tenant_id, id)
# key: the table's key is (tenant_id, word, sequence)).
PROTECT = [
    f'ALTER TABLE "{TABLE}" ALTER COLUMN word TYPE varchar(64) COLLATE "C"',
    *rls.enable_sql(TABLE)[:3],
]
UNPROTECT = rls.disable_sql(TABLE)[1:]


class PostgresOnly(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def index_existing_entries(apps: Any, schema_editor: Any) -> None:
    """The words of the entries already written, a company at a time (row-level security binds
    the owner too)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    tenant_model = apps.get_model("tenancy", "Tenant")
    with schema_editor.connection.cursor() as cursor:
        for tenant_id in tenant_model.objects.values_list("pk", flat=True):
            cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
            cursor.execute(
                "INSERT INTO audit_searchword (tenant_id, word, sequence) "
                "SELECT e.tenant_id, w.word, e.sequence FROM audit_auditentry e, "
                "audit_entry_words(e.object_repr, e.actor_email, e.event) AS w(word) "
                "WHERE e.tenant_id = %s",
                [tenant_id],
            )
        cursor.execute("SELECT set_config('app.tenant_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_entry_mac_truncate_guard"),
        ("tenancy", "0012_identity_row_security"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "tenant",
                        "word",
                        "sequence",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),  # fmt: skip
                ("word", models.CharField(max_length=64)),
                ("sequence", models.PositiveBigIntegerField()),
                (
                    "tenant",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.DO_NOTHING,
                        related_name="+",
                        to="tenancy.tenant",
                    ),
                ),  # fmt: skip
            ],
            options={
                "indexes": [
                    models.Index(fields=["tenant", "sequence", "word"], name="audit_word_entry")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["tenant", "object_pk"], name="audit_entry_object_pk"),
        ),
        PostgresOnly(PROTECT, UNPROTECT),
        PostgresOnly(WORDS_FUNCTION + TRIGGERS, DROP_TRIGGERS),
        migrations.RunPython(index_existing_entries, migrations.RunPython.noop),
    ]
