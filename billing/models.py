"""A company sign-up waiting for its email address to be verified (no tenant exists yet)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

from tenancy.models import TenantModel


class Signup(models.Model):
    """What a new company filled in. Nothing is created until the owner proves the address: the
    slug is not held, and the password is kept only as its hash; expired rows are useless."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company_name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=50)
    full_name = models.CharField(max_length=150)
    email = models.EmailField()
    password_hash = models.CharField(max_length=256)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    created_tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"Sign-up {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.expires_at > timezone.now()


class Subscription(TenantModel):
    """The tenant's Stripe subscription as last read from Stripe (never from a webhook body)."""

    stripe_subscription_id = models.CharField(max_length=64, blank=True)
    stripe_item_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    quantity = models.PositiveIntegerField(default=0)
    cancel_at_period_end = models.BooleanField(default=False)
    seat_changes = models.PositiveIntegerField(default=0)  # part of seat syncs' idempotency keys
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="billing_subscription_one")]

    def __str__(self) -> str:
        return f"Subscription {self.stripe_subscription_id or '(none)'}: {self.status or 'none'}"

    @property
    def is_live(self) -> bool:
        return bool(self.stripe_subscription_id) and self.status in {
            "active",
            "trialing",
            "past_due",
        }


class StripeEvent(models.Model):
    """Every webhook event received, by Stripe's id: a second insert of the same id means the
    event was already processed (Stripe redelivers)."""

    id = models.CharField(primary_key=True, max_length=255)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    matched_tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"{self.id} {self.type}"
