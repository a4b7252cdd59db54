"""Two tenants with every tenant model populated, for the isolation suite.

Tenant B's text carries MARKER so that any page, export or feed of tenant A that shows one of
B's values is caught. A new tenant model must be populated here (test_meta checks it), and a new
URL keyword argument must say here which of a tenant's objects it names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import serializers

from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant, TenantModel
from tenancy.permissions import ALL_PERMISSIONS, RoleKind
from tests.factories import member, tenant_with_roles

MARKER = "BRAVOMARKER"


@dataclass
class Side:
    tenant: Tenant
    owner: Membership
    objects: dict[str, TenantModel] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side


def _populate(tenant: Tenant, label: str) -> Side:
    owner = member(tenant, kind=RoleKind.OWNER, email=f"owner@{tenant.slug}.test",
                   full_name=f"{label} Owner")  # fmt: skip
    other = member(tenant, kind=RoleKind.EMPLOYEE, email=f"staff@{tenant.slug}.test",
                   full_name=f"{label} Staff")  # fmt: skip
    with tenant_context(tenant):
        role = Role.objects.create(name=f"{label} Custom Role", permissions=sorted(ALL_PERMISSIONS))
    return Side(tenant=tenant, owner=owner, objects={"role": role, "membership": other})


def build_world() -> World:
    a = tenant_with_roles(name="Alpha Care", slug="alpha")
    b = tenant_with_roles(name=f"Bravo {MARKER} Guards", slug="bravo")
    return World(a=_populate(a, "Alpha"), b=_populate(b, MARKER))


# URL keyword argument -> which of a side's objects it names.
URL_KWARG_OBJECTS: dict[str, Callable[[Side], uuid.UUID]] = {
    "role_id": lambda side: side.objects["role"].pk,
    "membership_id": lambda side: side.objects["membership"].pk,
}

# URL names outside /<tenant_slug>/, each with the reason it holds no tenant's data.
PUBLIC_URLS: dict[str, str] = {
    "healthz": "health check for load balancers: database up or down, nothing else",
    "login": "the sign-in form",
    "logout": "sign-out (POST)",
    "tenant-picker": "lists only the signed-in person's own memberships (test_picker_*)",
}


def tenant_models() -> list[type[TenantModel]]:
    return [m for m in apps.get_models() if issubclass(m, TenantModel) and not m._meta.abstract]


def snapshot(tenant: Tenant) -> str:
    """Every row of every tenant model of `tenant`, serialised in a stable order."""
    parts: list[Any] = []
    with tenant_context(tenant):
        for model in tenant_models():
            rows = model.objects.order_by("pk")
            parts.append(serializers.serialize("json", rows))
    return "\n".join(parts)
