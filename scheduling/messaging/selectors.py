"""Reads of messaging: a person's notifications and unread counts, email preferences, sent
messages and their readers, audiences."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from scheduling.models import (
    EmailPreferences,
    Message,
    Notification,
    NotificationKind,
    Position,
    Shift,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from scheduling.time import week_start_of, week_window
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission

# Which email preference covers each kind of notification.
EMAIL_PREFERENCE: dict[str, str] = {
    NotificationKind.MESSAGE: "messages",
    NotificationKind.REQUEST: "requests",
    NotificationKind.DECISION: "requests",
    NotificationKind.REMINDER: "reminders",
    NotificationKind.SCHEDULE: "schedule",
}


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


def email_preferences(tenant: Tenant, membership: Membership) -> EmailPreferences:
    """The person's email preferences (unsaved defaults, all on, when they never chose)."""
    found = EmailPreferences.objects.filter(tenant=tenant, membership=membership).first()
    return found or EmailPreferences(tenant=tenant, membership=membership)


def wants_email(prefs: EmailPreferences | None, kind: str) -> bool:
    """Whether a person with ``prefs`` (None: never chose, so yes) gets ``kind`` by email."""
    return prefs is None or bool(getattr(prefs, EMAIL_PREFERENCE[kind]))


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


def publishers(tenant: Tenant) -> list[Membership]:
    """The active people whose role may publish the rota."""
    roles = [r.pk for r in Role.objects.filter(tenant=tenant) if r.has(Permission.PUBLISH_ROTA)]
    return list(
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE, role__in=roles,
                                  user__is_active=True)
        .select_related("user")
    )  # fmt: skip


def week_lines(
    tenant: Tenant, weeks: Sequence[tuple[uuid.UUID, dt.date]]
) -> dict[tuple[uuid.UUID, dt.date], list[str]]:
    """Each (person, Monday)'s published shifts as lines of text ("Mon 07 Dec 09:00-17:00  Carer
    at Harbour View"), the week being each shift's site's, as on the rota and when publishing.
    One query, whatever the number of people and weeks."""
    if not weeks:
        return {}
    first = min(week for _member, week in weeks)
    last = max(week for _member, week in weeks)
    start, _end = week_window(tenant, first)
    _start, end = week_window(tenant, last)
    wanted = set(weeks)
    shifts = (
        Shift.objects.filter(
            tenant=tenant, status=Shift.Status.PUBLISHED, start_at__gte=start, start_at__lt=end,
            membership_id__in={member for member, _week in weeks},
        )
        .select_related("site", "position")
        .order_by("start_at", "id")
    )  # fmt: skip
    found: dict[tuple[uuid.UUID, dt.date], list[str]] = {}
    for shift in shifts:
        zone = zoneinfo.ZoneInfo(shift.site.time_zone)
        start_local = shift.start_at.astimezone(zone)
        assert shift.membership_id is not None  # noqa: S101 (membership_id__in above)
        key = (shift.membership_id, week_start_of(start_local.date()))
        if key not in wanted:
            continue
        end_local = shift.end_at.astimezone(zone)
        found.setdefault(key, []).append(
            f"{start_local:%a %d %b} {start_local:%H:%M}-{end_local:%H:%M}"
            f"  {shift.position.name} at {shift.site.name}"
        )
    return found
