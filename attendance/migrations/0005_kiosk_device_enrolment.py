"""Kiosks bound to an enrolled device. A kiosk set up before this held the hash of its secret
address's token in `token_hash`, which now names the enrolled device's cookie: replaced with the
hash of a token nobody holds, so an old address (or its token sent as a cookie) opens nothing and
every existing kiosk is enrolled afresh."""

import hashlib
import secrets
from typing import Any

from django.db import migrations, models


def forget_old_addresses(apps: Any, schema_editor: Any) -> None:
    Tenant = apps.get_model("tenancy", "Tenant")
    Kiosk = apps.get_model("attendance", "Kiosk")
    connection = schema_editor.connection
    for tenant_id in Tenant.objects.values_list("id", flat=True):
        if connection.vendor == "postgresql":
            # Row-level security is forced on roles, for the owner of the table too.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
        for kiosk in Kiosk.objects.filter(tenant_id=tenant_id):
            unknown = secrets.token_urlsafe(32).encode()
            kiosk.token_hash = hashlib.sha256(unknown).hexdigest()
            kiosk.save(update_fields=["token_hash"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', '', true)")


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0004_timesheet_approved_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="kiosk",
            name="enrol_expires_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="kiosk",
            name="enrol_hash",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="kiosk",
            name="enrolled_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="punch",
            name="in_place",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not checked"),
                    ("inside", "Inside the site's radius"),
                    ("outside", "Outside the site's radius"),
                    ("unavailable", "Location not given"),
                    ("kiosk", "At the site's kiosk"),
                ],
                default="",
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="punch",
            name="out_place",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not checked"),
                    ("inside", "Inside the site's radius"),
                    ("outside", "Outside the site's radius"),
                    ("unavailable", "Location not given"),
                    ("kiosk", "At the site's kiosk"),
                ],
                default="",
                max_length=12,
            ),
        ),
        migrations.RunPython(forget_old_addresses, migrations.RunPython.noop),
    ]
