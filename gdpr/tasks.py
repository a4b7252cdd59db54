"""Celery tasks of the GDPR tooling (ids in; the tenant context is entered by the services)."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task

from gdpr import rights
from tenancy.models import Tenant

logger = logging.getLogger("parim.gdpr")


@shared_task(acks_late=True)
def build_data_export(tenant_id: str, export_id: str) -> bool:
    """Build one person's data export; the page polls its progress."""
    tenant = Tenant.objects.get(pk=uuid.UUID(tenant_id))
    return rights.export_build(tenant=tenant, export_id=uuid.UUID(export_id)) is not None


@shared_task
def apply_retention_all_tenants() -> int:
    """The daily beat task: the retention pass of every company, each on its own, so that one
    failure does not stop the others (it is logged, and retried the next day). Returns how many
    people were anonymised."""
    anonymised = 0
    for tenant in Tenant.objects.order_by("slug"):
        try:
            result = rights.retention_apply(tenant)
        except Exception:
            logger.exception("retention pass failed", extra={"tenant_id": str(tenant.pk)})
            continue
        anonymised += result.anonymised
        if result.anonymised or result.audit_purged:
            logger.info("retention pass", extra={"tenant_id": str(tenant.pk),
                        "anonymised": result.anonymised, "audit_purged": result.audit_purged,
                        "exports_deleted": result.exports_deleted})  # fmt: skip
    return anonymised
