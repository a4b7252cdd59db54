"""The tenant pages' main navigation (parim/templatetags/navigation.py): the links a member's
role allows, in groups, the current page marked, the unread badge, and nothing for someone who
is not a member."""

import re

import pytest
from django.test import Client

from parim.templatetags.navigation import GROUPS, LINKS
from tenancy.context import tenant_context
from tenancy.models import Tenant
from tenancy.permissions import Permission, RoleKind
from tests.factories import member

pytestmark = pytest.mark.django_db


def _nav(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    found = re.search(r'<nav class="app-nav".*?</nav>', page, re.S)
    assert found is not None, "no main navigation on the page"
    return found.group(0)


def _links(nav: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', nav)


def test_an_employee_sees_only_the_links_of_every_member(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.EMPLOYEE).user)
    links = _links(_nav(client, "/alpha/my-shifts/"))
    assert links == [
        "/alpha/", "/alpha/notifications/", "/alpha/my-shifts/", "/alpha/clock/",
        "/alpha/my-timesheet/", "/alpha/my-leave/", "/alpha/open-shifts/", "/alpha/swaps/",
    ]  # fmt: skip


def test_an_owner_sees_every_link_in_order(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.OWNER).user)
    links = _links(_nav(client, "/alpha/"))
    assert len(links) == len(LINKS)
    assert links[0] == "/alpha/"
    assert links[-1] == "/alpha/audit/"
    assert "/alpha/rota/" in links and "/alpha/billing/" in links


def test_a_manager_sees_scheduling_links_but_not_billing(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.MANAGER).user)
    links = _links(_nav(client, "/alpha/"))
    assert "/alpha/rota/" in links and "/alpha/leave/" in links
    assert "/alpha/billing/" not in links and "/alpha/people/" not in links


def test_the_current_page_and_its_subpages_are_marked(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.EMPLOYEE).user)
    nav = _nav(client, "/alpha/my-availability/")  # under "Leave & availability"
    current = re.findall(r'<a href="([^"]+)" aria-current="page">', nav)
    assert current == ["/alpha/my-leave/"]
    assert "Leave &amp; availability" in nav  # escaped once, not twice
    assert 'id="notifications-badge" hx-get="/alpha/notifications/badge/"' in nav


def test_a_page_for_non_members_has_no_navigation(client: Client, tenant_a: Tenant) -> None:
    page = client.get("/alpha/join/not-a-real-token/").content.decode()
    assert 'class="app-nav"' not in page and "nav-toggle" not in page


def test_links_come_in_groups_and_a_group_with_nothing_allowed_is_not_shown(
    client: Client, tenant_a: Tenant
) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.EMPLOYEE).user)
    nav = _nav(client, "/alpha/")
    headings = re.findall(r'<h2 class="app-nav__heading" id="[^"]+">([^<]+)</h2>', nav)
    assert headings == ["My work"]
    client.force_login(member(tenant_a, kind=RoleKind.OWNER).user)
    nav = _nav(client, "/alpha/")
    headings = re.findall(r'<h2 class="app-nav__heading" id="[^"]+">([^<]+)</h2>', nav)
    assert headings == [str(group.label) for group in GROUPS if group.label is not None]
    assert headings == ["My work", "Schedule", "Team", "Company", "Compliance"]


def test_the_menu_button_controls_the_navigation(client: Client, tenant_a: Tenant) -> None:
    client.force_login(member(tenant_a, kind=RoleKind.EMPLOYEE).user)
    page = client.get("/alpha/").content.decode()
    assert 'class="nav-toggle" aria-controls="app-nav" aria-expanded="false" hidden' in page
    assert '<nav class="app-nav" id="app-nav"' in page


def test_every_link_names_a_page_the_role_may_open(client: Client, tenant_a: Tenant) -> None:
    """No link in the navigation answers 403 or 404 for the role it is shown to."""
    for kind in (
        RoleKind.OWNER,
        RoleKind.ADMIN,
        RoleKind.MANAGER,
        RoleKind.EMPLOYEE,
        RoleKind.AUDITOR,
    ):
        person = member(tenant_a, kind=kind)
        client.force_login(person.user)
        for url in _links(_nav(client, "/alpha/")):
            assert client.get(url).status_code == 200, (kind, url)


def test_the_navigation_made_once_follows_a_change_of_the_role_at_once(
    client: Client, tenant_a: Tenant
) -> None:
    """The navigation is kept per set of links allowed (parim/templatetags/navigation.py), not
    per role: a role given a permission shows its links on the very next page."""
    person = member(tenant_a, kind=RoleKind.EMPLOYEE)
    client.force_login(person.user)
    assert "/alpha/leave/" not in _links(_nav(client, "/alpha/"))
    role = person.role
    with tenant_context(tenant_a):
        role.permissions = [*role.permissions, str(Permission.APPROVE_LEAVE)]
        role.save(update_fields=["permissions"])
    assert "/alpha/leave/" in _links(_nav(client, "/alpha/"))
    # The same company and page, a member of another role: their own links, not the first's.
    client.force_login(member(tenant_a, kind=RoleKind.AUDITOR).user)
    links = _links(_nav(client, "/alpha/"))
    assert "/alpha/leave/" not in links and "/alpha/audit/" in links
