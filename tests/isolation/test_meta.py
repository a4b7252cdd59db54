"""The isolation suite covers every URL and every tenant model; these fail when one is added
without being covered or listed with a reason."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tenancy.context import tenant_context
from tests.isolation.urls import all_routes
from tests.isolation.world import PUBLIC_URLS, URL_KWARG_OBJECTS, build_world, tenant_models

ROOT = Path(__file__).resolve().parents[2]

# Every place outside the tests where tenant scoping is lifted, and why (DESIGN.md 4.2).
SCOPES_DISABLED_ALLOWED = {
    "tenancy/selectors.py": "memberships_of_user: the directory read before a tenant is chosen",
}


def test_every_url_is_a_tenant_route_or_a_listed_public_one() -> None:
    for route in all_routes():
        if route.is_tenant_route:
            assert getattr(route.callback, "tenant_view", False), (
                f"{route.name}: under /<tenant_slug>/ but not wrapped in tenant_view"
            )
            unknown = set(route.kwargs) - {"tenant_slug"} - set(URL_KWARG_OBJECTS)
            assert not unknown, f"{route.name}: say in world.URL_KWARG_OBJECTS what {unknown} name"
        else:
            assert route.name in PUBLIC_URLS, (
                f"{route.name}: not a tenant route; list it in PUBLIC_URLS with a reason"
            )


def test_public_url_list_has_no_stale_entries() -> None:
    names = {route.name for route in all_routes()}
    assert set(PUBLIC_URLS) <= names


@pytest.mark.django_db
def test_every_tenant_model_is_populated_for_both_tenants() -> None:
    world = build_world()
    models = tenant_models()
    assert models
    for side in (world.a, world.b):
        with tenant_context(side.tenant):
            for model in models:
                assert model.objects.exists(), f"{model.__name__} is empty in {side.tenant.slug}"


def test_scopes_disabled_appears_only_in_the_listed_places() -> None:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", ".tools/", "tests/", "var/")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "scopes_disabled":
                found.add(relative)
            if isinstance(node, ast.Attribute) and node.attr == "scopes_disabled":
                found.add(relative)
    assert found == set(SCOPES_DISABLED_ALLOWED)
