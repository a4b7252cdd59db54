"""Verify every tenant's audit log (or one tenant's) against its keyed codes and the archive."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.archive import default_store
from audit.services import verify_tenant
from tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Verify the audit hash chains, their keyed codes, and the archive (manifests, batches "
        "and checkpoints, read from the bucket or folder). Prints one line per finding and "
        "exits 1 if there is any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant.")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant has the address {options['tenant']!r}.")
        store = default_store()
        failures = 0
        for tenant in tenants:
            result = verify_tenant(tenant, store)
            if result.ok:
                anchored = (
                    f"anchored through entry {result.anchored} at {result.anchored_at}"
                    if result.anchored is not None
                    else "not anchored yet"
                )
                self.stdout.write(
                    f"{tenant.slug}: {result.checked} entries, chain intact; {anchored}; "
                    f"archived through entry {result.archived}"
                )
                continue
            failures += 1
            for finding in result.findings:
                self.stdout.write(self.style.ERROR(f"{tenant.slug}: {finding}"))
        if failures:
            raise CommandError(f"{failures} tenant(s) with findings.", returncode=1)
