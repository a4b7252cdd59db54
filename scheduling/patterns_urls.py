"""URLs of scheduling's patterns pages. Included under /<tenant_slug>/ by scheduling.urls."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
