"""Celery tasks of planning (ids in; the services enter the tenant's context)."""

from __future__ import annotations

import uuid

from celery import shared_task

from planning import runs
from tenancy.models import Tenant


@shared_task(acks_late=True)
def run_auto_build(tenant_id: str, run_id: str) -> bool:
    """Run one auto-build; its page polls the progress. Idempotent: a run already started or
    cancelled is left alone."""
    tenant = Tenant.objects.get(pk=uuid.UUID(tenant_id))
    return runs.run_execute(tenant=tenant, run_id=uuid.UUID(run_id)) is not None
