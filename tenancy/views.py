"""Tenant pages of the tenancy app: picker, dashboard, people, invitations, roles, security."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.identity import account_exists, members_with_two_factor
from accounts.services import user_create
from tenancy import services
from tenancy.access import invitation_get_or_404, membership_get_or_404, role_get_or_404
from tenancy.forms import (
    InviteForm,
    JoinForm,
    MemberRoleForm,
    PrivacySettingsForm,
    RoleForm,
    SecurityPolicyForm,
    add_service_errors,
)
from tenancy.home import panels_for
from tenancy.http import TenantRequest, require_permission, tenant_public_view, tenant_view
from tenancy.models import Invitation, Membership, Role
from tenancy.permissions import Permission, RoleKind
from tenancy.selectors import memberships_of_user

if TYPE_CHECKING:
    from accounts.models import User

PEOPLE_PER_PAGE = 50
SEARCH_MAX_LENGTH = 200


@login_required
def tenant_picker(request: HttpRequest) -> HttpResponse:
    """Straight to the dashboard for one company; a choice for several; an empty state for none."""
    memberships = memberships_of_user(cast("User", request.user))
    if len(memberships) == 1:
        return redirect("dashboard", tenant_slug=memberships[0].tenant.slug)
    return TemplateResponse(request, "tenancy/picker.html", {"memberships": memberships})


@tenant_view
def dashboard(request: TenantRequest) -> HttpResponse:
    """The home page: the panels the person's role may see that have something to show (each
    app registers its own, tenancy.home), the wide ones first on a wide screen."""
    shown = panels_for(request)
    context: dict[str, Any] = {
        "role": request.membership.role,
        "main": [(p, data) for p, data in shown if p.column == "main"],
        "side": [(p, data) for p, data in shown if p.column != "main"],
    }
    return TemplateResponse(request, "tenancy/home.html", context)


# People --------------------------------------------------------------------------------------


def _people_page(
    request: TenantRequest, invite_form: InviteForm | None = None, status: int = 200
) -> TemplateResponse:
    tenant = request.tenant
    members = (
        Membership.objects.filter(tenant=tenant)
        .select_related("user", "role")
        .order_by("user__full_name", "user__email")
    )
    # NUL cannot be stored or searched for in PostgreSQL text; no name or email holds one.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:SEARCH_MAX_LENGTH]
    if query:
        members = members.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
    page = Paginator(members, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    user_ids = [m.user_id for m in page.object_list]
    with_two_factor = members_with_two_factor(user_ids)
    invitations = (
        Invitation.objects.filter(tenant=tenant, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("role")
        .order_by("-created_at")
    )
    roles = list(Role.objects.filter(tenant=tenant).order_by("name"))
    employee_role = next((role.pk for role in roles if role.kind == RoleKind.EMPLOYEE), None)
    context = {
        "page": page,
        "query": query,
        "with_two_factor": with_two_factor,
        "invitations": invitations,
        "roles": roles,
        "invite_form": invite_form or InviteForm(roles, initial={"role": str(employee_role)}),
        "statuses": Membership.Status,
    }
    return TemplateResponse(request, "tenancy/people.html", context, status=status)


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def people(request: TenantRequest) -> HttpResponse:
    return _people_page(request)


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
@require_POST
def people_invite(request: TenantRequest) -> HttpResponse:
    roles = list(Role.objects.filter(tenant=request.tenant).order_by("name"))
    form = InviteForm(roles, request.POST)
    if form.is_valid():
        tenant = request.tenant

        def accept_url(token: str) -> str:
            path = reverse("join", kwargs={"tenant_slug": tenant.slug, "token": token})
            return request.build_absolute_uri(path)

        try:
            services.invitation_create(
                tenant=tenant,
                actor=request.membership,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                accept_url_for=accept_url,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("people", tenant_slug=tenant.slug)
    return _people_page(request, invite_form=form, status=400)


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def invitation_revoke(request: TenantRequest, invitation_id: str) -> HttpResponse:
    invitation = invitation_get_or_404(tenant=request.tenant, id=invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    services.invitation_revoke(
        tenant=request.tenant, actor=request.membership, invitation=invitation
    )
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("people", tenant_slug=request.tenant.slug)


MEMBER_ACTIONS = {
    "suspend": (Membership.Status.SUSPENDED, "%(name)s is suspended."),
    "reactivate": (Membership.Status.ACTIVE, "%(name)s is active again."),
    "remove": (Membership.Status.LEFT, "%(name)s was removed from the company."),
}


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def member_update(request: TenantRequest, membership_id: str) -> HttpResponse:
    """Change a member's role, or suspend, reactivate or remove them."""
    # The object first, then the method: another tenant's id is a 404 whatever the method.
    membership = membership_get_or_404(tenant=request.tenant, id=membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    membership = Membership.objects.select_related("user", "role").get(pk=membership.pk)
    action = request.POST.get("action", "")
    name = membership.user.display_name
    try:
        if action == "role":
            form = MemberRoleForm(request.tenant, request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose a valid role."))
            services.membership_change_role(
                tenant=request.tenant,
                actor=request.membership,
                membership=membership,
                role=form.cleaned_data["role"],
            )
            messages.success(request, _("%(name)s now has the role %(role)s.") % {
                "name": name, "role": form.cleaned_data["role"].name})  # fmt: skip
        elif action in MEMBER_ACTIONS:
            status, message = MEMBER_ACTIONS[action]
            services.membership_set_status(
                tenant=request.tenant,
                actor=request.membership,
                membership=membership,
                status=status,
            )
            messages.success(request, _(message) % {"name": name})
        else:
            raise ValidationError(_("Unknown action."))
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect("people", tenant_slug=request.tenant.slug)


# Roles ---------------------------------------------------------------------------------------


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def roles(request: TenantRequest) -> HttpResponse:
    role_list = (
        Role.objects.filter(tenant=request.tenant)
        .annotate(member_count=Count("memberships", filter=Q(memberships__status="active")))
        .order_by("name")
    )
    return TemplateResponse(
        request, "tenancy/roles.html", {"roles": role_list, "all_permissions": Permission.choices}
    )


def _role_form_page(
    request: TenantRequest, role: Role | None, form: RoleForm, status: int = 200
) -> TemplateResponse:
    return TemplateResponse(
        request, "tenancy/role_form.html", {"role": role, "form": form}, status=status
    )


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def role_new(request: TenantRequest) -> HttpResponse:
    return _role_save(request, None)


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def role_edit(request: TenantRequest, role_id: str) -> HttpResponse:
    return _role_save(request, role_get_or_404(tenant=request.tenant, id=role_id))


def _role_save(request: TenantRequest, role: Role | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if role is not None:
        initial = {"name": role.name, "permissions": role.permissions,
                   "requires_two_factor": role.requires_two_factor}  # fmt: skip
    form = RoleForm(request.POST or None, initial=initial)
    if role is not None and role.is_builtin:
        form.fields["name"].disabled = True
    if role is not None and role.is_owner:
        form.fields["permissions"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.role_save(
                tenant=request.tenant,
                actor=request.membership,
                role=role,
                name=form.cleaned_data["name"],
                permissions=form.cleaned_data["permissions"],
                requires_two_factor=form.cleaned_data["requires_two_factor"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The role %(name)s was saved.") % {"name": saved.name})
            return redirect("roles", tenant_slug=request.tenant.slug)
        return _role_form_page(request, role, form, status=400)
    return _role_form_page(request, role, form, status=400 if form.errors else 200)


@tenant_view
@require_permission(Permission.MANAGE_PEOPLE)
def role_delete(request: TenantRequest, role_id: str) -> HttpResponse:
    role = role_get_or_404(tenant=request.tenant, id=role_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        services.role_delete(tenant=request.tenant, actor=request.membership, role=role)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The role %(name)s was deleted.") % {"name": role.name})
    return redirect("roles", tenant_slug=request.tenant.slug)


# Security policy -----------------------------------------------------------------------------


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def security_settings(request: TenantRequest) -> HttpResponse:
    tenant = request.tenant
    policy = services.security_policy_of(tenant)
    initial = {
        "two_factor": policy.two_factor,
        "min_password_length": policy.min_password_length,
        "two_factor_roles": list(
            Role.objects.filter(tenant=tenant, requires_two_factor=True).values_list(
                "pk", flat=True
            )
        ),
    }
    form = SecurityPolicyForm(tenant, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.security_policy_update(
            tenant=tenant,
            actor=request.membership,
            two_factor=form.cleaned_data["two_factor"],
            min_password_length=form.cleaned_data["min_password_length"],
            two_factor_role_ids=[role.pk for role in form.cleaned_data["two_factor_roles"]],
        )
        messages.success(request, _("The security policy was saved."))
        return redirect("security-settings", tenant_slug=tenant.slug)
    return TemplateResponse(
        request, "tenancy/security.html", {"form": form}, status=400 if form.errors else 200
    )


# Joining by invitation -----------------------------------------------------------------------


@tenant_public_view("tenancy/join_invalid.html")
@sensitive_post_parameters("password")
def join(request: TenantRequest, token: str) -> HttpResponse:
    """The invitation link. Anyone holding the token sees which company invites them and as
    what; nothing about any other company. A used, expired or altered link is a 404 that says
    so."""
    tenant = request.tenant
    invitation = services.invitation_find(tenant=tenant, token=token)
    if invitation is None:
        return TemplateResponse(request, "tenancy/join_invalid.html", status=404)
    if request.method == "POST" and tenant.is_read_only:
        return TemplateResponse(request, "tenancy/read_only.html", status=403)

    context: dict[str, Any] = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.user.email.lower() != invitation.email.lower():
            context["wrong_account"] = True
            return TemplateResponse(request, "tenancy/join.html", context)
        if request.method == "POST":
            try:
                services.invitation_accept(tenant=tenant, invitation=invitation, user=request.user)
            except ValidationError as error:
                context["errors"] = error.messages
                return TemplateResponse(request, "tenancy/join.html", context, status=400)
            messages.success(request, _("Welcome to %(company)s.") % {"company": tenant.name})
            return redirect("dashboard", tenant_slug=tenant.slug)
        return TemplateResponse(request, "tenancy/join.html", context)

    if account_exists(invitation.email):
        context["sign_in_first"] = True
        return TemplateResponse(request, "tenancy/join.html", context)
    policy = services.security_policy_of(tenant)
    form = JoinForm(invitation.email, policy.min_password_length, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            email=invitation.email,
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
        )
        services.invitation_accept(tenant=tenant, invitation=invitation, user=user)
        login(request, user, backend="accounts.backends.AccountBackend")
        messages.success(request, _("Welcome to %(company)s.") % {"company": tenant.name})
        return redirect("dashboard", tenant_slug=tenant.slug)
    context["form"] = form
    return TemplateResponse(
        request, "tenancy/join.html", context, status=400 if form.errors else 200
    )


@tenant_view
@require_permission(Permission.MANAGE_PRIVACY)
def privacy_settings(request: TenantRequest) -> HttpResponse:
    current = services.privacy_settings_of(request.tenant)
    initial = (
        {"dpo_name": current.dpo_name, "dpo_email": current.dpo_email,
         "dpo_phone": current.dpo_phone} if current else {}
    )  # fmt: skip
    form = PrivacySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.privacy_settings_update(
            tenant=request.tenant, actor=request.membership, **form.cleaned_data
        )
        messages.success(request, _("The privacy settings were saved."))
        return redirect("privacy-settings", tenant_slug=request.tenant.slug)
    return TemplateResponse(
        request, "tenancy/privacy.html", {"form": form}, status=400 if form.errors else 200
    )
