"""The typed request inside a tenant page, and the one resolver that makes it."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.urls import get_script_prefix, reverse
from django.utils.http import urlencode

from accounts.identity import session_account_id
from tenancy.context import tenant_context, tenant_page_context
from tenancy.models import Membership, SecurityPolicy, Tenant
from tenancy.permissions import Permission
from tenancy.prepared import PreparedQuery

if TYPE_CHECKING:
    from accounts.models import User

P = ParamSpec("P")


class TenantRequest(HttpRequest):
    """A request inside `/<tenant_slug>/`: the tenant and the person's active membership in it."""

    tenant: Tenant
    membership: Membership
    user: User


TenantView = Callable[Concatenate[TenantRequest, P], HttpResponseBase]


@functools.lru_cache(maxsize=4096)
def _reverse(url_name: str, kwargs: tuple[tuple[str, str], ...], script_prefix: str) -> str:
    return reverse(url_name, kwargs=dict(kwargs))  # reverse reads the script prefix too


def tenant_reverse(url_name: str, tenant_slug: str, **kwargs: str) -> str:
    """reverse() of a tenant page, remembered per process (the URL map does not change while it
    runs): for the links every page shows. Only for arguments with few values, such as the
    company's slug or a placeholder to fill in, never an object's id."""
    key = (("tenant_slug", tenant_slug), *sorted(kwargs.items()))
    return _reverse(url_name, key, get_script_prefix())


def _rendered(response: HttpResponseBase) -> HttpResponseBase:
    """Render a template response now: its lazy querysets must run while the tenant is active."""
    if isinstance(response, SimpleTemplateResponse):
        response.render()
    return response


def _active_membership(tenant_id: uuid.UUID, user_id: uuid.UUID) -> QuerySet[Membership]:
    """The person's active membership of the company `tenant_id` (built in its scope, whose
    filter gives it), its role, and the company's two-factor rule for the gate, in one
    statement."""
    return (
        Membership.objects.select_related("role")
        .filter(user_id=user_id, status=Membership.Status.ACTIVE)
        .annotate(
            two_factor_rule=Subquery(
                SecurityPolicy.objects.filter(tenant_id=OuterRef("tenant_id")).values("two_factor")[
                    :1
                ]
            )
        )
        .order_by("pk")[:1]
    )


# Every tenant page runs it: compiled once per process (tenancy/prepared.py).
_ACTIVE_MEMBERSHIP = PreparedQuery(
    _active_membership,
    tenant="tenant_id",
    tenant_id=uuid.UUID("00000000-0000-7000-8000-00000000000a"),
    user_id=uuid.UUID("00000000-0000-7000-8000-00000000000c"),
)


def tenant_view(view: TenantView[P]) -> Callable[..., HttpResponseBase]:
    """Resolve `tenant_slug`, require an active membership, and run the whole view (template
    rendering included) inside the tenant's context: tenant_page_context, the scope and the
    settings of tenant_context in one transaction for the whole page. A missing tenant and a
    tenant the person does not belong to get the same 404, so a slug's existence is never
    revealed."""

    @functools.wraps(view)
    def wrapper(
        request: HttpRequest, tenant_slug: str, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        account_id = session_account_id(request)
        if account_id is None:
            # No session names an account (no query to know it), unless the caller put the
            # account on the request itself.
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            account_id = str(request.user.pk)
        # One transaction: the company and its setting in one statement, then the account (on
        # first use of request.user, in this transaction), the membership and the view.
        with tenant_page_context(tenant_slug, account_id=account_id) as tenant:
            if not request.user.is_authenticated:  # the session did not check out
                return redirect_to_login(request.get_full_path())
            if tenant is None:
                raise Http404
            found = _ACTIVE_MEMBERSHIP.run(tenant_id=tenant.pk, user_id=request.user.pk)
            if not found:
                raise Http404
            membership = found[0]
            tenant_request = cast(TenantRequest, request)
            tenant_request.tenant = tenant
            tenant_request.membership = membership
            membership.tenant = tenant  # already loaded; saves a query when templates use it
            gate = (
                _two_factor_gate(tenant_request)
                or _policy_gate(tenant_request, view)
                or _read_only_gate(tenant_request, view)
            )
            if gate is not None:
                return gate
            return _rendered(view(tenant_request, *args, **kwargs))

    wrapper.tenant_view = True  # type: ignore[attr-defined]
    return wrapper


def _two_factor_gate(request: TenantRequest) -> HttpResponse | None:
    """A member whom the company's policy requires to use two-factor authentication is taken to
    enrolment (or to the code step) before any page of that company."""
    rule = getattr(request.membership, "two_factor_rule", None)
    if rule is None or not SecurityPolicy.rule_requires_two_factor(rule, request.membership.role):
        return None
    from accounts.services import has_two_factor

    next_query = urlencode({"next": request.get_full_path(), "required": "1"})
    if not has_two_factor(request.user):
        return redirect(f"{reverse('two-factor-setup')}?{next_query}")
    if not request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(f"{reverse('login-verify')}?{next_query}")
    return None


def require_permission(
    permission: Permission,
) -> Callable[[TenantView[P]], TenantView[P]]:
    """Inside tenant_view: answer 403 (the "not allowed" page) unless the member's role has
    `permission`. The one permission check for views; templates use the `can` filter."""

    def decorator(view: TenantView[P]) -> TenantView[P]:
        @functools.wraps(view)
        def wrapper(request: TenantRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not request.membership.has(permission):
                return permission_denied(request, permission)
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return cast(TenantView[P], wrapper)

    return decorator


def tenant_public_view(
    not_found_template: str,
) -> Callable[[TenantView[P]], Callable[..., HttpResponseBase]]:
    """See _tenant_public_view; `not_found_template` is the page (status 404) for an unknown
    tenant, the same page the view shows for a credential that does not match, so the two
    cannot be told apart."""

    def decorator(view: TenantView[P]) -> Callable[..., HttpResponseBase]:
        return _tenant_public_view(view, not_found_template)

    return decorator


def _tenant_public_view(
    view: TenantView[P], not_found_template: str
) -> Callable[..., HttpResponseBase]:
    """For the few tenant pages that people who are not (yet) members open with a credential of
    their own, such as an invitation token: resolve the tenant (404 if unknown) and run inside
    its context, with no membership. The view itself must check the credential and answer 404
    when it does not match, exactly as for a missing page."""

    @functools.wraps(view)
    def wrapper(
        request: HttpRequest, tenant_slug: str, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None:
            return TemplateResponse(request, not_found_template, status=404).render()
        with tenant_context(tenant, account=cast("User", request.user)):
            tenant_request = cast(TenantRequest, request)
            tenant_request.tenant = tenant
            return _rendered(view(tenant_request, *args, **kwargs))

    wrapper.tenant_view = "public"  # type: ignore[attr-defined]
    return wrapper


def permission_denied(request: TenantRequest, permission: Permission) -> HttpResponse:
    """The 403 page, and an audit entry of the attempt. Returned rather than raised, so that
    the tenant's transaction commits and the entry is kept."""
    from accounts.events import Event, emit

    emit(
        Event.ACCESS_DENIED,
        tenant=request.tenant,
        user=request.user,
        request=request,
        target=request.membership,
        data={"permission": str(permission), "path": request.path},
    )
    return TemplateResponse(request, "403.html", {"permission": permission.label}, status=403)


SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def allowed_when_read_only(view: TenantView[P]) -> TenantView[P]:
    """Mark a view that must keep working for a read-only tenant (billing, to pay)."""
    view.allowed_when_read_only = True  # type: ignore[attr-defined]
    return view


def policy_gate_exempt(view: TenantView[P]) -> TenantView[P]:
    """Mark a view that stays open while the member has policies to accept (the acceptance
    page itself, and the documents it shows)."""
    view.policy_gate_exempt = True  # type: ignore[attr-defined]
    return view


def _policy_gate(request: TenantRequest, view: Any) -> HttpResponse | None:
    """A member who has not accepted the company's newest policy versions is taken to the
    acceptance page first (gdpr owns it; tenancy only compares two counters)."""
    if request.membership.policies_accepted_serial >= request.tenant.policy_serial:
        return None
    if getattr(view, "policy_gate_exempt", False):
        return None
    query = urlencode({"next": request.get_full_path()})
    url = reverse("policy-gate", kwargs={"tenant_slug": request.tenant.slug})
    return redirect(f"{url}?{query}")


def _read_only_gate(request: TenantRequest, view: Any) -> HttpResponse | None:
    if request.method in SAFE_METHODS or not request.tenant.is_read_only:
        return None
    if getattr(view, "allowed_when_read_only", False):
        return None
    return TemplateResponse(request, "tenancy/read_only.html", status=403)
