"""Sites, and managers limited to chosen sites through django-guardian object permissions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from scheduling.access import sites_for_member
from scheduling.models import Site, SiteUserObjectPermission
from scheduling.setup.services import member_sites_set
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, queries

pytestmark = pytest.mark.django_db


def _sites(tenant: Tenant, *names: str) -> list[Site]:
    with tenant_context(tenant):
        return [Site.objects.create(name=name) for name in names]


def _visible(membership: Membership) -> list[str]:
    with tenant_context(membership.tenant):
        return [site.name for site in sites_for_member(_reload(membership))]


def _reload(membership: Membership) -> Membership:
    with tenant_context(membership.tenant):
        return Membership.objects.select_related("user", "role").get(pk=membership.pk)


def test_a_manager_schedules_every_site_by_default(tenant_a: Tenant) -> None:
    _sites(tenant_a, "North", "South")
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    assert _visible(manager) == ["North", "South"]


def test_a_manager_limited_to_chosen_sites_sees_only_those(tenant_a: Tenant) -> None:
    north, south, east = _sites(tenant_a, "North", "South", "East")
    owner = member(tenant_a, kind=RoleKind.OWNER)
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    member_sites_set(tenant=tenant_a, actor=owner, membership=manager, all_sites=False,
                     sites=[north, east])  # fmt: skip
    assert _visible(manager) == ["East", "North"]
    member_sites_set(tenant=tenant_a, actor=owner, membership=_reload(manager), all_sites=False,
                     sites=[south])  # fmt: skip
    assert _visible(manager) == ["South"]
    member_sites_set(tenant=tenant_a, actor=owner, membership=_reload(manager), all_sites=True,
                     sites=[])  # fmt: skip
    assert _visible(manager) == ["East", "North", "South"]


def test_guardian_checks_the_object_permission(tenant_a: Tenant) -> None:
    from guardian.core import ObjectPermissionChecker

    north, south = _sites(tenant_a, "North", "South")
    owner = member(tenant_a, kind=RoleKind.OWNER)
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    member_sites_set(tenant=tenant_a, actor=owner, membership=manager, all_sites=False,
                     sites=[north])  # fmt: skip
    with tenant_context(tenant_a):
        checker = ObjectPermissionChecker(manager.user)
        assert checker.has_perm("schedule_site", north)
        assert not checker.has_perm("schedule_site", south)


def test_permission_rows_belong_to_the_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    (north,) = _sites(tenant_a, "North")
    owner = member(tenant_a, kind=RoleKind.OWNER)
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    member_sites_set(tenant=tenant_a, actor=owner, membership=manager, all_sites=False,
                     sites=[north])  # fmt: skip
    with tenant_context(tenant_a):
        assert [p.tenant_id for p in SiteUserObjectPermission.objects.all()] == [tenant_a.pk]
    with tenant_context(tenant_b):
        assert not SiteUserObjectPermission.objects.exists()


def test_another_tenants_site_cannot_be_granted(tenant_a: Tenant, tenant_b: Tenant) -> None:
    from django.core.exceptions import ValidationError

    (foreign,) = _sites(tenant_b, "Foreign")
    owner = member(tenant_a, kind=RoleKind.OWNER)
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    with pytest.raises(ValidationError):
        member_sites_set(tenant=tenant_a, actor=owner, membership=manager, all_sites=False,
                         sites=[foreign])  # fmt: skip
    assert _reload(manager).all_sites


def test_limiting_a_member_through_the_page(client: Client, tenant_a: Tenant) -> None:
    north, _south = _sites(tenant_a, "North", "South")
    admin = member(tenant_a, kind=RoleKind.ADMIN)
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    client.force_login(admin.user)
    url = f"/alpha/people/{manager.pk}/sites/"
    empty = client.post(url, {"scope": "chosen"})
    assert empty.status_code == 400
    assert "Choose at least one site" in empty.content.decode()
    assert _reload(manager).all_sites
    client.post(url, {"scope": "chosen", "sites": [str(north.pk)]})
    assert _visible(manager) == ["North"]

    manager_client = Client()
    manager_client.force_login(manager.user)
    page = manager_client.get("/alpha/sites/").content.decode()
    assert "North" in page and "South" not in page


def test_site_form_refuses_duplicates_and_unknown_time_zones(
    client: Client, tenant_a: Tenant
) -> None:
    _sites(tenant_a, "North")
    client.force_login(member(tenant_a, kind=RoleKind.ADMIN).user)
    duplicate = client.post("/alpha/sites/new/", {"name": "north", "time_zone": "Europe/London"})
    assert "Another site already has that name" in duplicate.content.decode()
    bad_zone = client.post("/alpha/sites/new/", {"name": "Mars", "time_zone": "Mars/Olympus"})
    assert bad_zone.status_code == 400
    with tenant_context(tenant_a):
        assert Site.objects.count() == 1


@pytest.mark.parametrize("sites", [2, 30])
def test_sites_page_query_count_is_fixed(
    client: Client, tenant_a: Tenant, django_assert_num_queries: Any, sites: int
) -> None:
    _sites(tenant_a, *[f"Site {n:02d}" for n in range(sites)])
    manager = member(tenant_a, kind=RoleKind.MANAGER)
    client.force_login(manager.user)
    with django_assert_num_queries(queries(7)):
        assert client.get("/alpha/sites/").status_code == 200
