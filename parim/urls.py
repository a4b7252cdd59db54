"""The URL map: public pages first, then everything under /<tenant_slug>/."""

from django.urls import URLPattern, URLResolver, include, path, re_path

from accounts import views as accounts
from audit import views as audit
from billing import views as billing
from gdpr import views as gdpr
from parim.views import healthz, security_txt
from scheduling import rota_views as rota
from scheduling import views as scheduling
from tenancy import views as tenancy

account_patterns = [
    path("login/", accounts.LoginView.as_view(), name="login"),
    path("login/verify/", accounts.login_verify, name="login-verify"),
    path("logout/", accounts.LogoutView.as_view(), name="logout"),
    path("", accounts.account, name="account"),
    path("profile/", accounts.profile_update, name="profile-update"),
    path("password/", accounts.password_change, name="password-change"),
    path("email/", accounts.email_change, name="email-change"),
    path("sign-out-everywhere/", accounts.sign_out_everywhere, name="sign-out-everywhere"),
    path("two-factor/", accounts.two_factor_setup, name="two-factor-setup"),
    path("two-factor/confirm/", accounts.two_factor_confirm, name="two-factor-confirm"),
    path("two-factor/disable/", accounts.two_factor_disable, name="two-factor-disable"),
    path("two-factor/backup-codes/", accounts.backup_codes_regenerate, name="backup-codes"),
    path("password-reset/", accounts.password_reset, name="password_reset"),
    path("password-reset/sent/", accounts.password_reset_done, name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        accounts.password_reset_complete,
        name="password_reset_complete",
    ),
]

tenant_patterns: list[URLPattern | URLResolver] = [
    path("", tenancy.dashboard, name="dashboard"),
    path("people/", tenancy.people, name="people"),
    path("people/invite/", tenancy.people_invite, name="people-invite"),
    path("people/<uuid:membership_id>/", tenancy.member_update, name="member-update"),
    path(
        "invitations/<uuid:invitation_id>/revoke/",
        tenancy.invitation_revoke,
        name="invitation-revoke",
    ),
    path("roles/", tenancy.roles, name="roles"),
    path("roles/new/", tenancy.role_new, name="role-new"),
    path("roles/<uuid:role_id>/", tenancy.role_edit, name="role-edit"),
    path("roles/<uuid:role_id>/delete/", tenancy.role_delete, name="role-delete"),
    path("settings/security/", tenancy.security_settings, name="security-settings"),
    path("settings/privacy/", tenancy.privacy_settings, name="privacy-settings"),
    path("settings/privacy/data/", gdpr.data_settings, name="data-settings"),
    path("people/<uuid:membership_id>/details/", gdpr.member_details, name="member-details"),
    path("my-details/", gdpr.my_details, name="my-details"),
    path("policies/", gdpr.policy_list, name="policies"),
    path("policies/accept/", gdpr.policy_gate, name="policy-gate"),
    path("policies/<uuid:policy_id>/", gdpr.policy_detail, name="policy-detail"),
    path(
        "policies/versions/<uuid:version_id>/document/",
        gdpr.policy_document,
        name="policy-document",
    ),
    path("", include("gdpr.urls")),
    path("", include("scheduling.urls")),
    path("join/<str:token>/", tenancy.join, name="join"),
    path("sites/", scheduling.sites, name="sites"),
    path("sites/new/", scheduling.site_new, name="site-new"),
    path("sites/<uuid:site_id>/", scheduling.site_edit, name="site-edit"),
    path("people/<uuid:membership_id>/sites/", scheduling.member_sites, name="member-sites"),
    path("people/<uuid:membership_id>/work/", scheduling.work_profile, name="work-profile"),
    path("positions/", scheduling.positions, name="positions"),
    path("positions/new/", scheduling.position_new, name="position-new"),
    path("positions/<uuid:position_id>/", scheduling.position_edit, name="position-edit"),
    path("settings/working-time/", scheduling.working_time_settings, name="working-time-settings"),
    path("rota/", rota.rota, name="rota"),
    path("rota/rows/", rota.rota_rows, name="rota-rows"),
    path("rota/day/", rota.rota_day, name="rota-day"),
    path("rota/shifts/new/", rota.shift_new, name="shift-new"),
    path("rota/shifts/<uuid:shift_id>/", rota.shift_edit, name="shift-edit"),
    path("rota/shifts/<uuid:shift_id>/move/", rota.shift_move, name="shift-move"),
    path("rota/shifts/<uuid:shift_id>/delete/", rota.shift_delete, name="shift-delete"),
    path("rota/copy-previous-week/", rota.week_copy, name="rota-copy"),
    path("rota/clear-drafts/", rota.week_clear, name="rota-clear"),
    path("rota/publish/", rota.week_publish, name="rota-publish"),
    path("payroll/", rota.payroll, name="payroll"),
    path("my-shifts/", scheduling.my_shifts, name="my-shifts"),
    path("my-shifts/calendar/", scheduling.calendar_feed_manage, name="calendar-feed-manage"),
    re_path(
        r"^calendar/(?P<feed_token>[A-Za-z0-9_-]{20,64})\.ics$",
        scheduling.calendar_feed,
        name="calendar-feed",
    ),
    path("billing/", billing.billing_page, name="billing"),
    path("billing/checkout/", billing.billing_checkout, name="billing-checkout"),
    path("billing/portal/", billing.billing_portal, name="billing-portal"),
    path("billing/return/", billing.billing_return, name="billing-return"),
    path("billing/status/", billing.billing_status, name="billing-status"),
    path("audit/", audit.audit_log, name="audit-log"),
    re_path(r"^audit/export\.(?P<fmt>csv|jsonl)$", audit.audit_export, name="audit-export"),
    path("audit/<uuid:entry_id>/", audit.audit_entry, name="audit-entry"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path(".well-known/security.txt", security_txt, name="security-txt"),
    path("accounts/", include(account_patterns)),
    path("signup/", billing.signup, name="signup"),
    path("signup/sent/", billing.signup_sent, name="signup-sent"),
    path("signup/verify/<str:token>/", billing.signup_verify, name="signup-verify"),
    path("billing/stripe/webhook/", billing.stripe_webhook, name="stripe-webhook"),
    path("", tenancy.tenant_picker, name="tenant-picker"),
    path("<slug:tenant_slug>/", include(tenant_patterns)),
]
