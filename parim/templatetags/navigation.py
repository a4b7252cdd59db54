"""The tenant pages' main navigation, built in Python: every tenant page shows it, and as
template tags its twenty links (each a `{% url %}`, a permission check and a comparison with
the current page) cost more than many pages' own content. The links' paths are reversed once
per company and process (tenancy.http.tenant_reverse), and the whole navigation is made once
per process for each company, page, language and set of links the member may follow."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django import template
from django.urls import get_script_prefix
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
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


@dataclass(frozen=True)
class Group:
    """A heading and its links; a group none of whose links the member may use is not shown.
    The first group has no heading (home and notifications)."""

    label: Promise | None
    links: tuple[Link, ...]


GROUPS: tuple[Group, ...] = (
    Group(None, (
        Link("dashboard", _("Home")),
        Link("notifications", _("Notifications"), also=("notification-open", "message-read",
                                                        "email-preferences")),
    )),
    Group(_("My work"), (
        Link("my-shifts", _("My shifts")),
        Link("clock", _("Clock in and out")),
        Link("my-timesheet", _("My timesheet")),
        Link("my-leave", _("Leave & availability"), also=("my-availability",)),
        Link("open-shifts", _("Open shifts")),
        Link("swaps", _("Swaps"), also=("swap-offer",)),
    )),
    Group(_("Schedule"), (
        Link("rota", _("Rota"), Permission.BUILD_ROTA,
             also=("rota-day", "shift-new", "shift-edit", "shift-delete", "rota-publish")),
        Link("patterns", _("Patterns"), Permission.BUILD_ROTA,
             also=("pattern-template-new", "pattern-template", "pattern-template-delete",
                   "pattern-rotation-new", "pattern-rotation", "pattern-rotation-delete")),
        Link("planning-coverage", _("Coverage plans"), Permission.BUILD_ROTA,
             also=("planning-coverage-site",)),
        Link("planning-autobuild", _("Auto-build"), Permission.BUILD_ROTA,
             also=("planning-run",)),
        Link("leave-requests", _("Leave requests"), Permission.APPROVE_LEAVE),
        Link("messages-sent", _("Messages"), Permission.SEND_MESSAGES,
             also=("message-new", "message-detail")),
        Link("board", _("Who is on"), Permission.CLOCK_OTHERS),
        Link("timesheets", _("Timesheets"), Permission.APPROVE_TIMESHEETS, also=("timesheet",)),
        Link("payroll", _("Payroll"), Permission.EXPORT_PAYROLL),
        Link("payroll-actual", _("Payroll from actuals"), Permission.EXPORT_PAYROLL,
             also=("payroll-summary",)),
    )),
    Group(_("Team"), (
        Link("people", _("People"), Permission.MANAGE_PEOPLE,
             also=("member-update", "member-sites", "work-profile", "member-leave",
                   "member-details")),
        Link("roles", _("Roles"), Permission.MANAGE_PEOPLE, also=("role-new", "role-edit",
                                                                   "role-delete")),
        Link("sites", _("Sites"), Permission.BUILD_ROTA, also=("site-new", "site-edit")),
        Link("positions", _("Positions"), Permission.BUILD_ROTA,
             also=("position-new", "position-edit")),
    )),
    Group(_("Company"), (
        Link("working-time-settings", _("Working-time rules"), Permission.MANAGE_SETTINGS),
        Link("message-settings", _("Automatic messages"), Permission.MANAGE_SETTINGS),
        Link("attendance-settings", _("Clocking and timesheets"), Permission.MANAGE_SETTINGS),
        Link("kiosks", _("Kiosks"), Permission.CLOCK_OTHERS),
        Link("security-settings", _("Security"), Permission.MANAGE_SETTINGS),
        Link("billing", _("Billing"), Permission.MANAGE_BILLING),
    )),
    Group(_("Compliance"), (
        Link("privacy-settings", _("Privacy"), Permission.MANAGE_PRIVACY,
             also=("data-settings",)),
        Link("policies", _("Policies"), Permission.MANAGE_PRIVACY, also=("policy-detail",)),
        Link("erasure-requests", _("Erasure requests"), Permission.MANAGE_PRIVACY,
             also=("erasure-detail",)),
        Link("audit-log", _("Audit log"), Permission.VIEW_AUDIT_LOG, also=("audit-entry",)),
    )),
)  # fmt: skip

LINKS: tuple[Link, ...] = tuple(link for group in GROUPS for link in group.links)


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> SafeString:
    """The groups of links the member may follow, the current page's marked; the notifications
    link with its unread badge, which htmx fills in after the page has loaded. A sidebar on wide
    screens and a menu behind the header's button on phones (static/css, static/js). Nothing
    for someone who is not a member."""
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None:  # a page for people who are not members yet, such as an invitation
        return SafeString("")
    match = getattr(request, "resolver_match", None)
    allowed = tuple(link.permission is None or membership.has(link.permission) for link in LINKS)
    return _nav(
        request.tenant.slug,
        allowed,
        match.url_name if match is not None else None,
        get_language(),
        get_script_prefix(),
    )


@functools.lru_cache(maxsize=4096)
def _nav(
    slug: str, allowed: tuple[bool, ...], current: str | None, language: str, script_prefix: str
) -> SafeString:
    """The navigation's HTML, made once per process for each company, set of links the member
    may follow, current page and language (each label translated here, which a page would
    otherwise do some forty times): nothing else of the person or the request is in it.
    `script_prefix` is in the key because the links' paths depend on it."""
    may = iter(allowed)  # in the order of LINKS: the groups' links one after the other
    sections = []
    for index, group in enumerate(GROUPS):
        items = []
        for link in group.links:
            if not next(may):
                continue
            here = current in (link.url_name, *link.also)
            marked = mark_safe(' aria-current="page"') if here else ""
            badge = ""
            if link.url_name == "notifications":
                badge = format_html(
                    ' <span id="notifications-badge" hx-get="{}" hx-trigger="load, every 60s"'
                    ' hx-swap="innerHTML" hx-select="[data-unread]"></span>',
                    tenant_reverse("notifications-badge", slug),
                )
            items.append((tenant_reverse(link.url_name, slug), marked, link.label, badge))
        if not items:
            continue
        links = format_html_join("\n", '      <li><a href="{}"{}>{}{}</a></li>', items)
        if group.label is None:
            sections.append(format_html('    <ul class="app-nav__list">\n{}\n    </ul>', links))
        else:
            heading = f"nav-group-{index}"
            sections.append(format_html(
                '    <h2 class="app-nav__heading" id="{}">{}</h2>\n'
                '    <ul class="app-nav__list" aria-labelledby="{}">\n{}\n    </ul>',
                heading, group.label, heading, links,
            ))  # fmt: skip
    return format_html(
        '<nav class="app-nav" id="app-nav" aria-label="{}">\n{}\n</nav>',
        _("Main"),
        format_html_join("\n", "{}", ((section,) for section in sections)),
    )
