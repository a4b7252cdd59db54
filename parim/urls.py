"""The URL map: each app's own URLs, public pages first, then everything under /<tenant_slug>/."""

from django.urls import URLResolver, include, path

from parim.views import healthz, security_txt

tenant_patterns: list[URLResolver] = [
    path("", include(f"{app}.urls"))
    for app in ("tenancy", "gdpr", "scheduling", "planning", "attendance", "billing", "audit")
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(".well-known/security.txt", security_txt, name="security-txt"),
    path("accounts/", include("accounts.urls")),
    path("", include("billing.public_urls")),
    path("", include("tenancy.public_urls")),
    path("<slug:tenant_slug>/", include(tenant_patterns)),
]
