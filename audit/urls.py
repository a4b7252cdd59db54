"""The auditor's pages. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path, re_path

from audit import views

urlpatterns: list[URLPattern] = [
    path("audit/", views.audit_log, name="audit-log"),
    re_path(r"^audit/export\.(?P<fmt>csv|jsonl)$", views.audit_export, name="audit-export"),
    path("audit/<uuid:entry_id>/", views.audit_entry, name="audit-entry"),
]
