"""Acting as tenant A, every tenant URL with tenant B's slug or ids answers 404 and changes
nothing of B; and nothing A can see shows any of B's values."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.isolation.urls import Route, all_routes
from tests.isolation.world import (
    MARKER,
    PLAIN_URL_KWARGS,
    URL_KWARG_OBJECTS,
    Side,
    World,
    build_world,
    snapshot,
)

pytestmark = pytest.mark.django_db

TENANT_ROUTES = [route for route in all_routes() if route.is_tenant_route]
METHODS = ["get", "post", "put", "patch", "delete"]


@pytest.fixture
def world() -> World:
    return build_world()


def _url(route: Route, slug_side: Side, ids_side: Side) -> str:
    kwargs: dict[str, object] = {"tenant_slug": slug_side.tenant.slug}
    for name in route.kwargs:
        if name != "tenant_slug":
            kwargs[name] = URL_KWARG_OBJECTS[name](ids_side)
    return reverse(route.name, kwargs=kwargs)


def _client_for(side: Side) -> Client:
    """Signed in as the side's owner, on a browser that is also the side's enrolled kiosk
    tablet (the kiosk page's credential is the device cookie, not the sign-in)."""
    from attendance.kiosk.services import DEVICE_COOKIE

    client = Client()
    client.force_login(side.owner.user)
    client.cookies[DEVICE_COOKIE] = side.secrets["kiosk_device"]
    return client


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("route", TENANT_ROUTES, ids=lambda r: r.name)
def test_tenant_a_gets_404_on_tenant_b_urls_and_b_is_unchanged(
    world: World, route: Route, method: str
) -> None:
    client = _client_for(world.a)
    before = snapshot(world.b.tenant)
    targets = set()
    if not route.is_public_tenant_route:
        targets.add(_url(route, world.b, world.b))  # B's slug with B's ids
    # For a public tenant page (an invitation link) the token is the credential: B's own link
    # opens B's page for anyone holding it, but never under A's address.
    if set(route.kwargs) - {"tenant_slug"} - PLAIN_URL_KWARGS:
        targets.add(_url(route, world.a, world.b))  # A's own slug with B's ids
    for url in targets:
        response = getattr(client, method)(url)
        assert response.status_code == 404, f"{method.upper()} {url}"
        assert MARKER not in response.content.decode()
    assert snapshot(world.b.tenant) == before


@pytest.mark.parametrize("route", TENANT_ROUTES, ids=lambda r: r.name)
def test_tenant_a_pages_show_nothing_of_tenant_b(world: World, route: Route) -> None:
    client = _client_for(world.a)
    response = client.get(_url(route, world.a, world.a))
    assert response.status_code in {200, 302, 405}, response.status_code
    body = b"".join(response) if response.streaming else response.content
    assert MARKER.encode() not in body


@pytest.mark.parametrize(
    "slug", ["bravo", "no-such-company", "BRAVO", "alpha-typo", "static"], ids=str
)
def test_unknown_or_foreign_slug_looks_exactly_like_a_missing_page(world: World, slug: str) -> None:
    client = _client_for(world.a)
    missing = client.get("/no-such-company/")
    response = client.get(f"/{slug}/")
    assert response.status_code == 404
    assert _without_csrf(response.content) == _without_csrf(missing.content)


def _without_csrf(body: bytes) -> bytes:
    # The CSRF token is masked afresh for every response; everything else must be identical.
    body = re.sub(rb'name="csrf-token" content="[^"]+"', b"", body)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def test_picker_lists_only_own_tenants(world: World) -> None:
    from tests.factories import member

    member(world.b.tenant, user=world.a.owner.user)  # now in both tenants
    client = _client_for(world.a)
    page = client.get("/").content.decode()
    assert "Alpha Care" in page
    assert MARKER in page
    outsider = _client_for(world.b)
    response = outsider.get("/")
    assert response.status_code == 302  # one company: straight to it
    assert response["Location"] == "/bravo/"
