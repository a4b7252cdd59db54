"""Celery tasks of the billing app (ids in, tenant context entered here)."""

from __future__ import annotations

import uuid

from celery import shared_task

from tenancy.models import Tenant


@shared_task(autoretry_for=(Exception,), retry_backoff=30, max_retries=8)
def sync_seats(tenant_id: str) -> bool:
    from billing.billing import seats_sync
    from billing.stripe_api import configured

    if not configured():
        return False
    return seats_sync(Tenant.objects.get(pk=uuid.UUID(tenant_id)))


@shared_task
def purge_expired_signups() -> int:
    """Forget sign-ups that were never confirmed (they hold a password hash and an email)."""
    from django.utils import timezone

    from billing.models import Signup

    deleted, _ = Signup.objects.filter(
        completed_at__isnull=True, expires_at__lt=timezone.now()
    ).delete()
    return int(deleted)
