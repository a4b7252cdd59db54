"""Celery tasks of messaging (ids in, tenant context entered here): emails of notifications,
the periodic reminders."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=30, max_retries=5)
def send_notification_emails(tenant_id: str, notification_ids: list[str]) -> int:
    """Email the given notifications to their recipients whose preferences allow it (and who
    are still active). Returns how many emails were sent."""
    from scheduling.messaging.selectors import wants_email
    from scheduling.models import EmailPreferences, Notification

    tenant = Tenant.objects.get(pk=uuid.UUID(tenant_id))
    with tenant_context(tenant):
        rows = list(
            Notification.objects.filter(tenant=tenant, pk__in=notification_ids)
            .select_related("recipient__user", "actor__user")
            .order_by("created_at", "id")
        )
        prefs = {
            p.membership_id: p
            for p in EmailPreferences.objects.filter(
                tenant=tenant, membership__in=[row.recipient_id for row in rows]
            )
        }
    sent = 0
    for row in rows:
        person = row.recipient
        if person.status != Membership.Status.ACTIVE or not person.user.is_active:
            continue
        if not wants_email(prefs.get(person.pk), row.kind):
            continue
        context = {
            "tenant": tenant, "notification": row, "user": person.user,
            "actor": row.actor.user.display_name if row.actor else "",
            "link": f"{settings.SITE_URL}{row.url}" if row.url else "",
            "preferences": f"{settings.SITE_URL}/{tenant.slug}/notifications/preferences/",
        }  # fmt: skip
        send_mail(
            subject=f"{row.title} ({tenant.name})",
            message=render_to_string("emails/notification.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[person.user.email],
        )
        sent += 1
    return sent


def _each_tenant(reminder: str, send: Callable[[Tenant, dt.datetime], int]) -> int:
    """Run one reminder pass for every company that can change (not read-only), each on its
    own, so that one failure does not stop the others (it is logged; the next run tries
    again). Returns how many reminders were sent in all."""
    from django.utils import timezone

    now = timezone.now()
    sent = 0
    for tenant_id in Tenant.objects.order_by("slug").values_list("pk", flat=True):
        tenant = Tenant.objects.get(pk=tenant_id)
        if tenant.is_read_only:
            continue
        try:
            sent += send(tenant, now)
        except Exception:
            logger.exception(
                "reminders failed", extra={"reminder": reminder, "tenant_id": str(tenant_id)}
            )
    return sent


@shared_task(name="scheduling.tasks.send_shift_reminders")
def send_shift_reminders() -> int:
    """Every 15 minutes: remind people of their published shifts starting soon."""
    from scheduling.messaging.reminders import shift_reminders_send

    return _each_tenant("shift", shift_reminders_send)


@shared_task(name="scheduling.tasks.send_unpublished_reminders")
def send_unpublished_reminders() -> int:
    """Hourly: on each company's chosen weekday, remind those who publish the rota when next
    week still has drafts."""
    from scheduling.messaging.reminders import unpublished_reminders_send

    return _each_tenant("unpublished week", unpublished_reminders_send)
