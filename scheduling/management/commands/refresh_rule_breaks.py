"""Work out every company's stored rule breaks afresh (scheduling/rules/stored.py): to fill the
table for data that existed before it, or after data was loaded or restored past the services."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from scheduling.rules.stored import full_check, refresh_company, stored
from tenancy.context import tenant_context
from tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Work out the stored rule breaks of every company (or one) afresh, each company in one "
        "transaction; with --check, only compare them with a full check and exit 1 if they differ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company.")
        parser.add_argument(
            "--check", action="store_true", help="Change nothing: report companies that differ."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = Tenant.objects.order_by("slug")
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"No tenant has the address {options['tenant']!r}.")
        differ = 0
        for tenant in tenants:
            with tenant_context(tenant), transaction.atomic():
                if options["check"]:
                    same = stored(tenant) == full_check(tenant)
                    differ += not same
                    verdict = "up to date" if same else "DIFFERENT from a full check"
                    self.stdout.write(f"{tenant.slug}: stored rule breaks {verdict}")
                    continue
                count = refresh_company(tenant)
            self.stdout.write(f"{tenant.slug}: {count} rule breaks stored")
        if differ:
            raise SystemExit(1)
