"""The Data Protection Officer: mandatory, set by those who manage privacy, audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import AuditEntry
from tenancy.context import tenant_context
from tenancy.models import Invitation, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, tenant_with_roles

pytestmark = pytest.mark.django_db
DPO = {
    "dpo_name": "Dana Protector",
    "dpo_email": "DPO@Example.test",
    "dpo_phone": "+44 20 7946 0018",
}


@pytest.fixture
def fresh() -> Tenant:
    return tenant_with_roles(name="Fresh Co", slug="fresh", dpo=False)


def test_admins_see_a_banner_until_the_dpo_is_named(client: Client, fresh: Tenant) -> None:
    admin = member(fresh, kind=RoleKind.ADMIN)
    employee = member(fresh)
    client.force_login(admin.user)
    assert "has not named its Data Protection Officer" in client.get("/fresh/").content.decode()
    other = Client()
    other.force_login(employee.user)
    assert "Data Protection Officer" not in other.get("/fresh/").content.decode()

    response = client.post("/fresh/settings/privacy/", DPO)
    assert response.status_code == 302
    assert Tenant.objects.get(pk=fresh.pk).has_dpo
    assert "has not named" not in client.get("/fresh/").content.decode()
    with tenant_context(fresh):
        assert AuditEntry.objects.filter(event="privacysettings.created").exists()


def test_nobody_is_invited_before_the_dpo_is_named(
    client: Client, fresh: Tenant, mailoutbox: Any
) -> None:
    admin = member(fresh, kind=RoleKind.ADMIN)
    client.force_login(admin.user)
    response = client.post("/fresh/people/invite/", {"email": "x@example.test",
                           "role": str(admin.role_id)})  # fmt: skip
    assert response.status_code == 400
    assert "Data Protection Officer" in response.content.decode()
    with tenant_context(fresh):
        assert not Invitation.objects.exists()
    assert not mailoutbox


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("dpo_name", "", "This field is required"), ("dpo_email", "nope", "valid email"),
     ("dpo_phone", "call me", "Enter a phone number")],
)  # fmt: skip
def test_bad_input_is_a_form_error_and_changes_nothing(
    client: Client, fresh: Tenant, field: str, value: str, message: str
) -> None:
    client.force_login(member(fresh, kind=RoleKind.ADMIN).user)
    response = client.post("/fresh/settings/privacy/", {**DPO, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Tenant.objects.get(pk=fresh.pk).has_dpo


def test_managers_cannot_change_privacy_settings(client: Client, fresh: Tenant) -> None:
    client.force_login(member(fresh, kind=RoleKind.MANAGER).user)
    assert client.post("/fresh/settings/privacy/", DPO).status_code == 403
    assert not Tenant.objects.get(pk=fresh.pk).has_dpo
