"""Re-encrypt every encrypted personal value with the first of PERSONAL_DATA_KEYS (key
rotation: put the new key first, run this, then remove the old key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from gdpr import crypto
from gdpr.models import PersonalDetails
from tenancy.context import tenant_context
from tenancy.models import ENCRYPTED_KINDS, Tenant


class Command(BaseCommand):
    help = "Re-encrypt personal data with the newest key, company by company, with progress."

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = list(Tenant.objects.order_by("pk"))
        total = 0
        for index, tenant in enumerate(tenants, start=1):
            with tenant_context(tenant), transaction.atomic():
                rows = list(PersonalDetails.objects.select_for_update().filter(tenant=tenant))
                for row in rows:
                    for kind in ENCRYPTED_KINDS:
                        setattr(row, kind, crypto.reencrypt(getattr(row, kind)))
                    row.save(update_fields=sorted(ENCRYPTED_KINDS))
            total += len(rows)
            self.stdout.write(f"[{index}/{len(tenants)}] {tenant.slug}: {len(rows)} people")
        self.stdout.write(f"Re-encrypted the personal details of {total} people.")
