"""Recompute every tenant's audit hash chain (or one tenant's) and name the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import verify_tenant
from tenancy.models import Tenant


class Command(BaseCommand):
    help = "Verify the audit hash chains. Exits 1 and names the first broken entry if any."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="Only this tenant.")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant has the address {options['tenant']!r}.")
        failures = 0
        for tenant in tenants:
            result = verify_tenant(tenant)
            if result.ok:
                self.stdout.write(f"{tenant.slug}: {result.checked} entries, chain intact")
            else:
                failures += 1
                self.stdout.write(self.style.ERROR(f"{tenant.slug}: BROKEN at {result.broken}"))
        if failures:
            raise CommandError(f"{failures} tenant chain(s) broken.", returncode=1)
