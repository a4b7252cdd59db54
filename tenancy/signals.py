"""After migrations run as the schema owner, grant the application role access to new tables."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from tenancy.db import grant_app_privileges


@receiver(post_migrate)
def grant_app_role_after_migrate(sender: AppConfig, using: str, **kwargs: Any) -> None:
    # post_migrate fires once per app after all migrations ran; granting once is enough.
    if sender.label != "tenancy":
        return
    app_role: str = settings.DATABASE_APP_ROLE
    connection = connections[using]
    if connection.vendor != "postgresql" or not app_role:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == app_role:
            return
        grant_app_privileges(cursor, app_role)
