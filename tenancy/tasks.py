"""Celery tasks of the tenancy app: the outbox (tenancy/outbox.py) and the one email task that
services in every app hand their rendered emails to through it."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from tenancy import outbox


@shared_task(name=outbox.DELIVER_TASK, acks_late=True)
def deliver(message_id: str) -> str:
    """Run one outbox row's task, once (see tenancy.outbox.deliver)."""
    return outbox.deliver(message_id)


@shared_task(name="tenancy.tasks.relay_outbox")
def relay_outbox() -> int:
    """Every 30 seconds: hand the outbox rows that are waiting to Celery. Returns how many."""
    return outbox.relay().handed


@shared_task(name="tenancy.tasks.prune_outbox")
def prune_outbox() -> int:
    """Daily: delete outbox rows done more than a week ago. Returns how many."""
    return outbox.prune()


@shared_task(name="tenancy.tasks.send_email")
def send_email(subject: str, body: str, recipients: list[str]) -> int:
    """One email, already rendered, from DEFAULT_FROM_EMAIL. Returns how many were sent."""
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
