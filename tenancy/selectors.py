"""Reads that cross the tenant boundary on purpose: the signed-in person's own memberships."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django_scopes import scopes_disabled

from tenancy.context import user_directory_context
from tenancy.models import Membership

if TYPE_CHECKING:
    from accounts.models import User


def memberships_of_user(user: User) -> list[Membership]:
    """The person's active memberships in every tenant, with the tenant, for the tenant picker.

    The one directory read of DESIGN.md 4.4: the scope is lifted (no tenant is chosen yet) and
    row-level security admits only rows whose user_id is this person's, through app.user_id.
    """
    with user_directory_context(user), scopes_disabled():
        return list(
            Membership.objects.filter(user_id=user.pk, status=Membership.Status.ACTIVE)
            .select_related("tenant")
            .order_by("tenant__name")
        )


def other_companies_holding(user: User, *, besides: uuid.UUID) -> int:
    """How many other tenants still hold the person as a member in any status (active,
    suspended, or left and not yet anonymised): their account must stay for those. The same
    directory read as above."""
    with user_directory_context(user), scopes_disabled():
        return (
            Membership.objects.filter(user_id=user.pk, anonymised_at__isnull=True)
            .exclude(tenant_id=besides)
            .count()
        )


def strictest_password_length(user: User) -> int:
    """The largest minimum password length among the person's companies."""
    from tenancy.context import tenant_context
    from tenancy.models import SecurityPolicy

    longest = 0
    for membership in memberships_of_user(user):
        with tenant_context(membership.tenant):
            policy = SecurityPolicy.objects.filter(tenant=membership.tenant).first()
        if policy is not None:
            longest = max(longest, policy.min_password_length)
    return longest
