"""The URL map: public pages first, then everything under /<tenant_slug>/."""

from django.urls import path

from accounts.views import LoginView, LogoutView
from parim.views import healthz
from tenancy.views import dashboard, tenant_picker

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("", tenant_picker, name="tenant-picker"),
    path("<slug:tenant_slug>/", dashboard, name="dashboard"),
]
