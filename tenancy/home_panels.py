"""Tenancy's panels of the home page: the set-up checklist, and the people who need an admin's
attention (no two-factor authentication yet, invitations not yet accepted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.identity import two_factor_members_sql
from tenancy.http import TenantRequest, tenant_reverse
from tenancy.models import Invitation, Membership
from tenancy.onboarding import checklist


def set_up(request: TenantRequest) -> Mapping[str, Any] | None:
    """What is left to set up, until everything is done (one query a step)."""
    steps = checklist(request.tenant)
    if all(done for _step, done in steps):
        return None
    return {"steps": steps, "done": sum(1 for _step, done in steps if done)}


def people_to_follow_up(request: TenantRequest) -> Mapping[str, Any] | None:
    """Active members without a confirmed authenticator, and invitations still open. Two
    queries."""
    tenant = request.tenant
    # Ids only, through the status function: no device row of anyone else is ever read here.
    without = (
        Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE)
        .exclude(user_id__in=RawSQL(*two_factor_members_sql()))  # noqa: S611  (constants)
        .count()
    )
    invitations = Invitation.objects.filter(
        tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).count()  # fmt: skip
    return {
        "without_two_factor": without,
        "invitations": invitations,
        "has_dpo": tenant.has_dpo,
        "people_url": tenant_reverse("people", tenant.slug),
        "security_url": tenant_reverse("security-settings", tenant.slug),
        "privacy_url": tenant_reverse("privacy-settings", tenant.slug),
    }
