"""URLs of planning's pages. Included under /<tenant_slug>/ by parim.urls."""

from django.urls import URLPattern, path

from planning import views, weights

urlpatterns: list[URLPattern] = [
    path("planning/coverage/", views.coverage, name="planning-coverage"),
    path("planning/coverage/<uuid:site_id>/", views.coverage_site,
         name="planning-coverage-site"),
    path("planning/coverage/rows/<uuid:row_id>/", views.coverage_row,
         name="planning-coverage-row"),
    path("planning/coverage/rows/<uuid:row_id>/delete/", views.coverage_row_delete,
         name="planning-coverage-row-delete"),
    path("planning/coverage/exceptions/<uuid:exception_id>/delete/",
         views.coverage_exception_delete, name="planning-coverage-exception-delete"),
    path("planning/autobuild/", views.autobuild, name="planning-autobuild"),
    path("planning/settings/", weights.planning_settings, name="planning-settings"),
    path("planning/autobuild/<uuid:run_id>/", views.run_detail, name="planning-run"),
    path("planning/autobuild/<uuid:run_id>/status/", views.run_status,
         name="planning-run-status"),
    path("planning/autobuild/<uuid:run_id>/cancel/", views.run_cancel,
         name="planning-run-cancel"),
    path("planning/autobuild/<uuid:run_id>/accept/", views.run_accept,
         name="planning-run-accept"),
]  # fmt: skip
