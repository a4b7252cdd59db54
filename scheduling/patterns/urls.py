"""URLs of scheduling's patterns pages. Included under /<tenant_slug>/ by scheduling.urls."""

from django.urls import URLPattern, path

from scheduling.patterns import views

urlpatterns: list[URLPattern] = [
    path("patterns/", views.pattern_list, name="patterns"),
    path("patterns/templates/new/", views.template_new, name="pattern-template-new"),
    path("patterns/templates/<uuid:template_id>/", views.template_detail,
         name="pattern-template"),
    path("patterns/templates/<uuid:template_id>/delete/", views.template_delete,
         name="pattern-template-delete"),
    path("patterns/rotations/new/", views.rotation_new, name="pattern-rotation-new"),
    path("patterns/rotations/<uuid:pattern_id>/", views.rotation_detail,
         name="pattern-rotation"),
    path("patterns/rotations/<uuid:pattern_id>/delete/", views.rotation_delete,
         name="pattern-rotation-delete"),
]  # fmt: skip
