"""The tenant pages' main navigation, built in Python: every tenant page shows it, and as
template tags its twenty links (each a `{% url %}`, a permission check and a comparison with
the current page) cost more than many pages' own content. The links' paths are reversed once
per company and process (tenancy.http.tenant_reverse)."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tenancy.http import tenant_reverse
from tenancy.permissions import Permission

register = template.Library()


@dataclass(frozen=True)
class Link:
    url_name: str
    label: Promise
    # Shown only to members whose role has it; None: to every member.
    permission: Permission | None = None
    # Other pages (URL names) under this link, which it marks as current too.
    also: tuple[str, ...] = ()


LINKS: tuple[Link, ...] = (
    Link("dashboard", _("Dashboard")),
    Link("notifications", _("Notifications")),
    Link("my-shifts", _("My shifts")),
    Link("my-leave", _("Leave & availability"), also=("my-availability",)),
    Link("open-shifts", _("Open shifts")),
    Link("swaps", _("Swaps"), also=("swap-offer",)),
    Link("leave-requests", _("Leave requests"), Permission.APPROVE_LEAVE),
    Link("messages-sent", _("Messages"), Permission.SEND_MESSAGES, also=("message-new",)),
    Link("rota", _("Rota"), Permission.BUILD_ROTA),
    Link("sites", _("Sites"), Permission.BUILD_ROTA),
    Link("people", _("People"), Permission.MANAGE_PEOPLE),
    Link("roles", _("Roles"), Permission.MANAGE_PEOPLE),
    Link("payroll", _("Payroll"), Permission.EXPORT_PAYROLL),
    Link("audit-log", _("Audit log"), Permission.VIEW_AUDIT_LOG),
    Link("billing", _("Billing"), Permission.MANAGE_BILLING),
    Link("privacy-settings", _("Privacy"), Permission.MANAGE_PRIVACY),
    Link("security-settings", _("Security"), Permission.MANAGE_SETTINGS),
)


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    """The links the member may follow, the current page's marked; the notifications link with
    its unread badge, which htmx fills in after the page has loaded. None for someone who is
    not a member."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None:  # a page for people who are not members yet, such as an invitation
        return SafeString("")
    slug = request.tenant.slug
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match is not None else None
    items = []
    for link in LINKS:
        if link.permission is not None and not membership.has(link.permission):
            continue
        marked = mark_safe(' aria-current="page"') if current in (link.url_name, *link.also) else ""
        badge = ""
        if link.url_name == "notifications":
            badge = format_html(
                ' <span id="notifications-badge" hx-get="{}" hx-trigger="load, every 60s"'
                ' hx-swap="innerHTML" hx-select="[data-unread]"></span>',
                tenant_reverse("notifications-badge", slug),
            )
        items.append((tenant_reverse(link.url_name, slug), marked, link.label, badge))
    return format_html(
        '<nav class="main-nav" aria-label="{}">\n  <ul>\n{}\n  </ul>\n</nav>',
        _("Main"),
        format_html_join("\n", '    <li><a href="{}"{}>{}{}</a></li>', items),
    )
