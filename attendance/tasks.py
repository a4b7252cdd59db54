"""Celery tasks of attendance (ids in, tenant context entered by the service)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from tenancy.models import Tenant

logger = logging.getLogger(__name__)


@shared_task(name="attendance.tasks.notify_no_shows")
def notify_no_shows() -> int:
    """Every five minutes: tell managers who has not turned up, each company on its own (one
    failure is logged and does not stop the others; the next run tries again)."""
    from attendance.no_shows import no_shows_notify

    now = timezone.now()
    reported = 0
    for tenant_id in Tenant.objects.order_by("slug").values_list("pk", flat=True):
        tenant = Tenant.objects.get(pk=tenant_id)
        if tenant.is_read_only:
            continue
        try:
            reported += no_shows_notify(tenant, now)
        except Exception:
            logger.exception("no-show notification failed", extra={"tenant_id": str(tenant_id)})
    return reported
