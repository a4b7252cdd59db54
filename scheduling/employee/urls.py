"""URLs of an employee's own schedule. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path, re_path

from scheduling.employee import views

urlpatterns: list[URLPattern] = [
    path("my-shifts/", views.my_shifts, name="my-shifts"),
    path("my-shifts/calendar/", views.calendar_feed_manage, name="calendar-feed-manage"),
    re_path(
        r"^calendar/(?P<feed_token>[A-Za-z0-9_-]{20,64})\.ics$",
        views.calendar_feed,
        name="calendar-feed",
    ),
]
