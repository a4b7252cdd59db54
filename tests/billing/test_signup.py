"""Company sign-up: verified email, a 14-day trial as owner, and clear refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from audit.models import AuditEntry
from billing.models import Signup
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tests.factories import make_user, tenant_with_roles

pytestmark = pytest.mark.django_db

FORM = {
    "company_name": "Harbour Lights Care",
    "slug": "",
    "full_name": "Nadia Harbour",
    "email": "nadia@harbour.test",
    "password": "lighthouse keeper morning tide",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    from django.core.cache import cache

    cache.clear()


def _sign_up(client: Client, **changes: str) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/signup/", {**FORM, **changes})


def _link(mailoutbox: Any) -> str:
    match = re.search(r"http://testserver(/signup/verify/[\w-]+/)", mailoutbox[-1].body)
    assert match is not None, mailoutbox[-1].body
    return match.group(1)


def test_a_company_signs_up_verifies_and_starts_a_trial_as_owner(
    client: Client, mailoutbox: Any
) -> None:
    response = _sign_up(client)
    assert response.status_code == 302 and response["Location"] == "/signup/sent/"
    assert not Tenant.objects.exists(), "nothing exists before the address is verified"
    assert mailoutbox[-1].to == ["nadia@harbour.test"]

    link = _link(mailoutbox)
    assert "Create Harbour Lights Care" in client.get(link).content.decode()
    assert not Tenant.objects.exists(), "opening the link (a mail scanner may) creates nothing"
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == "/harbour-lights-care/"

    tenant = Tenant.objects.get(slug="harbour-lights-care")
    assert tenant.status == "trial"
    assert tenant.trial_ends_at is not None
    assert timedelta(days=13) < tenant.trial_ends_at - timezone.now() <= timedelta(days=14)
    with tenant_context(tenant):
        owner = Membership.objects.select_related("role", "user").get()
        assert owner.role.kind == "owner" and owner.user.email == "nadia@harbour.test"
        assert AuditEntry.objects.filter(event="tenant.signed_up").exists()
    page = client.get("/harbour-lights-care/").content.decode()
    assert "free trial has 14 days left" in page
    assert "Add the places where your people work" in page and "Invite your people" in page
    assert "Name your Data Protection Officer" in page
    assert client.post(link).status_code == 404, "the link works once"


def test_the_address_is_suggested_and_kept_free(client: Client, mailoutbox: Any) -> None:
    tenant_with_roles(name="Harbour Lights Care", slug="harbour-lights-care")
    _sign_up(client)
    assert Signup.objects.get().slug == "harbour-lights-care-2"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "static"}, "reserved"),
        ({"slug": "taken"}, "taken"),
        ({"slug": "Not a slug!"}, "Enter a valid"),
        ({"password": "short"}, "use at least 12 characters"),
        ({"password": "password1234"}, "too common"),
        ({"email": "not-an-email"}, "valid email"),
        ({"company_name": ""}, "This field is required"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_created(
    client: Client, mailoutbox: Any, changes: dict[str, str], message: str
) -> None:
    tenant_with_roles(name="Taken", slug="taken")
    response = _sign_up(client, **changes)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Signup.objects.exists() and not mailoutbox


def test_a_registered_address_is_not_revealed_but_told_by_email(
    client: Client, mailoutbox: Any
) -> None:
    make_user(email="nadia@harbour.test")
    response = _sign_up(client, email="Nadia@Harbour.test")
    assert response["Location"] == "/signup/sent/", "the same answer as for a new address"
    assert not Signup.objects.exists()
    assert "already has a Parim account" in mailoutbox[-1].body
    assert "/signup/verify/" not in mailoutbox[-1].body


def test_an_expired_or_altered_link_says_so(client: Client, mailoutbox: Any) -> None:
    _sign_up(client)
    link = _link(mailoutbox)
    assert client.post(link[:-3] + "xx/").status_code == 404
    Signup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post(link)
    assert response.status_code == 404
    assert "This sign-up link is not valid" in response.content.decode()
    assert not Tenant.objects.exists()


def test_an_address_taken_meanwhile_is_explained(client: Client, mailoutbox: Any) -> None:
    _sign_up(client, slug="lights")
    tenant_with_roles(name="Someone else", slug="lights")
    response = client.post(_link(mailoutbox))
    assert response.status_code == 400
    assert "was taken meanwhile" in response.content.decode()


def test_the_signup_page_query_count_is_fixed(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        assert client.get("/signup/").status_code == 200


def test_sign_ups_are_limited_per_address_and_per_ip(client: Client, mailoutbox: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    for n in range(3):
        assert _sign_up(client, company_name=f"Flood {n}").status_code == 302
    over = _sign_up(client, company_name="Flood 4")
    assert over.status_code == 400
    assert "Too many sign-ups" in over.content.decode()
    assert len(mailoutbox) == 3
    for n in range(7):
        _sign_up(client, email=f"other{n}@harbour.test", company_name=f"Other {n}")
    assert _sign_up(client, email="eleventh@harbour.test").status_code == 400
    cache.clear()


def test_expired_sign_ups_are_purged(client: Client, mailoutbox: Any) -> None:
    from billing.tasks import purge_expired_signups

    _sign_up(client)
    assert purge_expired_signups() == 0
    Signup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_expired_signups() == 1
    assert not Signup.objects.exists()
