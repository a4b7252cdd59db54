"""Celery tasks of the audit app. They take ids, never model instances."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task

from audit.archive import AnchorRefusedError, ArchiveError, anchor_tenant, archive_tenant
from tenancy.models import Tenant

logger = logging.getLogger("parim.audit")


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
def anchor_all_tenants() -> int:
    """The beat task (every AUDIT_ANCHOR_SECONDS): a signed checkpoint of every company's chain
    head in the archive, where its head moved. A head that no longer extends the last checkpoint
    is not anchored and is logged as an ERROR (which pages). Returns how many were written."""
    from audit.archive import default_store

    store = default_store()
    written = 0
    for tenant in Tenant.objects.order_by("slug"):
        try:
            if anchor_tenant(tenant, store) is not None:
                written += 1
        except AnchorRefusedError as exc:
            logger.error("audit chain not anchored", extra={"tenant_id": str(tenant.pk),
                         "reason": str(exc)})  # fmt: skip
        except ArchiveError as exc:  # the next run tries again
            logger.warning("audit checkpoint not written", extra={"tenant_id": str(tenant.pk),
                           "reason": str(exc)})  # fmt: skip
    return written


@shared_task
def verify_all_chains() -> int:
    """The nightly check: every tenant's chain recomputed and held against the archive; each
    finding is logged as an ERROR (which pages, see docs/operations/incident-response.md).
    Returns how many tenants have findings."""
    from audit.services import verify_tenant

    broken = 0
    for tenant in Tenant.objects.order_by("slug"):
        result = verify_tenant(tenant)
        if not result.ok:
            broken += 1
            for finding in result.findings:
                logger.error("audit chain broken", extra={"tenant_id": str(tenant.pk),
                             "broken": str(finding)})  # fmt: skip
    return broken
