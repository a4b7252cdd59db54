"""Writes of an employee's own things: the secret calendar feed address."""

from __future__ import annotations

from accounts.events import Event, emit
from accounts.tokens import new_token, token_hash
from scheduling.models import (
    WorkProfile,
)
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant


def calendar_feed_renew(*, tenant: Tenant, membership: Membership) -> str:
    """A new secret feed address for the member (the old one stops working). Returns the
    token, which is shown once in the address and stored only as a hash."""
    token = new_token()
    with tenant_context(tenant):
        profile, _created = WorkProfile.objects.get_or_create(membership=membership)
        profile.calendar_token_hash = token_hash(token)
        profile.save(update_fields=["calendar_token_hash", "updated_at"])
        emit(Event.CALENDAR_RENEWED, tenant=tenant, user=membership.user, target=profile)
    return token


def calendar_feed_revoke(*, tenant: Tenant, membership: Membership) -> None:
    with tenant_context(tenant):
        profile = WorkProfile.objects.filter(membership=membership).first()
        if profile is not None and profile.calendar_token_hash:
            profile.calendar_token_hash = ""
            profile.save(update_fields=["calendar_token_hash", "updated_at"])
            emit(Event.CALENDAR_REVOKED, tenant=tenant, user=membership.user, target=profile)
