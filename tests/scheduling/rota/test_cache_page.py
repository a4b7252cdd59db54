"""The rota page's content is kept rendered with its week (scheduling/rota/html.py: RotaPage), so
what differs between two viewers of one kept page must not come from the cache: each session's
CSRF token, and the buttons each one's permissions give.

Committed (transaction=True), as test_cache.py: an entry is stored when its request commits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from scheduling.rota import cache as rota_cache
from scheduling.rota.html import GRID_SLOT, RotaPage
from tenancy.context import tenant_context
from tenancy.models import Membership, Role
from tenancy.permissions import Permission, RoleKind
from tests.builders import MONDAY, add_shift, at, build_rota
from tests.factories import member, tenant_with_roles
from tests.scheduling.rota.test_cache import (  # the test cache, autouse, and the budget
    HIT_QUERIES,
    _own_cache,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
__all__ = ["_own_cache"]

PAGE = f"/alpha/rota/?week={MONDAY}"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _client(membership: Membership) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(membership.user)
    return client


def _page(client: Client, **headers: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE, headers=headers)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def _with_role(tenant: Any, name: str, permissions: list[Permission]) -> Membership:
    person = member(tenant, kind=RoleKind.EMPLOYEE, full_name=name)
    with tenant_context(tenant):
        person.role = Role.objects.create(name=name, permissions=permissions)
        person.save(update_fields=["role"])
    return person


def test_a_kept_page_carries_each_sessions_own_csrf_token() -> None:
    rota = build_rota("alpha", people=2)
    add_shift(rota, rota.people[0], at(MONDAY, 8))
    other_admin = member(rota.tenant, kind=RoleKind.ADMIN, full_name="Ada Other")
    first, second = _client(rota.admin), _client(other_admin)
    first_body, _ = _page(first)
    second_body, queries = _page(second)
    assert queries == HIT_QUERIES  # the same week, kept: its content came from the cache
    first_tokens, second_tokens = TOKEN.findall(first_body), TOKEN.findall(second_body)
    # The header's sign-out form, rendered per request, then the kept content's copy and clear
    # forms, filled in with one token.
    assert len(second_tokens) == 3 and second_tokens[1] == second_tokens[2]
    assert "\x00" not in second_body and "\x00" not in first_body
    # htmx's refresh of the grid alone is kept too, and filled in the same way.
    grid, queries = _page(second, HX_Request="true", HX_Target="rota-grid")
    assert queries == HIT_QUERIES
    assert grid.lstrip().startswith('<div id="rota-grid"') and "<html" not in grid
    [grid_token] = TOKEN.findall(grid)
    assert "\x00" not in grid
    # Each token works for its own session only: the content was not served with the first's.
    copy, week = "/alpha/rota/copy-previous-week/", MONDAY.isoformat()
    refused = second.post(copy, {"week": week, "csrfmiddlewaretoken": first_tokens[1]})
    assert refused.status_code == 403
    done = second.post(copy, {"week": week, "csrfmiddlewaretoken": second_tokens[1]})
    assert done.status_code == 302
    cleared = second.post(
        "/alpha/rota/clear-drafts/", {"week": week, "csrfmiddlewaretoken": grid_token}
    )
    assert cleared.status_code == 302


def test_a_kept_page_shows_each_viewer_the_buttons_of_their_own_permissions() -> None:
    rota = build_rota("alpha", people=2)
    seen = [Permission.BUILD_ROTA, Permission.VIEW_PERSONAL_DATA]
    builder = _with_role(rota.tenant, "Builder", seen)
    publisher = _with_role(rota.tenant, "Publisher", [*seen, Permission.PUBLISH_ROTA])
    publish = "Review and publish"
    body, _ = _page(_client(builder))
    assert publish not in body
    body, _ = _page(_client(publisher))
    assert publish in body
    body, queries = _page(_client(builder))
    assert queries == HIT_QUERIES and publish not in body


def test_a_kept_empty_rota_offers_adding_a_site_only_to_who_may() -> None:
    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    seen = [Permission.BUILD_ROTA, Permission.VIEW_PERSONAL_DATA]
    builder = _with_role(tenant, "Builder", seen)
    admin = _with_role(tenant, "Settings", [*seen, Permission.MANAGE_SETTINGS])
    add_site = ">Add a site</a>"
    body, _ = _page(_client(admin))
    assert "No sites to schedule" in body and add_site in body
    body, _ = _page(_client(builder))
    assert "No sites to schedule" in body and add_site not in body
    body, queries = _page(_client(admin))
    assert queries == HIT_QUERIES and add_site in body


def test_the_grid_is_kept_once_and_the_page_is_whole() -> None:
    rota = build_rota("alpha", people=2)
    add_shift(rota, rota.people[0], at(MONDAY, 8))
    body, _ = _page(_client(rota.admin))
    store = caches[rota_cache.ALIAS]
    [key] = [key for key in store._cache if "rota:" in key]  # type: ignore[attr-defined]
    _snapshot, page, _people = store.get(key.split(":", 2)[-1])
    assert isinstance(page, RotaPage)
    table = '<table class="rota"'
    assert table in page.grid and table not in page.before and table not in (page.after or "")
    assert page.before.lstrip().startswith('<div class="page-header rota-header">')
    assert body.count(table) == 1 and body.count('id="rota-grid"') == 1


def test_a_page_is_split_around_its_one_grid() -> None:
    monday = MONDAY
    page = RotaPage.of(monday, f"<h1>Rota</h1>{GRID_SLOT}<dialog></dialog>", "<div>grid</div>")
    assert (page.before, page.grid, page.after) == ("<h1>Rota</h1>", "<div>grid</div>",
                                                    "<dialog></dialog>")  # fmt: skip
    empty = RotaPage.of(monday, "<p>No sites to schedule</p>", "<div>grid</div>")
    assert empty.after is None
    with pytest.raises(ValueError, match="more than once"):
        RotaPage.of(monday, f"{GRID_SLOT}{GRID_SLOT}", "<div>grid</div>")
