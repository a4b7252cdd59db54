"""Object permissions with django-guardian, kept in tenant-owned tables.

guardian's generic UserObjectPermission table has no tenant_id, so it is not used. Instead each
kind of object that needs per-object permissions gets a direct foreign-key table (guardian's
"direct foreign keys") built on TenantUserObjectPermission: it has the tenant, row-level
security and composite keys like every tenant table, and guardian's assign_perm, remove_perm,
get_objects_for_user and ObjectPermissionChecker find and use it unchanged."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from guardian.managers import UserObjectPermissionManager
from guardian.models import UserObjectPermissionBase
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant, TenantManager, TenantModel

_M = TypeVar("_M", bound=models.Model)

if TYPE_CHECKING:
    _PermissionManagerBase = TenantManager
else:

    class _PermissionManagerBase(TenantManager, UserObjectPermissionManager):
        pass


class TenantObjectPermissionManager(_PermissionManagerBase[_M]):
    """Fail-closed like every tenant manager, with guardian's assign/remove methods."""


class TenantUserObjectPermission(UserObjectPermissionBase, TenantModel):
    """Base of a direct-FK object permission table. A concrete subclass declares
    `content_object = models.ForeignKey(<model>, on_delete=models.CASCADE, db_index=False)` and
    a Meta with its unique constraint and indexes leading with tenant; its migration protects
    the table with ProtectTenantTable(..., references=["content_object"])."""

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    permission = models.ForeignKey(
        "auth.Permission", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    # Scoped like every tenant manager, and still guardian's manager (see the class above).
    objects = TenantObjectPermissionManager()  # type: ignore[misc, assignment]

    class Meta:
        abstract = True

    def __str__(self) -> str:
        # Ids only: this label is written into audit entries, and an email is personal data.
        return f"Object permission {self.pk}"


def object_permission_grant(
    *, tenant: Tenant, actor: Membership, membership: Membership, permission: str, obj: Any
) -> None:
    with tenant_context(tenant):
        assign_perm(permission, membership.user, obj)


def object_permission_revoke(
    *, tenant: Tenant, actor: Membership, membership: Membership, permission: str, obj: Any
) -> None:
    with tenant_context(tenant):
        remove_perm(permission, membership.user, obj)


def objects_permitted(
    *, membership: Membership, permission: str, queryset: models.QuerySet[_M]
) -> models.QuerySet[_M]:
    """The objects of `queryset` (already the tenant's) that `membership` holds `permission` on."""
    # Only the person's own grants: Django's groups and superusers belong to no company, and
    # are never used.
    permitted: models.QuerySet[_M] = get_objects_for_user(
        membership.user, permission, klass=queryset, accept_global_perms=False,
        use_groups=False, with_superuser=False,
    )  # fmt: skip
    return permitted
