"""Writes of messaging: the one notify path (an in-app notification for each person, and an
email as their preferences allow), messages, reading and email preferences."""

from __future__ import annotations

import datetime as dt
import string
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.events import Event, emit
from scheduling.messaging.selectors import Audience, audience_members, audience_text, week_lines
from scheduling.models import (
    EmailPreferences,
    Message,
    Notification,
    NotificationKind,
    SchedulingSettings,
)
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant


@dataclass(frozen=True)
class Notice:
    """One person's notification, for :func:`notify_each` (each person's own text)."""

    recipient: Membership
    title: str
    body: str = ""
    url: str = ""
    key: str = ""


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
    """The same notification for each distinct active recipient (the actor excepted): see
    :func:`notify_each`, the one way anyone is told anything."""
    notices = [Notice(person, title, body, url, key) for person in recipients]
    return notify_each(tenant=tenant, kind=kind, notices=notices, actor=actor, message=message,
                       email=email)  # fmt: skip


def notify_each(
    *,
    tenant: Tenant,
    kind: NotificationKind,
    notices: Iterable[Notice],
    actor: Membership | None = None,
    message: Message | None = None,
    email: bool = True,
) -> list[Notification]:
    """One in-app notification per notice of a distinct active recipient (the actor excepted),
    saved in the caller's transaction. With a ``key``, people who already hold a notification
    with that key get none (so a reminder task may run again safely). With ``email``, a task
    started on commit emails those whose preferences allow this ``kind``. Returns the
    notifications made."""
    seen: set[uuid.UUID] = set()
    wanted: list[Notice] = []
    for notice in notices:
        person = notice.recipient
        if person.status != Membership.Status.ACTIVE or person.pk in seen:
            continue
        if actor is not None and person.pk == actor.pk:
            continue
        seen.add(person.pk)
        wanted.append(notice)
    if not wanted:
        return []
    with tenant_context(tenant):
        keys = {notice.key for notice in wanted if notice.key}
        if keys:
            held = set(
                Notification.objects.filter(
                    tenant=tenant, key__in=keys, recipient__in=[n.recipient.pk for n in wanted]
                ).values_list("recipient_id", "key")
            )
            wanted = [n for n in wanted if not n.key or (n.recipient.pk, n.key) not in held]
        rows = [
            Notification(
                tenant=tenant, recipient=notice.recipient, kind=kind, actor=actor,
                title=notice.title[:200], body=notice.body[:5000], url=notice.url,
                message=message, key=notice.key,
            )
            for notice in wanted
        ]  # fmt: skip
        Notification.objects.bulk_create(rows)
    if email and rows:
        from scheduling.messaging.tasks import send_notification_emails

        ids = [str(row.pk) for row in rows]
        # Through the outbox: emailed after commit, and still emailed if the broker is down now.
        outbox.enqueue(send_notification_emails.name, str(tenant.pk), ids, tenant=tenant)
    return rows


def week_schedules_notify(
    *, tenant: Tenant, weeks: Iterable[tuple[uuid.UUID, dt.date]], published: bool
) -> list[Notification]:
    """Tell each person their published shifts of one week, as they now stand: after a week is
    published (``published``), or after a published shift of theirs changed or was cancelled.
    ``weeks`` are (membership id, Monday) pairs, the week being the shifts' site's. A
    notification of kind "schedule" each (emailed as the person allows), in the caller's
    transaction; three queries, whatever the number of people."""
    wanted = sorted(set(weeks))
    if not wanted:
        return []
    with tenant_context(tenant):
        people = {
            m.pk: m
            for m in Membership.objects.filter(
                tenant=tenant, pk__in={member for member, _week in wanted}
            ).select_related("user")
        }
        lines = week_lines(tenant, wanted)
    url = reverse("my-shifts", kwargs={"tenant_slug": tenant.slug})
    notices = []
    for member_id, week in wanted:
        person = people.get(member_id)
        if person is None or not person.user.is_active:
            continue
        values = {"week": f"{week.day} {week:%b}", "company": tenant.name,
                  "day": f"{week:%A} {week.day} {week:%B}"}  # fmt: skip
        if published:
            title = _("Your shifts for the week of %(week)s are published") % values
            intro = _("%(company)s has published your shifts for the week starting %(day)s:")
        else:
            title = _("Your shifts for the week of %(week)s have changed") % values
            intro = _("%(company)s has changed your shifts for the week starting %(day)s. "
                      "They now are:")  # fmt: skip
        shifts = lines.get((member_id, week)) or [_("No shifts.")]
        body = "\n".join([intro % values, "", *(f"  {line}" for line in shifts), "",
                          _("Times are local to each site.")])  # fmt: skip
        notices.append(Notice(person, title, body, url))
    return notify_each(tenant=tenant, kind=NotificationKind.SCHEDULE, notices=notices)


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
        emit(Event.EMAIL_PREFERENCES_CHANGED, tenant=tenant, user=membership.user, target=prefs,
             data={"messages": messages, "requests": requests, "reminders": reminders,
                   "schedule": schedule})  # fmt: skip
    return prefs


def template_check(text: str, allowed: Iterable[str]) -> None:
    """Refuse a text with a placeholder not in ``allowed``, with formatting inside a
    placeholder, or with a brace that opens or closes nothing (``{{`` and ``}}`` stand for a
    brace)."""
    allowed = tuple(allowed)
    names = ", ".join("{" + name + "}" for name in allowed)
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise ValidationError(
            _("A brace { or } is not closed. Use placeholders such as %(names)s, and write {{ "
              "or }} for a brace itself.") % {"names": names}
        ) from None  # fmt: skip
    unknown: list[str] = []
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in allowed or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            if shown not in unknown:
                unknown.append(shown)
    if unknown:
        raise ValidationError(
            ngettext(
                "%(unknown)s is not a placeholder this text can use. Use only %(names)s.",
                "%(unknown)s are not placeholders this text can use. Use only %(names)s.",
                len(unknown),
            )
            % {"unknown": ", ".join(unknown), "names": names}
        )


def template_render(text: str, default: str, values: Mapping[str, object]) -> str:
    """``text`` with its placeholders filled in; the default text should a saved text be
    broken (the settings page refuses broken texts, so only one saved some other way)."""
    try:
        return text.format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError):
        return default.format_map(values)


def field_default(name: str) -> str:
    return str(getattr(SchedulingSettings(), name))


def message_send(
    *, tenant: Tenant, actor: Membership, subject: str, body: str, audience: Audience,
) -> Message:  # fmt: skip
    """Send a message: saved with its audience and recipient count, and one notification per
    recipient (emailed as each person allows). Refused, changing nothing: no audience, an
    audience of nobody, a site, position or person of another company, an empty subject or
    body."""
    if audience.is_empty:
        raise ValidationError(_("Choose at least one person, a site or a position."))
    named = [*audience.people, audience.site, audience.position]
    if any(obj is not None and obj.tenant_id != tenant.pk for obj in named):
        raise ValidationError(_("Choose people, sites and positions from the lists."))
    with tenant_context(tenant), transaction.atomic():
        recipients = list(audience_members(tenant, audience, sender=actor))
        if not recipients:
            raise ValidationError(
                _("Nobody would get this message: no one active besides you is among the "
                  "people, site or position you chose.")
            )  # fmt: skip
        message = Message(
            sender=actor,
            subject=subject.strip(),
            body=body.strip(),
            audience=audience_text(audience, sender=actor),
            recipient_count=len(recipients),
        )
        message.full_clean(exclude=["tenant", "sender"])
        message.save()
        notify(
            tenant=tenant, recipients=recipients, kind=NotificationKind.MESSAGE,
            title=message.subject, body=message.body, actor=actor, message=message,
            url=f"/{tenant.slug}/notifications/messages/{message.pk}/",
        )  # fmt: skip
        emit(Event.MESSAGE_SENT, tenant=tenant, user=actor.user, target=message,
             data={"audience": message.audience, "recipients": len(recipients)})  # fmt: skip
    return message
