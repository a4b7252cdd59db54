"""The typed request inside a tenant page, and the one resolver that makes it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse

from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

if TYPE_CHECKING:
    from accounts.models import User

P = ParamSpec("P")


class TenantRequest(HttpRequest):
    """A request inside `/<tenant_slug>/`: the tenant and the person's active membership in it."""

    tenant: Tenant
    membership: Membership
    user: User


TenantView = Callable[Concatenate[TenantRequest, P], HttpResponse]


def tenant_view(view: TenantView[P]) -> Callable[..., HttpResponse]:
    """Resolve `tenant_slug`, require an active membership, and run the whole view (template
    rendering included) inside tenant_context. A missing tenant and a tenant the person does
    not belong to get the same 404, so a slug's existence is never revealed."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, tenant_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None:
            raise Http404
        with tenant_context(tenant):
            membership = (
                Membership.objects.select_related("role")
                .filter(user_id=request.user.pk, status=Membership.Status.ACTIVE)
                .first()
            )
            if membership is None:
                raise Http404
            tenant_request = cast(TenantRequest, request)
            tenant_request.tenant = tenant
            tenant_request.membership = membership
            membership.tenant = tenant  # already loaded; saves a query when templates use it
            response = view(tenant_request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                # Lazy querysets in the template must run while the tenant is active.
                response.render()
            return response

    wrapper.tenant_view = True  # type: ignore[attr-defined]
    return wrapper
