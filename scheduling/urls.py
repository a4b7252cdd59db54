"""Self-service pages of scheduling (leave and availability). Included under /<tenant_slug>/."""

from django.urls import URLPattern, URLResolver, include, path

from scheduling import selfservice_views as selfservice

urlpatterns: list[URLPattern | URLResolver] = [
    path("my-leave/", selfservice.my_leave, name="my-leave"),
    path("my-availability/", selfservice.my_availability, name="my-availability"),
    path("leave/", selfservice.leave_requests, name="leave-requests"),
    path("people/<uuid:membership_id>/leave/", selfservice.member_leave, name="member-leave"),
    path("", include("scheduling.marketplace_urls")),
    path("", include("scheduling.patterns_urls")),
    path("", include("scheduling.messaging_urls")),
]
