"""The page before any company is chosen: which company to open."""

from django.urls import URLPattern, path

from tenancy import views

urlpatterns: list[URLPattern] = [
    path("", views.tenant_picker, name="tenant-picker"),
]
