"""The tenant model base: fail-closed manager, tenant from the context, no cross-tenant writes."""

import pytest
from django.core.exceptions import ValidationError
from django_scopes import ScopeError

from tenancy.context import TenantContextError, current_tenant, tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import BUILTIN_ROLES, Permission, RoleKind
from tests.factories import make_user, member

pytestmark = pytest.mark.django_db


def test_query_without_tenant_context_raises(tenant_a: Tenant) -> None:
    with pytest.raises(ScopeError):
        list(Role.objects.all())
    with pytest.raises(ScopeError):
        Role.objects.filter(name="Owner").exists()


def test_query_inside_context_sees_only_that_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_context(tenant_a):
        roles = list(Role.objects.all())
    assert roles
    assert {role.tenant_id for role in roles} == {tenant_a.pk}


def test_every_tenant_starts_with_the_builtin_roles(tenant_a: Tenant) -> None:
    with tenant_context(tenant_a):
        roles = {role.kind: role for role in Role.objects.all()}
    assert set(roles) == set(BUILTIN_ROLES)
    assert roles[RoleKind.OWNER].has(Permission.MANAGE_BILLING)
    assert not roles[RoleKind.ADMIN].has(Permission.MANAGE_BILLING)
    assert roles[RoleKind.AUDITOR].has(Permission.VIEW_AUDIT_LOG)
    assert roles[RoleKind.EMPLOYEE].permissions == []


def test_new_object_takes_the_tenant_of_the_context(tenant_a: Tenant) -> None:
    with tenant_context(tenant_a):
        role = Role(name="Night lead", permissions=[Permission.BUILD_ROTA])
        role.save()
    assert role.tenant_id == tenant_a.pk


def test_saving_outside_any_context_raises(tenant_a: Tenant) -> None:
    role = Role(tenant=tenant_a, name="Orphan")
    with pytest.raises(TenantContextError):
        role.save()


def test_saving_one_tenants_object_in_anothers_context_raises(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with tenant_context(tenant_a):
        role = Role.objects.get(kind=RoleKind.MANAGER)
    with tenant_context(tenant_b), pytest.raises(TenantContextError):
        role.name = "Hijacked"
        role.save()
    with tenant_context(tenant_a):
        assert Role.objects.get(pk=role.pk).name == "Manager"


def test_deleting_in_another_tenants_context_raises(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_context(tenant_a):
        role = Role.objects.create(name="Temporary")
    with tenant_context(tenant_b), pytest.raises(TenantContextError):
        role.delete()


def test_clean_refuses_a_reference_to_another_tenants_row(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    with tenant_context(tenant_b):
        foreign_role = Role.objects.get(kind=RoleKind.OWNER)
    with tenant_context(tenant_a):
        membership = Membership(user=make_user(), role_id=foreign_role.pk)
        with pytest.raises(ValidationError) as excinfo:
            membership.full_clean()
    assert "role" in excinfo.value.message_dict


def test_role_refuses_unknown_permissions(tenant_a: Tenant) -> None:
    with tenant_context(tenant_a):
        role = Role(name="Odd", permissions=["launch_rockets"])
        with pytest.raises(ValidationError) as excinfo:
            role.full_clean()
    assert "launch_rockets" in str(excinfo.value)


def test_tenant_context_refuses_an_unsaved_tenant() -> None:
    with pytest.raises(TenantContextError), tenant_context(Tenant(name="x", slug="x")):
        pass


def test_scope_is_reset_after_the_block_even_on_error(tenant_a: Tenant) -> None:
    with pytest.raises(RuntimeError), tenant_context(tenant_a):
        assert current_tenant() == tenant_a
        raise RuntimeError("boom")
    assert current_tenant() is None


def test_nested_contexts_restore_the_outer_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_context(tenant_a):
        with tenant_context(tenant_b):
            assert {r.tenant_id for r in Role.objects.all()} == {tenant_b.pk}
        assert {r.tenant_id for r in Role.objects.all()} == {tenant_a.pk}


def test_reserved_and_malformed_slugs_are_refused() -> None:
    for slug in ["static", "accounts", "healthz"]:
        with pytest.raises(ValidationError):
            Tenant(name="Reserved", slug=slug).full_clean()
    with pytest.raises(ValidationError):
        Tenant(name="Bad zone", slug="bad-zone", time_zone="Mars/Olympus").full_clean()


def test_one_membership_per_person_and_tenant(tenant_a: Tenant) -> None:
    membership = member(tenant_a)
    with pytest.raises(ValidationError):
        member(tenant_a, user=membership.user)
