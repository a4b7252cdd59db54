"""URLs of leave and availability. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from scheduling.leave import views

urlpatterns: list[URLPattern] = [
    path("my-leave/", views.my_leave, name="my-leave"),
    path("my-availability/", views.my_availability, name="my-availability"),
    path("leave/", views.leave_requests, name="leave-requests"),
    path("people/<uuid:membership_id>/leave/", views.member_leave, name="member-leave"),
]
