"""Journey: an owner starts Checkout, pays on the (stand-in) Stripe page, comes back, and sees
the subscription active once the signed webhook has arrived."""

from __future__ import annotations

import copy
import re
from typing import Any

from django.conf import settings
from django.test import override_settings
from playwright.sync_api import Page, expect

from tenancy.models import Tenant
from tenancy.permissions import RoleKind
from tests.billing.stripe_standin import StripeStandIn
from tests.e2e.conftest import assert_accessible, menu, sign_in
from tests.factories import TEST_PASSWORD, member, tenant_with_roles


def test_an_owner_subscribes_through_checkout_and_sees_it_active(
    page: Page, live_server: Any, transactional_db: None
) -> None:
    standin = StripeStandIn("whsec_e2e_secret").start()
    standin.webhook_url = f"{live_server.url}/billing/stripe/webhook/"
    acme = tenant_with_roles(name="Acme Care Homes", slug="acme", status=Tenant.Status.TRIAL)
    member(acme, kind=RoleKind.OWNER, email="owner@acme.test", full_name="Priya Shah")
    try:
        csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        csp["DIRECTIVES"]["form-action"].append(standin.url)  # the stand-in's Checkout page
        with override_settings(
            STRIPE_SECRET_KEY="sk_test_e2e", STRIPE_PRICE_ID="price_per_member",
            STRIPE_WEBHOOK_SECRET="whsec_e2e_secret", STRIPE_API_BASE=standin.url,
            ENTITLEMENTS_ENFORCED=True, CONTENT_SECURITY_POLICY=csp,
        ):  # fmt: skip
            sign_in(page, "owner@acme.test", TEST_PASSWORD)
            menu(page).get_by_role("link", name="Billing").click()
            expect(page.get_by_text("You are on the free trial.")).to_be_visible()
            assert_accessible(page, "billing")
            page.get_by_role("button", name="Subscribe").click()

            expect(page.get_by_role("heading", name="Stand-in Checkout")).to_be_visible()
            page.get_by_role("button", name="Pay").click()

            expect(page).to_have_url(re.compile(r"/acme/billing/return/$"))
            expect(page.get_by_text("Your subscription is active.")).to_be_visible(timeout=15_000)
            assert_accessible(page, "billing-return")
            page.get_by_role("link", name="Back to billing").click()
            expect(page.get_by_text("Next invoice")).to_be_visible()
        assert Tenant.objects.get(slug="acme").status == "active"
    finally:
        standin.stop()
