"""Give the built-in roles of existing companies the permissions added with scheduling
(override working-time rules, export payroll), as new companies get them."""

from typing import Any

from django.db import migrations

ADDED = {
    "owner": ["export_payroll", "override_rules"],
    "admin": ["export_payroll", "override_rules"],
    "manager": ["override_rules"],
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
    dependencies = [("tenancy", "0006_tenant_has_dpo_privacysettings")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
