"""The role editor and the one permission check."""

from __future__ import annotations

import pytest
from django.test import Client

from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission, RoleKind
from tests.factories import member, queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant_a: Tenant) -> Membership:
    return member(tenant_a, kind=RoleKind.ADMIN)


def _roles(tenant: Tenant) -> dict[str, Role]:
    with tenant_context(tenant):
        return {role.name: role for role in Role.objects.all()}


def test_an_admin_creates_a_custom_role(
    client: Client, tenant_a: Tenant, admin: Membership
) -> None:
    client.force_login(admin.user)
    response = client.post(
        "/alpha/roles/new/",
        {"name": "Shift lead", "permissions": ["build_rota", "send_messages"]},
    )
    assert response.status_code == 302
    role = _roles(tenant_a)["Shift lead"]
    assert role.permissions == ["build_rota", "send_messages"]
    assert role.kind == RoleKind.CUSTOM


def test_duplicate_names_and_unknown_permissions_are_refused(
    client: Client, tenant_a: Tenant, admin: Membership
) -> None:
    client.force_login(admin.user)
    duplicate = client.post("/alpha/roles/new/", {"name": "manager", "permissions": []})
    assert duplicate.status_code == 400
    assert "Another role already has that name" in duplicate.content.decode()
    forged = client.post("/alpha/roles/new/", {"name": "Forged", "permissions": ["launch"]})
    assert forged.status_code == 400
    assert "Forged" not in _roles(tenant_a)


def test_the_owner_role_keeps_every_permission(client: Client, tenant_a: Tenant) -> None:
    owner = member(tenant_a, kind=RoleKind.OWNER)
    client.force_login(owner.user)
    role = _roles(tenant_a)["Owner"]
    client.post(f"/alpha/roles/{role.pk}/", {"name": "Boss", "permissions": ["build_rota"]})
    role = _roles(tenant_a)["Owner"]
    assert set(role.permissions) == set(Permission.values)


def test_a_custom_role_in_use_cannot_be_deleted_and_builtins_never(
    client: Client, tenant_a: Tenant, admin: Membership
) -> None:
    client.force_login(admin.user)
    client.post("/alpha/roles/new/", {"name": "Temp", "permissions": []})
    temp = _roles(tenant_a)["Temp"]
    user_with_temp = member(tenant_a)
    with tenant_context(tenant_a):
        Membership.objects.filter(pk=user_with_temp.pk).update(role=temp)
    response = client.post(f"/alpha/roles/{temp.pk}/delete/", follow=True)
    assert "still have this role" in response.content.decode()
    with tenant_context(tenant_a):
        Membership.objects.filter(pk=user_with_temp.pk).update(role=_roles(tenant_a)["Employee"])
    client.post(f"/alpha/roles/{temp.pk}/delete/")
    assert "Temp" not in _roles(tenant_a)
    builtin = _roles(tenant_a)["Manager"]
    response = client.post(f"/alpha/roles/{builtin.pk}/delete/", follow=True)
    assert "Built-in roles cannot be deleted" in response.content.decode()


def test_a_custom_role_without_a_permission_gets_the_403_page(
    client: Client, tenant_a: Tenant
) -> None:
    with tenant_context(tenant_a):
        role = Role.objects.create(name="Scheduler", permissions=["build_rota"])
    person = member(tenant_a)
    with tenant_context(tenant_a):
        Membership.objects.filter(pk=person.pk).update(role=role)
    client.force_login(person.user)
    for url in ["/alpha/people/", "/alpha/roles/", "/alpha/settings/security/"]:
        response = client.get(url)
        assert response.status_code == 403, url
    dashboard = client.get("/alpha/").content.decode()
    assert "/alpha/people/" not in dashboard, "no link to a page the role cannot open"


def test_roles_page_query_count_is_fixed(
    client: Client, tenant_a: Tenant, admin: Membership, django_assert_num_queries: object
) -> None:
    for n in range(12):
        with tenant_context(tenant_a):
            Role.objects.create(name=f"Custom {n}")
    client.force_login(admin.user)
    with django_assert_num_queries(queries(7)):  # type: ignore[operator]
        assert client.get("/alpha/roles/").status_code == 200


def _custom(tenant: Tenant, name: str, permissions: list[str]) -> Membership:
    with tenant_context(tenant):
        role = Role.objects.create(name=name, permissions=permissions)
    person = member(tenant)
    with tenant_context(tenant):
        Membership.objects.filter(pk=person.pk).update(role=role)
        return Membership.objects.select_related("role", "user").get(pk=person.pk)


def test_nobody_grants_a_permission_their_own_role_lacks(client: Client, tenant_a: Tenant) -> None:
    hr = _custom(tenant_a, "HR", ["manage_people"])
    client.force_login(hr.user)
    response = client.post(
        "/alpha/roles/new/",
        {"name": "Everything", "permissions": ["manage_people", "manage_billing"]},
    )
    assert response.status_code == 400
    assert "only give permissions your own role has" in response.content.decode()
    assert "Everything" not in _roles(tenant_a)


def test_an_admin_cannot_add_billing_to_the_admin_role_or_edit_builtins(
    client: Client, tenant_a: Tenant, admin: Membership
) -> None:
    client.force_login(admin.user)
    role = _roles(tenant_a)["Admin"]
    response = client.post(
        f"/alpha/roles/{role.pk}/",
        {"name": "Admin", "permissions": [*role.permissions, "manage_billing"]},
    )
    assert response.status_code == 400
    assert "manage_billing" not in _roles(tenant_a)["Admin"].permissions


def test_nobody_assigns_themselves_or_others_a_stronger_role(
    client: Client, tenant_a: Tenant
) -> None:
    hr = _custom(tenant_a, "HR", ["manage_people"])
    employee = member(tenant_a)
    admin_role = _roles(tenant_a)["Admin"]
    client.force_login(hr.user)
    own = client.post(f"/alpha/people/{hr.pk}/", {"action": "role", "role": str(admin_role.pk)},
                      follow=True)  # fmt: skip
    assert "cannot change your own role" in own.content.decode()
    other = client.post(f"/alpha/people/{employee.pk}/",
                        {"action": "role", "role": str(admin_role.pk)}, follow=True)  # fmt: skip
    assert "only give permissions your own role has" in other.content.decode()
    invited = client.post("/alpha/people/invite/", {"email": "friend@example.test",
                          "role": str(admin_role.pk)})  # fmt: skip
    assert "only give permissions your own role has" in invited.content.decode()
    with tenant_context(tenant_a):
        assert Membership.objects.get(pk=hr.pk).role.name == "HR"
        assert Membership.objects.get(pk=employee.pk).role.kind == RoleKind.EMPLOYEE


def test_nobody_suspends_someone_with_more_permissions(client: Client, tenant_a: Tenant) -> None:
    hr = _custom(tenant_a, "HR", ["manage_people"])
    admin = member(tenant_a, kind=RoleKind.ADMIN)
    client.force_login(hr.user)
    response = client.post(f"/alpha/people/{admin.pk}/", {"action": "suspend"}, follow=True)
    assert "more permissions" in response.content.decode()
    with tenant_context(tenant_a):
        assert Membership.objects.get(pk=admin.pk).status == "active"
