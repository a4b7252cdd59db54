"""The auto-build's weights page: the company's points for each term of the objective, with
"restore defaults" (asked to confirm first). Needs "manage settings"; reached from the
auto-build page. Reads and writes only the company's own row."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from planning import services
from planning.models import WEIGHT_NAMES, PlanningSettings
from planning.product.problem import Weights
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.permissions import Permission


class WeightsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PlanningSettings
        fields = list(WEIGHT_NAMES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "input--narrow"


@tenant_view
@require_permission(Permission.MANAGE_SETTINGS)
def planning_settings(request: TenantRequest) -> HttpResponse:
    """GET: the weights. POST: save them; action=restore asks to confirm, then (confirm=1)
    puts every weight back to its default."""
    # Already in the tenant's context: the row read directly (one query).
    current = PlanningSettings.objects.filter(tenant=request.tenant).first()
    current = current or PlanningSettings(tenant=request.tenant)
    form = WeightsForm(instance=current)
    confirming = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "restore":
            if request.POST.get("confirm") == "1":
                services.planning_settings_restore(tenant=request.tenant,
                                                   actor=request.membership)  # fmt: skip
                messages.success(request, _("The default weights are back."))
                return redirect("planning-settings", tenant_slug=request.tenant.slug)
            confirming = True
        else:
            form = WeightsForm(request.POST, instance=current)
            if form.is_valid():
                values = {name: int(form.cleaned_data[name]) for name in WEIGHT_NAMES}
                services.planning_settings_save(tenant=request.tenant, actor=request.membership,
                                                values=values)  # fmt: skip
                messages.success(request, _("Auto-build weights saved."))
                return redirect("planning-settings", tenant_slug=request.tenant.slug)
    defaults = Weights()
    rows = [(form[name], getattr(defaults, name)) for name in WEIGHT_NAMES]
    return TemplateResponse(
        request, "planning/settings.html",
        {"form": form, "rows": rows, "confirming": confirming},
        status=400 if form.errors else 200,
    )  # fmt: skip
