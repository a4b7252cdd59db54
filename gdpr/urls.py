"""Tenant pages of the GDPR tooling: sensitive-data settings, personal details, policies, and
data-subject rights (a person's own export and erasure request, the privacy team's handling of
erasure requests). Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from gdpr import rights_views as rights
from gdpr import views

urlpatterns: list[URLPattern] = [
    path("settings/privacy/data/", views.data_settings, name="data-settings"),
    path("people/<uuid:membership_id>/details/", views.member_details, name="member-details"),
    path("my-details/", views.my_details, name="my-details"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/accept/", views.policy_gate, name="policy-gate"),
    path("policies/<uuid:policy_id>/", views.policy_detail, name="policy-detail"),
    path(
        "policies/versions/<uuid:version_id>/document/",
        views.policy_document,
        name="policy-document",
    ),
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
