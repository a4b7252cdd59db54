"""Public pages of billing: signing up a company, and Stripe's webhook endpoint."""

from django.urls import URLPattern, path

from billing import views

urlpatterns: list[URLPattern] = [
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup-sent"),
    path("signup/verify/<str:token>/", views.signup_verify, name="signup-verify"),
    path("billing/stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
]
