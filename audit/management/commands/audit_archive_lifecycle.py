"""Set the archive bucket's lifecycle: to GLACIER after N days, expired after the retention."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.archive import lifecycle_rules, s3_client


class Command(BaseCommand):
    help = "Apply the audit archive bucket's lifecycle rule (GLACIER transition and expiry)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bucket", default=settings.AUDIT_ARCHIVE_BUCKET)
        parser.add_argument(
            "--glacier-after-days", type=int, default=settings.AUDIT_ARCHIVE_GLACIER_AFTER_DAYS
        )
        parser.add_argument(
            "--expire-after-days", type=int, default=settings.AUDIT_ARCHIVE_RETENTION_DAYS
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["bucket"]:
            raise CommandError("Set AUDIT_ARCHIVE_BUCKET (or pass --bucket).")
        if options["glacier_after_days"] >= options["expire_after_days"]:
            raise CommandError("Objects must move to GLACIER before they expire.")
        rules = lifecycle_rules(
            glacier_after_days=options["glacier_after_days"],
            expire_after_days=options["expire_after_days"],
        )
        s3_client().put_bucket_lifecycle_configuration(
            Bucket=options["bucket"], LifecycleConfiguration=rules
        )
        self.stdout.write(
            f"{options['bucket']}: GLACIER after {options['glacier_after_days']} days, "
            f"expiry after {options['expire_after_days']} days"
        )
