"""URLs of attendance. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from attendance.clocking import views as clocking

urlpatterns: list[URLPattern] = [
    path("clock/", clocking.clock, name="clock"),
]
