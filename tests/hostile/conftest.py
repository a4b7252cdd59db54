"""Fixtures of the hostile-input tests: the owner of tenant A, signed in."""

from __future__ import annotations

import pytest
from django.test import Client

from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.builders import signed_in
from tests.factories import member


@pytest.fixture
def owner(tenant_a: Tenant) -> Membership:
    return member(tenant_a, kind=RoleKind.OWNER, email="owner@alpha.test")


@pytest.fixture
def client(owner: Membership) -> Client:
    return signed_in(owner)
