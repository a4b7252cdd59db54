"""Tenant pages of data-subject rights: a person's own data export and erasure request, and
the privacy team's handling of erasure requests. Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from gdpr import rights_views as rights

urlpatterns: list[URLPattern] = [
    path("my-data/", rights.my_data, name="my-data"),
    path("my-data/export/", rights.export_new, name="export-new"),
    path("my-data/exports/<uuid:export_id>/", rights.export_status, name="export-status"),
    path(
        "my-data/exports/<uuid:export_id>/download/",
        rights.export_download,
        name="export-download",
    ),
    path("my-data/erasure/", rights.erasure_new, name="erasure-new"),
    path("my-data/erasure/withdraw/", rights.erasure_withdraw, name="erasure-withdraw"),
    path("privacy/erasure-requests/", rights.erasure_requests, name="erasure-requests"),
    path(
        "privacy/erasure-requests/<uuid:request_id>/",
        rights.erasure_detail,
        name="erasure-detail",
    ),
]
