"""The people page, invitations and the owner rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tenancy.context import tenant_context
from tenancy.models import Invitation, Membership, Role, Tenant
from tenancy.permissions import RoleKind
from tests.factories import TEST_PASSWORD, make_user, member, queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant_a: Tenant) -> Membership:
    return member(tenant_a, kind=RoleKind.ADMIN, email="admin@alpha.test", full_name="Ada Admin")


@pytest.fixture
def owner(tenant_a: Tenant) -> Membership:
    return member(tenant_a, kind=RoleKind.OWNER, email="owner@alpha.test", full_name="Olu Owner")


def _role(tenant: Tenant, kind: RoleKind) -> Role:
    with tenant_context(tenant):
        return Role.objects.get(kind=kind)


def _reload(membership: Membership) -> Membership:
    with tenant_context(membership.tenant):
        return Membership.objects.select_related("role").get(pk=membership.pk)


def test_people_page_needs_the_manage_people_permission(
    client: Client, tenant_a: Tenant, employee_a: Membership
) -> None:
    client.force_login(employee_a.user)
    response = client.get("/alpha/people/")
    assert response.status_code == 403
    assert "You don't have permission to do that" in response.content.decode()


def test_people_page_lists_members_with_role_status_and_two_factor(
    client: Client, admin: Membership, employee_a: Membership
) -> None:
    client.force_login(admin.user)
    page = client.get("/alpha/people/").content.decode()
    assert "employee@alpha.test" in page and "Ada Admin" in page
    assert "Employee" in page and "Active" in page and "Off" in page


@pytest.mark.parametrize("members", [3, 70])
def test_people_page_query_count_is_fixed(
    client: Client, admin: Membership, django_assert_num_queries: Any, members: int
) -> None:
    for _ in range(members):
        member(admin.tenant)
    client.force_login(admin.user)
    # 6 for any tenant page, then: the member count, a page of members, their 2FA flags, the
    # roles, the open invitations.
    with django_assert_num_queries(queries(11)):
        assert client.get("/alpha/people/").status_code == 200


def _invite(client: Client, email: str, role: Role) -> Any:
    from django.test import TestCase

    # The email goes out when the transaction commits; the test's transaction never does.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/alpha/people/invite/", {"email": email, "role": str(role.pk)})


def test_an_invitation_is_emailed_with_a_one_time_link_stored_only_as_a_hash(
    client: Client, tenant_a: Tenant, admin: Membership, mailoutbox: Any
) -> None:
    client.force_login(admin.user)
    response = _invite(client, "New.Person@Example.test", _role(tenant_a, RoleKind.MANAGER))
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.person@example.test"]
    token = re.search(r"/alpha/join/([\w-]+)/", mailoutbox[0].body).group(1)  # type: ignore[union-attr]
    with tenant_context(tenant_a):
        invitation = Invitation.objects.get()
    assert token not in invitation.token_hash
    assert invitation.email == "new.person@example.test"


def test_inviting_with_another_tenants_role_is_a_form_error(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, admin: Membership, mailoutbox: Any
) -> None:
    client.force_login(admin.user)
    response = _invite(client, "x@example.test", _role(tenant_b, RoleKind.EMPLOYEE))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    with tenant_context(tenant_a):
        assert not Invitation.objects.exists()
    assert not mailoutbox


def test_inviting_an_existing_member_is_refused(
    client: Client, tenant_a: Tenant, admin: Membership, employee_a: Membership
) -> None:
    client.force_login(admin.user)
    response = _invite(client, "employee@alpha.test", _role(tenant_a, RoleKind.EMPLOYEE))
    assert "already a member" in response.content.decode()


def test_an_admin_cannot_invite_an_owner(
    client: Client, tenant_a: Tenant, admin: Membership
) -> None:
    client.force_login(admin.user)
    response = _invite(client, "boss@example.test", _role(tenant_a, RoleKind.OWNER))
    assert "Only an owner can invite another owner" in response.content.decode()


def _token(client: Client, tenant: Tenant, admin: Membership, email: str, mailoutbox: Any) -> str:
    client.force_login(admin.user)
    _invite(client, email, _role(tenant, RoleKind.EMPLOYEE))
    client.logout()
    return re.search(r"/join/([\w-]+)/", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]


def test_a_new_person_accepts_by_choosing_a_password_under_the_policy(
    client: Client, tenant_a: Tenant, admin: Membership, mailoutbox: Any
) -> None:
    token = _token(client, tenant_a, admin, "new@example.test", mailoutbox)
    url = f"/alpha/join/{token}/"
    page = client.get(url).content.decode()
    assert "Join Alpha Care" in page and "Employee" in page
    short = client.post(url, {"full_name": "Nia New", "password": "too-short"})
    assert short.status_code == 400
    assert "use at least 12 characters" in short.content.decode()
    response = client.post(url, {"full_name": "Nia New", "password": "a fine long passphrase"})
    assert response.status_code == 302
    assert response["Location"] == "/alpha/"
    assert client.get("/alpha/").status_code == 200
    assert client.get(url).status_code == 404, "the link works once"


def test_someone_with_an_account_signs_in_and_joins_a_second_company(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, admin: Membership, mailoutbox: Any
) -> None:
    existing = member(tenant_b, email="both@example.test")
    token = _token(client, tenant_a, admin, "both@example.test", mailoutbox)
    url = f"/alpha/join/{token}/"
    assert "Sign in to accept" in client.get(url).content.decode()
    client.post("/accounts/login/", {"username": "both@example.test", "password": TEST_PASSWORD})
    assert client.post(url).status_code == 302
    with tenant_context(tenant_a):
        assert Membership.objects.filter(user=existing.user, status="active").exists()


def test_an_invitation_for_someone_else_is_not_accepted(
    client: Client, tenant_a: Tenant, admin: Membership, mailoutbox: Any
) -> None:
    token = _token(client, tenant_a, admin, "intended@example.test", mailoutbox)
    client.force_login(make_user(email="intruder@example.test"))
    response = client.post(f"/alpha/join/{token}/")
    assert "different email address" in response.content.decode()
    with tenant_context(tenant_a):
        assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize("how", ["expired", "altered", "revoked", "other-company"])
def test_an_unusable_link_says_so_and_changes_nothing(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, admin: Membership, mailoutbox: Any,
    how: str,
) -> None:  # fmt: skip
    token = _token(client, tenant_a, admin, "new@example.test", mailoutbox)
    url = f"/alpha/join/{token}/"
    with tenant_context(tenant_a):
        if how == "expired":
            Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        if how == "revoked":
            Invitation.objects.update(revoked_at=timezone.now())
    if how == "altered":
        url = f"/alpha/join/{token[:-2]}xx/"
    if how == "other-company":
        url = f"/bravo/join/{token}/"
    response = client.post(url, {"full_name": "Nia New", "password": "a fine long passphrase"})
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()
    assert client.get("/alpha/").status_code == 302  # not signed in


def test_suspend_reactivate_and_remove(
    client: Client, admin: Membership, employee_a: Membership
) -> None:
    client.force_login(admin.user)
    url = f"/alpha/people/{employee_a.pk}/"
    client.post(url, {"action": "suspend"})
    assert _reload(employee_a).status == "suspended"
    client.post(url, {"action": "reactivate"})
    assert _reload(employee_a).status == "active"
    client.post(url, {"action": "remove"})
    assert _reload(employee_a).status == "left"


def test_changing_a_role_with_another_tenants_role_changes_nothing(
    client: Client, tenant_b: Tenant, admin: Membership, employee_a: Membership
) -> None:
    client.force_login(admin.user)
    foreign = _role(tenant_b, RoleKind.ADMIN)
    response = client.post(
        f"/alpha/people/{employee_a.pk}/", {"action": "role", "role": str(foreign.pk)}, follow=True
    )
    assert "Choose a valid role" in response.content.decode()
    assert _reload(employee_a).role.kind == RoleKind.EMPLOYEE


def test_an_admin_cannot_demote_suspend_or_remove_an_owner(
    client: Client, tenant_a: Tenant, admin: Membership, owner: Membership
) -> None:
    client.force_login(admin.user)
    url = f"/alpha/people/{owner.pk}/"
    for data in [
        {"action": "role", "role": str(_role(tenant_a, RoleKind.EMPLOYEE).pk)},
        {"action": "suspend"},
        {"action": "remove"},
    ]:
        response = client.post(url, data, follow=True)
        assert "Only an owner can change or remove another owner" in response.content.decode()
    reloaded = _reload(owner)
    assert reloaded.role.kind == RoleKind.OWNER
    assert reloaded.status == "active"


def test_the_last_owner_cannot_be_demoted(
    client: Client, tenant_a: Tenant, owner: Membership
) -> None:
    second = member(tenant_a, kind=RoleKind.OWNER)
    client.force_login(owner.user)
    employee_role = str(_role(tenant_a, RoleKind.EMPLOYEE).pk)
    client.post(f"/alpha/people/{second.pk}/", {"action": "role", "role": employee_role})
    assert _reload(second).role.kind == RoleKind.EMPLOYEE
    # Now `owner` is the only one left; a second owner-level account tries to demote them.
    client.force_login(second.user)
    lone = member(tenant_a, kind=RoleKind.OWNER)
    client.force_login(lone.user)
    client.post(f"/alpha/people/{owner.pk}/", {"action": "role", "role": employee_role})
    response = client.post(f"/alpha/people/{lone.pk}/", {"action": "suspend"}, follow=True)
    assert "You cannot suspend or remove yourself" in response.content.decode()
    assert _reload(lone).status == "active"


def test_a_company_always_keeps_one_owner() -> None:
    from django.core.exceptions import ValidationError

    from tenancy.services import membership_change_role, tenant_create

    tenant = tenant_create(name="Solo", slug="solo")
    only = member(tenant, kind=RoleKind.OWNER)
    # The only owner can neither demote themselves nor be demoted by anyone else.
    with pytest.raises(ValidationError, match=r"your own role|at least one owner"):
        membership_change_role(
            tenant=tenant, actor=only, membership=only, role=_role(tenant, RoleKind.ADMIN)
        )
    assert _reload(only).role.kind == RoleKind.OWNER


def test_a_join_link_does_not_reveal_whether_a_company_exists(
    client: Client, tenant_a: Tenant
) -> None:
    known = client.get("/alpha/join/not-a-real-token/")
    unknown = client.get("/no-such-company/join/not-a-real-token/")
    assert known.status_code == unknown.status_code == 404
    assert known.content == unknown.content


def test_invite_someone_is_the_pages_primary_action_and_an_error_reopens_it(
    client: Client, tenant_a: Tenant, admin: Membership, mailoutbox: Any
) -> None:
    client.force_login(admin.user)
    page = client.get("/alpha/people/").content.decode()
    header = page[
        page.index('<div class="page-header">') : page.index(
            "</div>", page.index('<div class="page-header">')
        )
    ]
    assert 'data-dialog-open="invite"' in header and "Invite someone" in header
    assert (
        '<dialog class="dialog" id="invite" aria-labelledby="invite-heading">' in page
    )  # closed at first

    response = _invite(client, "not an address", _role(tenant_a, RoleKind.EMPLOYEE))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="invite" aria-labelledby="invite-heading" data-open-on-load' in page
    assert "Enter a valid email address" in page
    with tenant_context(tenant_a):
        assert not Invitation.objects.exists()
    assert not mailoutbox
