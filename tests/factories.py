"""Test data builders; every related object stays inside one tenant."""

from __future__ import annotations

import functools
import itertools
from typing import Any

from django.contrib.auth.hashers import make_password

from accounts.models import User
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tenancy.services import builtin_role, membership_create, tenant_create

TEST_PASSWORD = "a-long-test-passphrase-2026"


@functools.cache
def test_password_hash() -> str:
    # Argon2 is slow by design: hash the shared test password once per process.
    return make_password(TEST_PASSWORD)


_numbers = itertools.count(1)


def make_user(**fields: Any) -> User:
    """A saved account with the shared test password; any field can be given."""
    n = next(_numbers)
    fields.setdefault("email", f"person{n}@example.test")
    fields.setdefault("full_name", f"Person {n}")
    fields.setdefault("password", test_password_hash())
    return User.objects.create(**fields)


def tenant_with_roles(*, name: str, slug: str, **kwargs: Any) -> Tenant:
    return tenant_create(name=name, slug=slug, **kwargs)


def member(
    tenant: Tenant,
    *,
    kind: RoleKind = RoleKind.EMPLOYEE,
    status: str = Membership.Status.ACTIVE,
    user: User | None = None,
    **user_fields: Any,
) -> Membership:
    """A person with a membership of `tenant` in the built-in role `kind`."""
    if user is None:
        user = make_user(**user_fields)
    with tenant_context(tenant):
        membership = membership_create(
            tenant=tenant, user=user, role=builtin_role(tenant=tenant, kind=kind)
        )
        if status != Membership.Status.ACTIVE:
            membership.status = status
            membership.save(update_fields=["status"])
    return membership
