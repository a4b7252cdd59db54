"""URLs of the rota. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from scheduling.rota import views

urlpatterns: list[URLPattern] = [
    path("rota/", views.rota, name="rota"),
    path("rota/rows/", views.rota_rows, name="rota-rows"),
    path("rota/day/", views.rota_day, name="rota-day"),
    path("rota/shifts/new/", views.shift_new, name="shift-new"),
    path("rota/shifts/<uuid:shift_id>/", views.shift_edit, name="shift-edit"),
    path("rota/shifts/<uuid:shift_id>/move/", views.shift_move, name="shift-move"),
    path("rota/shifts/<uuid:shift_id>/delete/", views.shift_delete, name="shift-delete"),
    path("rota/copy-previous-week/", views.week_copy, name="rota-copy"),
    path("rota/clear-drafts/", views.week_clear, name="rota-clear"),
    path("rota/publish/", views.week_publish, name="rota-publish"),
    path("payroll/", views.payroll, name="payroll"),
]
