"""In-app notifications, with an email for each as the person's preferences allow.

Any service that asks someone for a decision, answers a request, reminds or messages people
calls :func:`notify` inside its own transaction. The notifications are saved with it; the
emails go out from a Celery task once it commits. A notification's text never names a person:
the ``actor`` is looked up by name when the list is shown, so erasing someone leaves no copy of
their name here."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.events import emit
from scheduling.models import EmailPreferences, Message, Notification, NotificationKind
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

# Which email preference covers each kind of notification.
EMAIL_PREFERENCE: dict[str, str] = {
    NotificationKind.MESSAGE: "messages",
    NotificationKind.REQUEST: "requests",
    NotificationKind.DECISION: "requests",
    NotificationKind.REMINDER: "reminders",
    NotificationKind.SCHEDULE: "schedule",
}


def notify(
    *,
    tenant: Tenant,
    recipients: Iterable[Membership],
    kind: NotificationKind,
    title: str,
    body: str = "",
    url: str = "",
    actor: Membership | None = None,
    message: Message | None = None,
    key: str = "",
    email: bool = True,
) -> list[Notification]:
    """One notification for each distinct active recipient (the actor excepted), saved in the
    caller's transaction. With a ``key``, people who already hold a notification with that key
    get none (so a reminder task may run again safely). With ``email``, a task started on commit
    emails those whose preferences allow it. Returns the notifications made."""
    seen: set[uuid.UUID] = set()
    people: list[Membership] = []
    for person in recipients:
        if person.status != Membership.Status.ACTIVE or person.pk in seen:
            continue
        if actor is not None and person.pk == actor.pk:
            continue
        seen.add(person.pk)
        people.append(person)
    if not people:
        return []
    with tenant_context(tenant):
        if key:
            held = set(
                Notification.objects.filter(
                    tenant=tenant, key=key, recipient__in=[p.pk for p in people]
                ).values_list("recipient_id", flat=True)
            )
            people = [p for p in people if p.pk not in held]
        fields = {"tenant": tenant, "kind": kind, "actor": actor, "title": title[:200],
                  "body": body, "url": url, "message": message, "key": key}  # fmt: skip
        rows = [Notification(recipient=person, **fields) for person in people]
        Notification.objects.bulk_create(rows)
    if email and rows:
        from scheduling.tasks import send_notification_emails

        ids = [str(row.pk) for row in rows]
        transaction.on_commit(
            functools.partial(send_notification_emails.delay, str(tenant.pk), ids), robust=True
        )
    return rows


def notifications_of(tenant: Tenant, membership: Membership) -> QuerySet[Notification]:
    """The person's notifications, newest first, with the actor's name at hand."""
    return (
        Notification.objects.filter(tenant=tenant, recipient=membership)
        .select_related("actor__user")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class Unread:
    """How many unread notifications a person has, in all and of each kind."""

    total: int = 0
    messages: int = 0
    requests: int = 0
    decisions: int = 0
    reminders: int = 0
    schedule: int = 0


def unread_counts(tenant: Tenant, membership: Membership) -> Unread:
    """The person's unread counts, in one query."""
    unread = Q(read_at__isnull=True)
    counts = Notification.objects.filter(tenant=tenant, recipient=membership).aggregate(
        total=Count("pk", filter=unread),
        messages=Count("pk", filter=unread & Q(kind=NotificationKind.MESSAGE)),
        requests=Count("pk", filter=unread & Q(kind=NotificationKind.REQUEST)),
        decisions=Count("pk", filter=unread & Q(kind=NotificationKind.DECISION)),
        reminders=Count("pk", filter=unread & Q(kind=NotificationKind.REMINDER)),
        schedule=Count("pk", filter=unread & Q(kind=NotificationKind.SCHEDULE)),
    )
    return Unread(**counts)


def notification_read(
    *, tenant: Tenant, membership: Membership, notification_id: uuid.UUID | str
) -> Notification | None:
    """Mark one of the person's notifications read; None when it is not theirs."""
    with tenant_context(tenant):
        row = Notification.objects.filter(
            tenant=tenant, recipient=membership, pk=notification_id
        ).first()
        if row is not None and row.read_at is None:
            row.read_at = timezone.now()
            row.save(update_fields=["read_at"])
    return row


def notifications_read_all(*, tenant: Tenant, membership: Membership) -> int:
    """Mark all of the person's notifications read; returns how many were unread."""
    with tenant_context(tenant):
        return Notification.objects.filter(
            tenant=tenant, recipient=membership, read_at__isnull=True
        ).update(read_at=timezone.now())


def email_preferences(tenant: Tenant, membership: Membership) -> EmailPreferences:
    """The person's email preferences (unsaved defaults, all on, when they never chose)."""
    found = EmailPreferences.objects.filter(tenant=tenant, membership=membership).first()
    return found or EmailPreferences(tenant=tenant, membership=membership)


def email_preferences_save(
    *, tenant: Tenant, membership: Membership, messages: bool, requests: bool,
    reminders: bool, schedule: bool,
) -> EmailPreferences:  # fmt: skip
    """Save the person's own choice of which notifications also come by email."""
    with tenant_context(tenant), transaction.atomic():
        prefs, _created = EmailPreferences.objects.get_or_create(
            tenant=tenant, membership=membership
        )
        prefs.messages, prefs.requests = messages, requests
        prefs.reminders, prefs.schedule = reminders, schedule
        prefs.full_clean()
        prefs.save(update_fields=["messages", "requests", "reminders", "schedule"])
        emit("email_preferences.changed", tenant=tenant, user=membership.user, target=prefs,
             data={"messages": messages, "requests": requests, "reminders": reminders,
                   "schedule": schedule})  # fmt: skip
    return prefs


def wants_email(prefs: EmailPreferences | None, kind: str) -> bool:
    """Whether a person with ``prefs`` (None: never chose, so yes) gets ``kind`` by email."""
    return prefs is None or bool(getattr(prefs, EMAIL_PREFERENCE[kind]))
