"""Subscriptions: Checkout and the Billing Portal (Stripe-hosted: no card data touches us),
webhooks, seat sync. The tenant's entitlement (trial, active, past due, read-only) is tenancy's
state; billing writes it from what Stripe says."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.events import Event, emit
from billing.models import StripeEvent, Subscription
from billing.stripe_api import api
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

logger = logging.getLogger("parim.billing")

HANDLED_EVENTS = {
    "checkout.session.completed",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "invoice.paid",
    "invoice.payment_failed",
}
ACTIVE = {"active", "trialing"}
LIVE = {"active", "trialing", "past_due"}  # a subscription that is still billing
READ_ONLY = {"canceled", "unpaid", "incomplete_expired", "paused"}


def active_seats(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE).count()


def customer_for(tenant: Tenant, email: str) -> str:
    """The tenant's Stripe customer, created once and reused."""
    if tenant.billing_customer_id:
        return tenant.billing_customer_id
    # Only fixed parameters, so a retry under the same idempotency key is always accepted (the
    # email and name are collected on Stripe's Checkout page).
    customer = api().Customer.create(
        metadata={"tenant_id": str(tenant.pk)}, idempotency_key=f"customer-{tenant.pk}"
    )
    Tenant.objects.filter(pk=tenant.pk, billing_customer_id__isnull=True).update(
        billing_customer_id=customer["id"]
    )
    tenant.refresh_from_db(fields=["billing_customer_id"])
    return str(tenant.billing_customer_id)


def checkout_start(*, tenant: Tenant, actor: Membership, success_url: str, cancel_url: str) -> str:
    """A Checkout session for the plan, one seat per active member; returns its URL."""
    customer = customer_for(tenant, actor.user.email)
    session = api().checkout.Session.create(
        mode="subscription",
        customer=customer,
        client_reference_id=str(tenant.pk),
        line_items=[{"price": settings.STRIPE_PRICE_ID, "quantity": active_seats(tenant)}],
        success_url=success_url,
        cancel_url=cancel_url,
    )
    emit(Event.BILLING_CHECKOUT_STARTED, tenant=tenant, user=actor.user, target=tenant)
    return str(session["url"])


def portal_start(*, tenant: Tenant, actor: Membership, return_url: str) -> str:
    customer = customer_for(tenant, actor.user.email)
    session = api().billing_portal.Session.create(customer=customer, return_url=return_url)
    emit(Event.BILLING_PORTAL_OPENED, tenant=tenant, user=actor.user, target=tenant)
    return str(session["url"])


# Webhooks -------------------------------------------------------------------------------------


class BadSignatureError(Exception):
    """The request is not a webhook signed with our secret."""


def webhook_receive(payload: bytes, signature: str | None) -> str:
    """Verify, record once, process. Raises BadSignatureError (nothing recorded or changed)."""
    stripe = api()
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        data = event.to_dict()
    except (ValueError, TypeError, AttributeError, stripe.SignatureVerificationError) as exc:
        raise BadSignatureError(str(exc)) from None
    if not _well_formed(data):
        return "ignored: malformed event"
    # Recorded and processed in one transaction: if processing fails, the record goes too and
    # Stripe's retry is processed afresh. A concurrent redelivery waits on the unique id.
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                id=data["id"],
                type=data["type"],
                created=dt.datetime.fromtimestamp(int(data["created"]), dt.UTC),
            )
            outcome = _process(data, record)
            StripeEvent.objects.filter(pk=record.pk).update(outcome=outcome[:200])
    except IntegrityError:
        return "already processed"
    return outcome


def _well_formed(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and 0 < len(data["id"]) <= 255
        and isinstance(data.get("type"), str)
        and isinstance(data.get("created"), int)
        and isinstance((data.get("data") or {}).get("object"), dict)
    )


def _process(event: Any, record: StripeEvent) -> str:
    if event["type"] not in HANDLED_EVENTS:
        return "ignored: not a handled event type"
    obj = event["data"]["object"]
    customer = obj.get("customer")
    # Matched only through the customer id we stored for a tenant, nothing else in the body.
    tenant = Tenant.objects.filter(billing_customer_id=customer).first() if customer else None
    if tenant is None:
        return "ignored: unknown customer"
    StripeEvent.objects.filter(pk=record.pk).update(matched_tenant=tenant)
    if event["type"].startswith("customer.subscription."):
        subscription_id = obj.get("id")
    elif event["type"].startswith("invoice."):
        # Newer API versions nest it under parent.subscription_details.
        parent = (obj.get("parent") or {}).get("subscription_details") or {}
        subscription_id = obj.get("subscription") or parent.get("subscription")
    else:
        subscription_id = obj.get("subscription")
    if not isinstance(subscription_id, str) or not subscription_id:
        return "no subscription"
    stripe = api()
    try:
        # The subscription's current state, whatever order the events arrive in.
        current = stripe.Subscription.retrieve(subscription_id).to_dict()
    except stripe.InvalidRequestError:
        return "ignored: no such subscription"
    if current.get("customer") != tenant.billing_customer_id:
        return "ignored: subscription of another customer"
    with tenant_context(tenant):
        stored = Subscription.objects.filter(tenant=tenant).first()
    if (
        stored is not None
        and stored.stripe_subscription_id
        and stored.stripe_subscription_id != current["id"]
        and stored.status in LIVE
        and current.get("status") not in LIVE
    ):
        return "ignored: an older subscription (another one is live)"
    subscription_apply(tenant=tenant, subscription=current)
    return f"applied: {current.get('status')}"


def subscription_apply(*, tenant: Tenant, subscription: Any) -> None:
    """Store Stripe's current subscription and set the tenant's entitlement from its status."""
    status = str(subscription.get("status") or "")
    items = (subscription.get("items") or {}).get("data") or []
    item = items[0] if items else {}
    period_end = subscription.get("current_period_end") or item.get("current_period_end")
    with tenant_context(tenant), transaction.atomic():
        Subscription.objects.get_or_create(tenant=tenant)
        row = Subscription.objects.select_for_update().get(tenant=tenant)
        row.stripe_subscription_id = str(subscription["id"])
        row.stripe_item_id = str(item.get("id") or "")
        row.status = status
        row.quantity = int(item.get("quantity") or 0)
        row.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
        row.current_period_end = (
            dt.datetime.fromtimestamp(int(period_end), dt.UTC) if period_end else None
        )
        row.save()
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = locked.status
        if status in ACTIVE:
            locked.status, locked.grace_ends_at = Tenant.Status.ACTIVE, None
        elif status == "past_due":
            locked.status = Tenant.Status.PAST_DUE
            locked.grace_ends_at = locked.grace_ends_at or timezone.now() + dt.timedelta(
                days=settings.BILLING_GRACE_DAYS
            )
        elif status in READ_ONLY:
            locked.status = Tenant.Status.READ_ONLY
        locked.save(update_fields=["status", "grace_ends_at"])
        if locked.status != before:
            emit(Event.BILLING_ENTITLEMENT_CHANGED, tenant=tenant, target=tenant,
                 data={"from": before, "to": locked.status, "stripe_status": status})  # fmt: skip
        if status in LIVE and row.quantity != active_seats(tenant):
            # Members changed between Checkout and this event: bring the seats in step.
            from billing.tasks import sync_seats

            outbox.enqueue(sync_seats.name, str(tenant.pk), tenant=tenant)


# Seats ----------------------------------------------------------------------------------------


def seats_sync(tenant: Tenant) -> bool:
    """Set the subscription's quantity to the active members, compared with Stripe's real
    quantity; True if it changed. Runs with the subscription row locked (one sync at a time,
    never crossing a webhook), and the idempotency key carries a counter of changes, so a retry
    of the same change is deduplicated by Stripe but a later, identical-looking change is not."""
    with tenant_context(tenant), transaction.atomic():
        row = Subscription.objects.select_for_update().filter(tenant=tenant).first()
        if row is None or not row.stripe_subscription_id or row.status not in LIVE:
            return False
        seats = active_seats(tenant)
        stripe = api()
        current = stripe.Subscription.retrieve(row.stripe_subscription_id).to_dict()
        items = (current.get("items") or {}).get("data") or []
        if not items or int(items[0].get("quantity") or 0) == seats:
            return False
        row.seat_changes += 1
        row.save(update_fields=["seat_changes", "updated_at"])
        updated = stripe.Subscription.modify(
            row.stripe_subscription_id,
            items=[{"id": items[0]["id"], "quantity": seats}],
            proration_behavior="create_prorations",
            idempotency_key=f"seats-{row.stripe_subscription_id}-{row.seat_changes}",
        )
        subscription_apply(tenant=tenant, subscription=updated.to_dict())
    return True
