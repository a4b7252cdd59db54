"""Writes of the tenancy app: creating tenants with their built-in roles, and memberships."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import BUILTIN_ROLES, RoleKind

if TYPE_CHECKING:
    from accounts.models import User


def tenant_create(
    *, name: str, slug: str, time_zone: str = "Europe/London", status: str = Tenant.Status.ACTIVE
) -> Tenant:
    """A new tenant with the built-in roles Owner, Admin, Manager, Employee and Auditor."""
    with transaction.atomic():
        tenant = Tenant(name=name, slug=slug, time_zone=time_zone, status=status)
        tenant.full_clean()
        tenant.save()
        with tenant_context(tenant):
            for kind, permissions in BUILTIN_ROLES.items():
                role = Role(
                    tenant=tenant,
                    name=str(kind.label),
                    kind=kind,
                    permissions=sorted(permissions),
                )
                role.full_clean()
                role.save()
    return tenant


def builtin_role(*, tenant: Tenant, kind: RoleKind) -> Role:
    return Role.objects.get(tenant=tenant, kind=kind)


def membership_create(*, tenant: Tenant, user: User, role: Role) -> Membership:
    """Give `user` an active membership of `tenant` with `role` (a role of the same tenant)."""
    with tenant_context(tenant):
        membership = Membership(tenant=tenant, user=user, role=role)
        membership.full_clean()
        membership.save()
    return membership
