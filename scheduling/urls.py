"""URLs of scheduling: each feature folder's own. Included under /<tenant_slug>/."""

from django.urls import URLResolver, include, path

urlpatterns: list[URLResolver] = [
    path("", include(f"scheduling.{feature}.urls"))
    for feature in ("setup", "rota", "employee", "leave", "marketplace", "patterns", "messaging")
]
