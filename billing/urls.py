"""Tenant pages of billing: status, Stripe Checkout and Billing Portal. Included under
/<tenant_slug>/."""

from django.urls import URLPattern, path

from billing import views

urlpatterns: list[URLPattern] = [
    path("billing/", views.billing_page, name="billing"),
    path("billing/checkout/", views.billing_checkout, name="billing-checkout"),
    path("billing/portal/", views.billing_portal, name="billing-portal"),
    path("billing/return/", views.billing_return, name="billing-return"),
    path("billing/status/", views.billing_status, name="billing-status"),
]
