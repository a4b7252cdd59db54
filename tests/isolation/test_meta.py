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
# Each use is named by its file and the function it is in; the import does not count.
SCOPES_DISABLED_ALLOWED = {
    "tenancy/selectors.py:memberships_of_user": "the directory read before a tenant is chosen",
    "tenancy/selectors.py:other_companies_holding": (
        "erasure: whether other companies still hold the person (counted, nothing read), "
        "under the same directory row-level security"
    ),
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


def _scope_lifts(tree: ast.AST) -> list[str]:
    """The function around each scopes_disabled() call ("<module>" at the top level)."""
    functions: list[str] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name == "scopes_disabled":
                functions.append(function)
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return functions


def test_scopes_disabled_appears_only_in_the_listed_places() -> None:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith((".venv/", ".tools/", "tests/", "var/")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found.update(f"{relative}:{function}" for function in _scope_lifts(tree))
    assert found == set(SCOPES_DISABLED_ALLOWED)
