"""Access helpers: fetch one tenant object by id, answering 404 alike for missing and not-yours."""

from __future__ import annotations

import uuid
from typing import TypeVar, cast

from django.http import Http404

from tenancy.models import Invitation, Membership, Role, Tenant, TenantModel

_T = TypeVar("_T", bound=TenantModel)


def tenant_object_get_or_404(model: type[_T], *, tenant: Tenant, id: uuid.UUID | str) -> _T:
    try:
        pk = id if isinstance(id, uuid.UUID) else uuid.UUID(str(id))
    except ValueError:
        raise Http404 from None
    # The default manager of every tenant model is its fail-closed TenantManager.
    obj = model._default_manager.filter(tenant=tenant, pk=pk).first()
    if obj is None:
        raise Http404
    return cast(_T, obj)


def role_get_or_404(*, tenant: Tenant, id: uuid.UUID | str) -> Role:
    return tenant_object_get_or_404(Role, tenant=tenant, id=id)


def membership_get_or_404(*, tenant: Tenant, id: uuid.UUID | str) -> Membership:
    return tenant_object_get_or_404(Membership, tenant=tenant, id=id)


def invitation_get_or_404(*, tenant: Tenant, id: uuid.UUID | str) -> Invitation:
    return tenant_object_get_or_404(Invitation, tenant=tenant, id=id)
