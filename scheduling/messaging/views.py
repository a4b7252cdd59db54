"""Messaging pages: notifications, email preferences, messages and their settings."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from scheduling.messaging import selectors as messaging_selectors
from scheduling.messaging import services as messaging_services
from scheduling.messaging.forms import (
    AudienceForm,
    EmailPreferencesForm,
    MessageForm,
    MessageSettingsForm,
)
from scheduling.models import Message, Notification, Position, Site
from scheduling.rules.facts import scheduling_settings
from scheduling.setup.services import settings_save
from tenancy.access import tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, policy_gate_exempt, require_permission, tenant_view
from tenancy.models import Membership
from tenancy.permissions import Permission

PER_PAGE = 25


RECIPIENTS_PER_PAGE = 50


@tenant_view
def notification_list(request: TenantRequest) -> HttpResponse:
    """The person's notifications, newest first, unread ones marked, filtered by kind."""
    tenant, me = request.tenant, request.membership
    kind = request.GET.get("kind", "all")
    if kind not in messaging_selectors.KIND_FILTERS:
        kind = "all"
    rows = messaging_selectors.notifications_filtered(
        messaging_selectors.notifications_of(tenant, me), kind
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    unread = messaging_selectors.unread_counts(tenant, me)
    counts = {"all": unread.total, "requests": unread.requests + unread.decisions,
              "messages": unread.messages, "reminders": unread.reminders}  # fmt: skip
    filters = [
        (key, label, counts[key])
        for key, (label, _kinds) in messaging_selectors.KIND_FILTERS.items()
    ]
    return TemplateResponse(
        request, "scheduling/messaging/notifications.html",
        {"page": page, "kind": kind, "filters": filters, "unread": unread},
    )  # fmt: skip


@tenant_view
def notification_open(request: TenantRequest, notification_id: str) -> HttpResponseBase:
    """Open one of the person's notifications: it is marked read, then the page it is about
    opens (a message: its text)."""
    tenant = request.tenant
    row = messaging_services.notification_read(
        tenant=tenant, membership=request.membership, notification_id=notification_id
    )
    if row is None:
        raise Http404
    if row.url.startswith(f"/{tenant.slug}/"):
        return redirect(row.url)
    return _notification_page(request, row)


@tenant_view
def message_read(request: TenantRequest, message_id: str) -> HttpResponseBase:
    """A message the person received (the link in its notification and email): marked read.
    Someone who may send messages and did not receive it is shown who it went to instead."""
    tenant, me = request.tenant, request.membership
    row = messaging_selectors.notifications_of(tenant, me).filter(message_id=message_id).first()
    if row is None:
        message = tenant_object_get_or_404(Message, tenant=tenant, id=message_id)
        if me.has(Permission.SEND_MESSAGES):
            return redirect("message-detail", tenant_slug=tenant.slug, message_id=message.pk)
        raise Http404
    if row.read_at is None:
        messaging_services.notification_read(tenant=tenant, membership=me, notification_id=row.pk)
    return _notification_page(request, row)


def _notification_page(request: TenantRequest, row: Notification) -> HttpResponse:
    actor = None
    if Notification._meta.get_field("actor").is_cached(row):
        actor = row.actor
    elif row.actor_id is not None:
        actor = Membership.objects.select_related("user").filter(pk=row.actor_id).first()
    return TemplateResponse(
        request,
        "scheduling/messaging/notification_detail.html",
        {"notification": row, "actor": actor},
    )


@tenant_view
@require_POST
def notifications_read_all(request: TenantRequest) -> HttpResponse:
    count = messaging_services.notifications_read_all(
        tenant=request.tenant, membership=request.membership
    )
    if count:
        messages.success(
            request,
            ngettext("%(count)d notification marked read.", "%(count)d notifications marked read.",
                     count) % {"count": count},
        )  # fmt: skip
    kind = request.POST.get("kind", "")
    query = f"?kind={kind}" if kind in messaging_selectors.KIND_FILTERS and kind != "all" else ""
    return redirect(f"/{request.tenant.slug}/notifications/{query}")


@tenant_view
@policy_gate_exempt
def notifications_badge(request: TenantRequest) -> HttpResponse:
    """The unread count for the navigation (fetched by htmx when a page loads, and every
    minute): empty when there is nothing unread."""
    unread = messaging_selectors.unread_counts(request.tenant, request.membership)
    response = TemplateResponse(
        request, "scheduling/messaging/partials/notifications_badge.html", {"unread": unread}
    )
    response["Cache-Control"] = "no-store"
    return response


@tenant_view
def email_preferences(request: TenantRequest) -> HttpResponse:
    """Which notifications the person also gets by email."""
    tenant, me = request.tenant, request.membership
    prefs = messaging_selectors.email_preferences(tenant, me)
    initial = {"messages": prefs.messages, "requests": prefs.requests,
               "reminders": prefs.reminders, "schedule": prefs.schedule}  # fmt: skip
    form = EmailPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        messaging_services.email_preferences_save(tenant=tenant, membership=me, **form.cleaned_data)
        messages.success(request, _("Email preferences saved."))
        return redirect("email-preferences", tenant_slug=tenant.slug)
    return TemplateResponse(request, "scheduling/messaging/email_preferences.html", {"form": form},
                            status=400 if form.errors else 200)  # fmt: skip


def _audience_choices(
    request: TenantRequest,
) -> tuple[list[Membership], list[Site], list[Position]]:
    tenant = request.tenant
    people = list(
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE,
                                  user__is_active=True)
        .exclude(pk=request.membership.pk)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )  # fmt: skip
    sites = list(Site.objects.filter(tenant=tenant).order_by("name"))
    positions = list(Position.objects.filter(tenant=tenant).order_by("name"))
    return people, sites, positions


@tenant_view
@require_permission(Permission.SEND_MESSAGES)
def messages_sent(request: TenantRequest) -> HttpResponse:
    """The company's messages, newest first, with how many of the recipients have read each."""
    page = Paginator(messaging_selectors.sent_messages(request.tenant), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(request, "scheduling/messaging/messages_sent.html", {"page": page})


@tenant_view
@require_permission(Permission.SEND_MESSAGES)
def message_new(request: TenantRequest) -> HttpResponse:
    """Write a message to chosen people, a site's or a position's people ("Preview recipients"
    counts them without sending; with JavaScript the count follows every change)."""
    tenant, me = request.tenant, request.membership
    choices = _audience_choices(request)
    recipients: int | None = None
    if request.method == "POST" and "preview" in request.POST:
        # Count without sending, and without complaining yet of an empty subject or text.
        post = request.POST
        form = MessageForm(*choices, initial={
            "subject": post.get("subject", ""), "body": post.get("body", ""),
            "people": post.getlist("people"), "site": post.get("site", ""),
            "position": post.get("position", ""),
        })  # fmt: skip
        audience_form = AudienceForm(*choices, post)
        if audience_form.is_valid() and not audience_form.audience().is_empty:
            recipients = messaging_selectors.audience_members(
                tenant, audience_form.audience(), sender=me
            ).count()
        return TemplateResponse(
            request, "scheduling/messaging/message_new.html",
            {"form": form, "recipients": recipients, "previewed": True},
        )  # fmt: skip
    form = MessageForm(*choices, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message = messaging_services.message_send(
                tenant=tenant, actor=me, subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"], audience=form.audience(),
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            count = message.recipient_count
            messages.success(request, ngettext(
                "Message sent to %(count)d person.", "Message sent to %(count)d people.",
                count) % {"count": count})  # fmt: skip
            return redirect("message-detail", tenant_slug=tenant.slug, message_id=message.pk)
    return TemplateResponse(
        request, "scheduling/messaging/message_new.html", {"form": form, "recipients": recipients},
        status=400 if form.errors else 200,
    )  # fmt: skip


@tenant_view
@require_permission(Permission.SEND_MESSAGES)
def message_preview(request: TenantRequest) -> HttpResponse:
    """How many people the chosen audience reaches (an htmx fragment of the compose page)."""
    form = AudienceForm(*_audience_choices(request), request.GET)
    recipients: int | None = None
    if form.is_valid():
        audience = form.audience()
        if not audience.is_empty:
            recipients = messaging_selectors.audience_members(
                request.tenant, audience, sender=request.membership
            ).count()
    return TemplateResponse(
        request, "scheduling/messaging/partials/recipients.html",
        {"recipients": recipients, "invalid": bool(form.errors)},
    )  # fmt: skip


@tenant_view
@require_permission(Permission.SEND_MESSAGES)
def message_detail(request: TenantRequest, message_id: str) -> HttpResponse:
    """One sent message: its text, who it went to and who has read it."""
    tenant = request.tenant
    message = tenant_object_get_or_404(Message, tenant=tenant, id=message_id)
    sender = Membership.objects.select_related("user").filter(pk=message.sender_id).first()
    recipients = Paginator(
        messaging_selectors.message_recipients(tenant, message), RECIPIENTS_PER_PAGE
    )
    return TemplateResponse(
        request, "scheduling/messaging/message_detail.html",
        {"message": message, "sender": sender,
         "read_count": messaging_selectors.message_read_count(tenant, message),
         "page": recipients.get_page(request.GET.get("page"))},
    )  # fmt: skip


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def message_settings(request: TenantRequest) -> HttpResponse:
    """The automatic messages: shift reminders, and the unpublished-week reminder."""
    current = scheduling_settings(request.tenant)
    form = MessageSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in MessageSettingsForm.Meta.fields}
        try:
            settings_save(tenant=request.tenant, actor=request.membership, **values)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Automatic messages saved."))
            return redirect("message-settings", tenant_slug=request.tenant.slug)
    return TemplateResponse(
        request, "scheduling/messaging/message_settings.html",
        {"form": form}, status=400 if form.errors else 200,
    )  # fmt: skip
