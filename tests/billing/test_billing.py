"""Subscriptions against a local stand-in for Stripe's API (the real stripe library over HTTP),
and webhooks signed exactly as Stripe signs them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase, override_settings
from django.utils import timezone

from billing.models import StripeEvent, Subscription
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.billing.stripe_standin import StripeStandIn
from tests.factories import member

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_standin_secret"


@pytest.fixture
def stripe_standin() -> Iterator[StripeStandIn]:
    standin = StripeStandIn(SECRET).start()
    with override_settings(
        STRIPE_SECRET_KEY="sk_test_standin", STRIPE_PRICE_ID="price_per_member",
        STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=standin.url, ENTITLEMENTS_ENFORCED=True,
    ):  # fmt: skip
        yield standin
    standin.stop()


@pytest.fixture
def owner(tenant_a: Tenant) -> Membership:
    return member(tenant_a, kind=RoleKind.OWNER, email="owner@alpha.test")


def _post_event(client: Client, standin: StripeStandIn, body: str, secret: str = SECRET) -> Any:
    return client.post(
        "/billing/stripe/webhook/", body, content_type="application/json",
        HTTP_STRIPE_SIGNATURE=standin.sign(body, secret),
    )  # fmt: skip


def _tenant(tenant: Tenant) -> Tenant:
    return Tenant.objects.get(pk=tenant.pk)


def _subscribed(
    tenant: Tenant, standin: StripeStandIn, owner: Membership, client: Client
) -> dict[str, Any]:
    client.force_login(owner.user)
    response = client.post("/alpha/billing/checkout/")
    session_id = response["Location"].rsplit("/", 1)[1]
    session = standin.sessions[session_id]
    subscription = standin.subscription(session["customer"], session["quantity"])
    return subscription


def test_checkout_uses_one_customer_and_one_seat_per_active_member(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    member(tenant_a)
    member(tenant_a, status=Membership.Status.SUSPENDED)
    client.force_login(owner.user)
    first = client.post("/alpha/billing/checkout/")
    assert first.status_code == 302 and first["Location"].startswith(stripe_standin.url)
    second = client.post("/alpha/billing/checkout/")
    sessions = list(stripe_standin.sessions.values())
    assert len(stripe_standin.customers) == 1, "the customer is created once and reused"
    assert (
        sessions[0]["customer"] == sessions[1]["customer"] == _tenant(tenant_a).billing_customer_id
    )
    assert sessions[0]["quantity"] == 2  # the owner and the active member
    assert sessions[0]["client_reference_id"] == str(tenant_a.pk)
    assert sessions[0]["mode"] == "subscription" and second.status_code == 302


def test_the_webhook_activates_the_subscription(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    body = stripe_standin.event("customer.subscription.created", subscription)
    response = _post_event(Client(), stripe_standin, body)
    assert response.status_code == 200 and b"applied: active" in response.content
    assert _tenant(tenant_a).status == "active"
    with tenant_context(tenant_a):
        row = Subscription.objects.get()
    assert row.stripe_subscription_id == subscription["id"] and row.quantity == 1
    page = client.get("/alpha/billing/").content.decode()
    assert "Your subscription is active" in page and "Next invoice" in page


@pytest.mark.parametrize("signature", ["", "t=1,v1=deadbeef", "garbage"])
def test_a_bad_or_missing_signature_is_400_and_changes_nothing(
    tenant_a: Tenant, owner: Membership, client: Client, stripe_standin: StripeStandIn,
    signature: str,
) -> None:  # fmt: skip
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    body = stripe_standin.event("customer.subscription.created", subscription)
    headers: dict[str, Any] = {"HTTP_STRIPE_SIGNATURE": signature} if signature else {}
    response = Client().post("/billing/stripe/webhook/", body, content_type="application/json",
                             **headers)  # fmt: skip
    assert response.status_code == 400
    wrong_secret = _post_event(Client(), stripe_standin, body, secret="whsec_someone_else")
    assert wrong_secret.status_code == 400
    assert not StripeEvent.objects.exists()
    assert _tenant(tenant_a).status == "active" or _tenant(tenant_a).status != "read_only"


def test_a_redelivered_event_changes_nothing(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    body = stripe_standin.event("customer.subscription.created", subscription)
    assert b"applied" in _post_event(Client(), stripe_standin, body).content
    subscription["status"] = "canceled"  # even if Stripe's state moved on meanwhile
    again = _post_event(Client(), stripe_standin, body)
    assert again.status_code == 200 and again.content == b"already processed"
    assert _tenant(tenant_a).status == "active"
    assert StripeEvent.objects.count() == 1


def test_events_out_of_order_end_in_stripes_current_state(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    created = stripe_standin.event("customer.subscription.created", dict(subscription),
                                   created=1000)  # fmt: skip
    subscription["status"] = "canceled"
    deleted = stripe_standin.event("customer.subscription.deleted", dict(subscription),
                                   created=2000)  # fmt: skip
    _post_event(Client(), stripe_standin, deleted)  # the later event arrives first
    _post_event(Client(), stripe_standin, created)  # the stale one last
    assert _tenant(tenant_a).status == "read_only"


def test_an_event_for_an_unknown_customer_changes_nothing(
    tenant_a: Tenant, stripe_standin: StripeStandIn
) -> None:
    stranger = stripe_standin.subscription("cus_not_ours", 3)
    body = stripe_standin.event("customer.subscription.updated", stranger)
    response = _post_event(Client(), stripe_standin, body)
    assert response.status_code == 200 and b"unknown customer" in response.content
    assert _tenant(tenant_a).status == "active"
    assert StripeEvent.objects.get().matched_tenant is None


def test_tenant_ids_in_the_body_are_never_trusted(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, owner: Membership,
    stripe_standin: StripeStandIn,
) -> None:  # fmt: skip
    """An event naming tenant B in its metadata or client reference, for A's customer, changes
    only A (the tenant is found by the customer id we stored)."""
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    session = {"id": "cs_forged", "object": "checkout.session",
               "customer": subscription["customer"],
               "subscription": subscription["id"], "client_reference_id": str(tenant_b.pk),
               "metadata": {"tenant_id": str(tenant_b.pk)}}  # fmt: skip
    _post_event(
        Client(), stripe_standin, stripe_standin.event("checkout.session.completed", session)
    )
    assert _tenant(tenant_a).status == "active"
    assert _tenant(tenant_b).status == "active" and not _tenant(tenant_b).billing_customer_id
    with tenant_context(tenant_b):
        assert not Subscription.objects.exists()


def test_an_unknown_event_type_is_recorded_and_ignored(stripe_standin: StripeStandIn) -> None:
    body = stripe_standin.event("customer.tax_id.created", {"id": "txi_1", "customer": "cus_x"})
    response = _post_event(Client(), stripe_standin, body)
    assert response.status_code == 200 and b"ignored" in response.content


def test_payment_failure_gives_a_grace_period_then_read_only(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    subscription["status"] = "past_due"
    invoice = {"id": "in_1", "object": "invoice", "customer": subscription["customer"],
               "subscription": subscription["id"]}  # fmt: skip
    _post_event(Client(), stripe_standin, stripe_standin.event("invoice.payment_failed", invoice))
    tenant = _tenant(tenant_a)
    assert tenant.status == "past_due" and tenant.grace_ends_at is not None
    assert not tenant.is_read_only
    assert "The last payment failed" in client.get("/alpha/").content.decode()
    Tenant.objects.filter(pk=tenant.pk).update(grace_ends_at=timezone.now() - timedelta(seconds=1))
    assert _tenant(tenant_a).is_read_only


def test_a_read_only_tenant_keeps_everything_visible_but_changes_nothing(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    Tenant.objects.filter(pk=tenant_a.pk).update(status="read_only")
    client.force_login(owner.user)
    assert client.get("/alpha/people/").status_code == 200
    assert client.get("/alpha/audit/export.csv").status_code == 200
    response = client.post("/alpha/roles/new/", {"name": "New role", "permissions": []})
    assert response.status_code == 403
    assert "This company is read-only" in response.content.decode()
    assert client.get("/alpha/billing/").status_code == 200
    assert client.post("/alpha/billing/checkout/").status_code == 302, "paying still works"


def test_a_trial_that_has_ended_is_read_only(
    tenant_a: Tenant, stripe_standin: StripeStandIn
) -> None:
    Tenant.objects.filter(pk=tenant_a.pk).update(
        status="trial", trial_ends_at=timezone.now() - timedelta(minutes=1)
    )
    assert _tenant(tenant_a).is_read_only


def test_without_stripe_keys_billing_is_not_configured_and_nobody_is_restricted(
    client: Client, tenant_a: Tenant, owner: Membership
) -> None:
    Tenant.objects.filter(pk=tenant_a.pk).update(status="read_only")
    client.force_login(owner.user)
    assert "Billing is not configured" in client.get("/alpha/billing/").content.decode()
    assert (
        client.post("/alpha/roles/new/", {"name": "Allowed", "permissions": []}).status_code == 302
    )


def test_seats_follow_the_members_with_an_idempotency_key(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    _post_event(Client(), stripe_standin, stripe_standin.event("customer.subscription.created",
                                                                subscription))  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        newcomer = member(tenant_a)
    assert subscription["items"]["data"][0]["quantity"] == 2
    key = stripe_standin.idempotency_keys[-1]
    assert key == f"seats-{subscription['id']}-1"
    from billing.billing import seats_sync

    assert seats_sync(_tenant(tenant_a)) is False, "already in step: nothing sent"
    assert len(stripe_standin.modifications) == 1
    with tenant_context(tenant_a):
        assert Subscription.objects.get().quantity == 2
    assert newcomer.status == "active"


def test_billing_pages_need_the_manage_billing_permission(
    client: Client, tenant_a: Tenant, stripe_standin: StripeStandIn
) -> None:
    admin = member(tenant_a, kind=RoleKind.ADMIN)  # admins do not manage billing
    client.force_login(admin.user)
    assert client.get("/alpha/billing/").status_code == 403
    assert client.post("/alpha/billing/checkout/").status_code == 403
    assert not stripe_standin.customers


def _activate(
    client: Client, tenant: Tenant, standin: StripeStandIn, owner: Membership
) -> dict[str, Any]:
    subscription = _subscribed(tenant, standin, owner, client)
    _post_event(Client(), standin, standin.event("customer.subscription.created", subscription))
    return subscription


def test_a_failure_while_processing_leaves_the_event_for_stripes_retry(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    body = stripe_standin.event("customer.subscription.created", subscription)
    stripe_standin.failing_retrieves = 10  # Stripe is down (the library retries, too)
    with pytest.raises(Exception):  # noqa: B017, PT011  (the test client re-raises the 500)
        _post_event(Client(), stripe_standin, body)
    assert not StripeEvent.objects.exists(), "not recorded: the retry must be processed"
    stripe_standin.failing_retrieves = 0
    retry = _post_event(Client(), stripe_standin, body)
    assert b"applied: active" in retry.content
    assert _tenant(tenant_a).status == "active"


def test_an_old_subscriptions_events_do_not_override_the_live_one(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    old = _activate(client, tenant_a, stripe_standin, owner)
    old["status"] = "canceled"
    new = stripe_standin.subscription(old["customer"], 1)
    _post_event(
        Client(), stripe_standin, stripe_standin.event("customer.subscription.created", new)
    )
    late = _post_event(Client(), stripe_standin,
                       stripe_standin.event("customer.subscription.deleted", old))  # fmt: skip
    assert b"older subscription" in late.content
    assert _tenant(tenant_a).status == "active"
    with tenant_context(tenant_a):
        assert Subscription.objects.get().stripe_subscription_id == new["id"]


def test_checkout_is_refused_while_subscribed_and_offered_again_after_cancelling(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _activate(client, tenant_a, stripe_standin, owner)
    sessions = len(stripe_standin.sessions)
    response = client.post("/alpha/billing/checkout/", follow=True)
    assert "already have a subscription" in response.content.decode()
    assert len(stripe_standin.sessions) == sessions
    subscription["status"] = "canceled"
    _post_event(Client(), stripe_standin,
                stripe_standin.event("customer.subscription.deleted", subscription))  # fmt: skip
    assert _tenant(tenant_a).status == "read_only"
    page = client.get("/alpha/billing/").content.decode()
    assert ">Subscribe<" in page
    assert client.post("/alpha/billing/checkout/")["Location"].startswith(stripe_standin.url)


def test_invoice_events_read_the_subscription_where_the_current_api_puts_it(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    nested = {"subscription_details": {"subscription": subscription["id"]}}
    invoice = {"id": "in_2", "object": "invoice", "customer": subscription["customer"],
               "parent": nested}  # fmt: skip
    response = _post_event(Client(), stripe_standin, stripe_standin.event("invoice.paid", invoice))
    assert b"applied: active" in response.content


@pytest.mark.parametrize(
    "body",
    ['["not", "an", "object"]', '{"id": "evt_1", "type": "invoice.paid", "created": 1}', "{}"],
)
def test_malformed_but_signed_payloads_never_cause_a_500(
    stripe_standin: StripeStandIn, body: str
) -> None:
    response = _post_event(Client(), stripe_standin, body)
    assert response.status_code in {200, 400}
    assert not StripeEvent.objects.exists()


def test_an_event_for_a_subscription_stripe_does_not_know_is_ignored(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn
) -> None:
    subscription = _subscribed(tenant_a, stripe_standin, owner, client)
    ghost = {**subscription, "id": "sub_ghost"}
    event = stripe_standin.event("customer.subscription.updated", ghost)
    response = _post_event(Client(), stripe_standin, event)
    assert b"no such subscription" in response.content


def test_a_read_only_company_cannot_be_joined(
    client: Client, tenant_a: Tenant, owner: Membership, stripe_standin: StripeStandIn,
    mailoutbox: Any,
) -> None:  # fmt: skip
    import re

    client.force_login(owner.user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/alpha/people/invite/", {"email": "late@example.test",
                    "role": str(owner.role_id)})  # fmt: skip
    token = re.search(r"/join/([\w-]+)/", mailoutbox[-1].body).group(1)  # type: ignore[union-attr]
    Tenant.objects.filter(pk=tenant_a.pk).update(status="read_only")
    response = Client().post(f"/alpha/join/{token}/", {"full_name": "Late Comer",
                             "password": "a long enough passphrase"})  # fmt: skip
    assert response.status_code == 403
    with tenant_context(tenant_a):
        assert Membership.objects.count() == 1
