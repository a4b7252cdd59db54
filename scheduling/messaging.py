"""Messages from managers and the automatic reminders: a message to chosen people, a site's or a
position's people (each recipient gets a notification, and an email as they allow); a reminder
of each published shift some hours before it; a reminder to those who publish the rota when
next week still has drafts. The reminder functions take the tenant and ``now``, so the Celery
tasks (scheduling.tasks) and the tests drive them alike; a notification key keeps each reminder
from being sent twice."""

from __future__ import annotations

import datetime as dt
import string
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.events import emit
from scheduling.models import (
    Message,
    Notification,
    NotificationKind,
    Position,
    SchedulingSettings,
    Shift,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from scheduling.notifications import notify
from scheduling.selectors import local_midnight, scheduling_settings, week_start_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission

# The placeholders each automatic text may use.
SHIFT_PLACEHOLDERS = ("position", "site", "start", "end")
UNPUBLISHED_PLACEHOLDERS = ("week", "drafts")
# The unpublished-week reminder goes out on its weekday from this local hour.
UNPUBLISHED_FROM_HOUR = 9


# Automatic texts ----------------------------------------------------------------------------


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


def _field_default(name: str) -> str:
    return str(getattr(SchedulingSettings(), name))


# Messages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Who a message goes to: chosen people, and everyone who works at a site or a position
    (each person once)."""

    people: tuple[Membership, ...] = ()
    site: Site | None = None
    position: Position | None = None

    @property
    def is_empty(self) -> bool:
        return not self.people and self.site is None and self.position is None


def audience_members(
    tenant: Tenant, audience: Audience, *, sender: Membership
) -> QuerySet[Membership]:
    """The active people the audience names, the sender excepted, each once, by name."""
    wanted = Q(pk__in=[person.pk for person in audience.people])
    if audience.site is not None:
        profiles = WorkProfileSite.objects.filter(tenant=tenant, site=audience.site)
        wanted |= Q(pk__in=WorkProfile.objects.filter(
            tenant=tenant, pk__in=profiles.values("profile")).values("membership"))  # fmt: skip
    if audience.position is not None:
        held = WorkProfilePosition.objects.filter(tenant=tenant, position=audience.position)
        wanted |= Q(pk__in=WorkProfile.objects.filter(
            tenant=tenant, pk__in=held.values("profile")).values("membership"))  # fmt: skip
    return (
        Membership.objects.filter(wanted, tenant=tenant, status=Membership.Status.ACTIVE,
                                  user__is_active=True)
        .exclude(pk=sender.pk)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )  # fmt: skip


def audience_text(audience: Audience, *, sender: Membership | None = None) -> str:
    """How the audience reads in the list of sent messages: "Leeds site, Carer position,
    2 people" (the sender, never their own recipient, not counted)."""
    parts = []
    if audience.site is not None:
        parts.append(_("%(name)s site") % {"name": audience.site.name})
    if audience.position is not None:
        parts.append(_("%(name)s position") % {"name": audience.position.name})
    count = 0
    if audience.people:
        count = len({person.pk for person in audience.people} - {getattr(sender, "pk", None)})
    if count:
        parts.append(ngettext("%(count)d person", "%(count)d people", count) % {"count": count})
    return ", ".join(parts)[:200]


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
        emit("message.sent", tenant=tenant, user=actor.user, target=message,
             data={"audience": message.audience, "recipients": len(recipients)})  # fmt: skip
    return message


def sent_messages(tenant: Tenant) -> QuerySet[Message]:
    """The company's messages, newest first, with the sender and how many have read each."""
    read = (
        Notification.objects.filter(tenant=tenant, message=OuterRef("pk"), read_at__isnull=False)
        .order_by()
        .values("message")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Message.objects.filter(tenant=tenant)
        .select_related("sender__user")
        .annotate(read_count=Coalesce(Subquery(read, output_field=IntegerField()), Value(0)))
        .order_by("-created_at", "-id")
    )


def message_recipients(tenant: Tenant, message: Message) -> QuerySet[Notification]:
    """Who a message went to (their notifications, with whether and when each was read)."""
    return (
        Notification.objects.filter(tenant=tenant, message=message)
        .select_related("recipient__user")
        .order_by("recipient__user__full_name", "recipient__user__email", "id")
    )


def message_read_count(tenant: Tenant, message: Message) -> int:
    return Notification.objects.filter(
        tenant=tenant, message=message, read_at__isnull=False
    ).count()


# Notifications by kind ------------------------------------------------------------------------

# The filters of the notifications page: name -> (label, kinds; empty: all).
KIND_FILTERS: dict[str, tuple[Promise, tuple[str, ...]]] = {
    "all": (gettext_lazy("All"), ()),
    "requests": (gettext_lazy("Requests and decisions"),
                 (NotificationKind.REQUEST, NotificationKind.DECISION)),
    "messages": (gettext_lazy("Messages"), (NotificationKind.MESSAGE,)),
    "reminders": (gettext_lazy("Reminders"), (NotificationKind.REMINDER,)),
}  # fmt: skip


def notifications_filtered(
    notifications: QuerySet[Notification], kind_filter: str
) -> QuerySet[Notification]:
    kinds = KIND_FILTERS.get(kind_filter, KIND_FILTERS["all"])[1]
    return notifications.filter(kind__in=kinds) if kinds else notifications


# Automatic reminders --------------------------------------------------------------------------


def _local(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone)


def _day(moment: dt.datetime | dt.date) -> str:
    """ "Mon 3 Mar" (no leading zero on any platform)."""
    return f"{moment:%a} {moment.day} {moment:%b}"


def shift_reminder_values(shift: Shift) -> dict[str, str]:
    """The placeholders of a shift reminder, in the site's local time: "Mon 3 Mar 09:00" and
    the end's time (with its day too when the shift ends on another day)."""
    zone = zoneinfo.ZoneInfo(shift.site.time_zone)
    start, end = _local(shift.start_at, zone), _local(shift.end_at, zone)
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{_day(end)} {end:%H:%M}"
    return {"position": shift.position.name, "site": shift.site.name,
            "start": f"{_day(start)} {start:%H:%M}", "end": end_text}  # fmt: skip


def shift_reminders_send(tenant: Tenant, now: dt.datetime) -> int:
    """Remind each person of their published shifts that start within the company's reminder
    hours from ``now`` and have not started. Each shift's reminder is sent once, and once more
    only when the shift changes (its version is in the key). Returns how many were sent."""
    with tenant_context(tenant), transaction.atomic():
        settings = scheduling_settings(tenant)
        hours = settings.shift_reminder_hours
        if not hours:
            return 0
        shifts = list(
            Shift.objects.filter(
                tenant=tenant, status=Shift.Status.PUBLISHED, membership__isnull=False,
                membership__status=Membership.Status.ACTIVE, start_at__gt=now,
                start_at__lte=now + dt.timedelta(hours=hours),
            ).select_related("site", "position", "membership")
        )  # fmt: skip
        default = _field_default("shift_reminder_text")
        sent = 0
        for shift in shifts:
            assert shift.membership is not None  # noqa: S101 (filtered above)
            values = shift_reminder_values(shift)
            made = notify(
                tenant=tenant, recipients=[shift.membership], kind=NotificationKind.REMINDER,
                title=_("Your shift on %(start)s at %(site)s") % values,
                body=template_render(settings.shift_reminder_text, default, values),
                url=f"/{tenant.slug}/my-shifts/", key=f"shift-reminder:{shift.pk}:{shift.version}",
            )  # fmt: skip
            sent += len(made)
        if sent:
            emit("reminders.sent", tenant=tenant, target=tenant,
                 data={"reminder": "shift", "count": sent})  # fmt: skip
    return sent


def publishers(tenant: Tenant) -> list[Membership]:
    """The active people whose role may publish the rota."""
    roles = [r.pk for r in Role.objects.filter(tenant=tenant) if r.has(Permission.PUBLISH_ROTA)]
    return list(
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE, role__in=roles,
                                  user__is_active=True)
        .select_related("user")
    )  # fmt: skip


def next_week_of(tenant: Tenant, now: dt.datetime) -> dt.date:
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    return week_start_of(_local(now, zone).date()) + dt.timedelta(days=7)


def unpublished_reminders_send(tenant: Tenant, now: dt.datetime) -> int:
    """On the company's chosen weekday, from 09:00 its local time, remind those who may publish
    the rota when next week still has draft shifts; once a week (the key names the week).
    Returns how many people were reminded."""
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    local = _local(now, zone)
    with tenant_context(tenant), transaction.atomic():
        settings = scheduling_settings(tenant)
        if not settings.unpublished_reminder_enabled:
            return 0
        if local.weekday() != settings.unpublished_reminder_weekday:
            return 0
        if local.hour < UNPUBLISHED_FROM_HOUR:
            return 0
        week = next_week_of(tenant, now)
        drafts = Shift.objects.filter(
            tenant=tenant, status=Shift.Status.DRAFT, start_at__gte=local_midnight(week, zone),
            start_at__lt=local_midnight(week + dt.timedelta(days=7), zone),
        ).count()  # fmt: skip
        if not drafts:
            return 0
        values = {"week": f"{_day(week)} {week:%Y}", "drafts": str(drafts)}
        made = notify(
            tenant=tenant, recipients=publishers(tenant), kind=NotificationKind.REMINDER,
            title=_("Next week's rota is not published yet"),
            body=template_render(settings.unpublished_reminder_text,
                                 _field_default("unpublished_reminder_text"), values),
            url=f"/{tenant.slug}/rota/?week={week.isoformat()}", key=f"unpublished:{week}",
        )  # fmt: skip
        if made:
            emit("reminders.sent", tenant=tenant, target=tenant,
                 data={"reminder": "unpublished", "week": week.isoformat(),
                       "count": len(made), "drafts": drafts})  # fmt: skip
    return len(made)
