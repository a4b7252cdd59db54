"""Tenant pages of tenancy: dashboard, people, invitations, roles, security and privacy settings.
Included under /<tenant_slug>/."""

from django.urls import URLPattern, path

from tenancy import views

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.people_invite, name="people-invite"),
    path("people/<uuid:membership_id>/", views.member_update, name="member-update"),
    path(
        "invitations/<uuid:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("roles/", views.roles, name="roles"),
    path("roles/new/", views.role_new, name="role-new"),
    path("roles/<uuid:role_id>/", views.role_edit, name="role-edit"),
    path("roles/<uuid:role_id>/delete/", views.role_delete, name="role-delete"),
    path("settings/security/", views.security_settings, name="security-settings"),
    path("settings/privacy/", views.privacy_settings, name="privacy-settings"),
    path("join/<str:token>/", views.join, name="join"),
]
