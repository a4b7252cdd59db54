"""Template helpers: `{% if request.membership|can:"manage_people" %}`."""

from __future__ import annotations

from django import template

from tenancy.models import Membership

register = template.Library()


@register.filter
def can(membership: Membership | None, permission: str) -> bool:
    """The same check as tenancy.http.require_permission, for showing or hiding controls."""
    return membership is not None and membership.has(permission)
