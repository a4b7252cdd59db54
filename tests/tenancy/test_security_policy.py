"""The company's security policy page."""

from __future__ import annotations

import pytest
from django.test import Client

from tenancy.context import tenant_context
from tenancy.models import Role, SecurityPolicy, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member

pytestmark = pytest.mark.django_db


def _policy(tenant: Tenant) -> SecurityPolicy:
    with tenant_context(tenant):
        return SecurityPolicy.objects.get()


def test_an_admin_requires_two_factor_for_chosen_roles(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.ADMIN).user)
    with tenant_context(tenant_a):
        manager = Role.objects.get(kind=RoleKind.MANAGER)
    response = client.post(
        "/alpha/settings/security/",
        {"two_factor": "roles", "two_factor_roles": [str(manager.pk)], "min_password_length": 14},
    )
    assert response.status_code == 302
    policy = _policy(tenant_a)
    assert (policy.two_factor, policy.min_password_length) == ("roles", 14)
    with tenant_context(tenant_a):
        assert list(Role.objects.filter(requires_two_factor=True)) == [manager]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"two_factor": "roles", "min_password_length": 12}, "Choose at least one role"),
        ({"two_factor": "off", "min_password_length": 11}, "greater than or equal to 12"),
        ({"two_factor": "off", "min_password_length": 65}, "less than or equal to 64"),
        ({"two_factor": "sometimes", "min_password_length": 12}, "Select a valid choice"),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(
    client: Client, tenant_a: Tenant, data: dict[str, object], message: str
) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.ADMIN).user)
    response = client.post("/alpha/settings/security/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    policy = _policy(tenant_a)
    assert (policy.two_factor, policy.min_password_length) == ("off", 12)


def test_managers_cannot_open_the_security_policy(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.MANAGER).user)
    assert client.get("/alpha/settings/security/").status_code == 403
