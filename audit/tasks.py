"""Celery tasks of the audit app. They take ids, never model instances."""

from __future__ import annotations

import uuid

from celery import shared_task

from audit.archive import ArchiveError, archive_tenant
from tenancy.models import Tenant


@shared_task(
    autoretry_for=(ArchiveError,), retry_backoff=30, retry_backoff_max=3600, max_retries=10,
    acks_late=True,
)  # fmt: skip
def archive_tenant_audit(tenant_id: str) -> int:
    """Ship every unshipped batch of one tenant; a failure is retried with backoff, and the
    entries stay unshipped (and are shipped by a later run) until a batch is confirmed."""
    tenant = Tenant.objects.get(pk=uuid.UUID(tenant_id))
    shipped = 0
    while archive_tenant(tenant) is not None:
        shipped += 1
    return shipped


@shared_task
def archive_all_tenants() -> int:
    """The beat task: one archive task per tenant."""
    count = 0
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        archive_tenant_audit.delay(str(tenant_id))
        count += 1
    return count


@shared_task
def verify_all_chains() -> int:
    """The nightly check: every tenant's chain recomputed; a broken one is logged as an ERROR
    (which pages, see docs/operations/incident-response.md). Returns how many are broken."""
    import logging

    from audit.services import verify_tenant

    logger = logging.getLogger("parim.audit")
    broken = 0
    for tenant in Tenant.objects.order_by("slug"):
        result = verify_tenant(tenant)
        if not result.ok:
            broken += 1
            logger.error("audit chain broken", extra={"tenant_id": str(tenant.pk),
                         "broken": str(result.broken)})  # fmt: skip
    return broken
