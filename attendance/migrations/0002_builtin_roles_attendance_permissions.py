"""Give the built-in roles of existing companies the attendance permissions, as new companies
get them (tenancy.permissions.BUILTIN_ROLES)."""

from typing import Any

from django.db import migrations

ADDED = {
    "owner": ["approve_timesheets", "clock_others", "unlock_timesheets"],
    "admin": ["approve_timesheets", "clock_others", "unlock_timesheets"],
    "manager": ["approve_timesheets", "clock_others"],
}


def forwards(apps: Any, schema_editor: Any) -> None:
    Tenant = apps.get_model("tenancy", "Tenant")
    Role = apps.get_model("tenancy", "Role")
    connection = schema_editor.connection
    for tenant_id in Tenant.objects.values_list("id", flat=True):
        if connection.vendor == "postgresql":
            # Row-level security is forced on roles, for the owner of the table too.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [str(tenant_id)])
        for role in Role.objects.filter(tenant_id=tenant_id, kind__in=ADDED):
            role.permissions = sorted(set(role.permissions) | set(ADDED[role.kind]))
            role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("attendance", "0001_initial"), ("tenancy", "0012_identity_row_security")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
