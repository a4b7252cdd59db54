"""Move the authenticator devices from django-otp's otp_totp table (key in clear) into
accounts.TOTPDevice (key encrypted with TWO_FACTOR_KEYS), then drop the old table.

One-way on purpose: going back would write every person's TOTP secret into the database in
clear again. To undo the release, restore the pre-deploy snapshot (docs/operations/deploy.md);
the encrypted rows stay readable by any later release that has TWO_FACTOR_KEYS."""

from typing import Any

from django.db import migrations

OLD_TABLE = "otp_totp_totpdevice"
COPIED = [
    "user_id", "name", "confirmed", "key", "step", "t0", "digits", "tolerance", "drift",
    "last_t", "throttling_failure_timestamp", "throttling_failure_count", "created_at",
    "last_used_at",
]  # fmt: skip


def encrypt_existing_devices(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if OLD_TABLE not in connection.introspection.table_names(cursor):
            return  # a database created after django-otp's TOTP plugin was removed
        present = {
            c.name for c in connection.introspection.get_table_description(cursor, OLD_TABLE)
        }
        columns = [column for column in COPIED if column in present]
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(OLD_TABLE)}")  # noqa: S608
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    device_model = apps.get_model("accounts", "TOTPDevice")
    for row in rows:
        # The historical model's key field encrypts on save (accounts.models.EncryptedSecretField).
        device_model.objects.create(**row)
    schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(OLD_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_totp_device_encrypted")]

    operations = [migrations.RunPython(encrypt_existing_devices, reverse_code=None, elidable=False)]
