"""URLs of the scheduling set-up. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from scheduling.setup import views

urlpatterns: list[URLPattern] = [
    path("sites/", views.sites, name="sites"),
    path("sites/new/", views.site_new, name="site-new"),
    path("sites/<uuid:site_id>/", views.site_edit, name="site-edit"),
    path("people/<uuid:membership_id>/sites/", views.member_sites, name="member-sites"),
    path("people/<uuid:membership_id>/work/", views.work_profile, name="work-profile"),
    path("positions/", views.positions, name="positions"),
    path("positions/new/", views.position_new, name="position-new"),
    path("positions/<uuid:position_id>/", views.position_edit, name="position-edit"),
    path("settings/working-time/", views.working_time_settings, name="working-time-settings"),
]
