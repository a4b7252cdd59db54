"""Pages of open shifts and swaps. Employees: open shifts offered to them (claim, withdraw),
their swaps (offer, accept, refuse, cancel). Managers: claims and swaps waiting for approval at
the sites they schedule (approve, or decline with a comment). Actions are POST only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scheduling import marketplace
from scheduling.models import ClaimApproval, Shift, ShiftClaim, ShiftSwap
from scheduling.selectors import scheduling_settings, sites_for_member
from tenancy.access import tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, require_permission, tenant_view
from tenancy.models import Membership
from tenancy.permissions import Permission

PAGE_SIZE = 20


def _post_only() -> HttpResponse:
    return HttpResponse(status=405, headers={"Allow": "POST"})


def _refused(request: TenantRequest, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _at_my_sites_or_404(request: TenantRequest, shift_id: uuid.UUID | None) -> None:
    """A manager limited to some sites sees another site's claims and swaps as missing."""
    if shift_id is None or not Shift.objects.filter(
        tenant=request.tenant, pk=shift_id,
        site_id__in=sites_for_member(request.membership).values("pk"),
    ).exists():  # fmt: skip
        raise Http404


# Open shifts -------------------------------------------------------------------------------


@tenant_view
def open_shifts(request: TenantRequest) -> HttpResponse:
    """Open shifts offered to me (position and site in my work profile) and my claims; for
    those who build rotas, the claims waiting for a decision at their sites."""
    tenant, me = request.tenant, request.membership
    offered = Paginator(marketplace.open_shifts_for(me), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    claims = Paginator(marketplace.claims_of(me), PAGE_SIZE).get_page(request.GET.get("claims"))
    context: dict[str, Any] = {
        "offered": offered, "claims": claims,
        "automatic": scheduling_settings(tenant).claim_approval == ClaimApproval.AUTOMATIC,
        "manager": me.has(Permission.PUBLISH_ROTA),
    }  # fmt: skip
    if context["manager"]:
        waiting = Paginator(marketplace.claims_waiting(me), PAGE_SIZE).get_page(
            request.GET.get("waiting")
        )
        context["waiting"] = waiting
        context["reviews"] = marketplace.review_claims(me, list(waiting))
    return TemplateResponse(request, "scheduling/open_shifts.html", context)


@tenant_view
def open_shift_claim(request: TenantRequest, shift_id: str) -> HttpResponse:
    shift = tenant_object_get_or_404(Shift, tenant=request.tenant, id=shift_id)
    if request.method != "POST":
        return _post_only()
    try:
        claim = marketplace.claim_create(
            tenant=request.tenant, membership=request.membership, shift=shift
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        if claim.status == ShiftClaim.Status.APPROVED:
            messages.success(request, _("The shift is yours: it is on My shifts now."))
        else:
            messages.success(request, _("Shift claimed. A manager decides, and you will be told."))
    return redirect("open-shifts", tenant_slug=request.tenant.slug)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
    comment = forms.CharField(required=False, max_length=1000)
    override_reason = forms.CharField(required=False, max_length=1000)


@tenant_view
@require_permission(Permission.PUBLISH_ROTA)
def claim_decide(request: TenantRequest, claim_id: str) -> HttpResponse:
    claim = tenant_object_get_or_404(ShiftClaim, tenant=request.tenant, id=claim_id)
    _at_my_sites_or_404(request, claim.shift_id)
    if request.method != "POST":
        return _post_only()
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Approve or Decline."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            marketplace.claim_decide(tenant=request.tenant, actor=request.membership,
                                     claim=claim, approve=approve,
                                     comment=form.cleaned_data["comment"])  # fmt: skip
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Claim approved: the shift is the person's now, and "
                                        "they have been told.") if approve else
                             _("Claim declined; the person has been told."))  # fmt: skip
    return redirect("open-shifts", tenant_slug=request.tenant.slug)


@tenant_view
def claim_withdraw(request: TenantRequest, claim_id: str) -> HttpResponse:
    claim = tenant_object_get_or_404(ShiftClaim, tenant=request.tenant, id=claim_id)
    if request.method != "POST":
        return _post_only()
    try:
        marketplace.claim_withdraw(tenant=request.tenant, membership=request.membership,
                                   claim=claim)  # fmt: skip
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Your claim is withdrawn."))
    return redirect("open-shifts", tenant_slug=request.tenant.slug)


# Swaps -------------------------------------------------------------------------------------


@tenant_view
def swaps(request: TenantRequest) -> HttpResponse:
    """Offers I could take, my own swaps, and (for those who build rotas) accepted swaps waiting
    for approval at their sites."""
    me = request.membership
    offers = Paginator(marketplace.swaps_open_to(me), PAGE_SIZE).get_page(request.GET.get("offers"))
    mine = Paginator(marketplace.swaps_of(me), PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "offers": offers, "mine": mine, "manager": me.has(Permission.PUBLISH_ROTA),
        "my_shifts": marketplace.my_future_shifts(me) if len(offers) else [],
        "may_override": me.has(Permission.OVERRIDE_RULES),
    }  # fmt: skip
    if context["manager"]:
        waiting = Paginator(marketplace.swaps_waiting(me), PAGE_SIZE).get_page(
            request.GET.get("waiting")
        )
        context["waiting"] = waiting
        context["reviews"] = marketplace.review_swaps(me, list(waiting))
    return TemplateResponse(request, "scheduling/swaps.html", context)


class SwapOfferForm(forms.Form):
    offered_to = forms.ChoiceField(
        label=gettext_lazy("Offer it to"), required=False,
        help_text=gettext_lazy("Anyone whose work profile lists this shift's position and site "
                               "can take an offer to anyone; each of them is told."),
    )  # fmt: skip
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"), required=False, max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def __init__(
        self, people: list[Membership], qualified: set[uuid.UUID], *args: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        can = [(str(p.pk), p.user.display_name) for p in people if p.pk in qualified]
        cannot = [(str(p.pk), p.user.display_name) for p in people if p.pk not in qualified]
        choices: list[Any] = [("", _("Anyone who can work it"))]
        if can:
            choices.append((_("Can work this shift"), can))
        if cannot:
            choices.append((_("Not qualified for this shift"), cannot))
        field = self.fields["offered_to"]
        if isinstance(field, forms.ChoiceField):
            field.choices = choices

    def colleague(self) -> Membership | None:
        return self.people.get(self.cleaned_data["offered_to"] or "")


@tenant_view
def swap_offer(request: TenantRequest, shift_id: str) -> HttpResponse:
    """Offer one of my published shifts that has not started to a colleague or to anyone
    qualified."""
    tenant, me = request.tenant, request.membership
    shift = tenant_object_get_or_404(Shift, tenant=tenant, id=shift_id)
    if (
        shift.membership_id != me.pk
        or shift.status != Shift.Status.PUBLISHED
        or shift.start_at <= timezone.now()
    ):
        messages.error(request, _("You can offer only your own published shifts that have not "
                                  "started."))  # fmt: skip
        return redirect("my-shifts", tenant_slug=tenant.slug)
    if marketplace.open_swap_of(shift) is not None:
        messages.info(request, _("This shift is already offered: see it below. Cancel that "
                                 "offer to make another."))  # fmt: skip
        return redirect("swaps", tenant_slug=tenant.slug)
    shift = Shift.objects.select_related("site", "position").get(tenant=tenant, pk=shift.pk)
    people, qualified = marketplace.colleagues_for(shift, besides=me)
    form = SwapOfferForm(people, qualified, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            marketplace.swap_offer(tenant=tenant, membership=me, shift=shift,
                                   offered_to=form.colleague(),
                                   note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Shift offered. You will be told when someone accepts, "
                                        "and again when a manager decides."))  # fmt: skip
            return redirect("swaps", tenant_slug=tenant.slug)
    return TemplateResponse(request, "scheduling/swap_offer.html", {"shift": shift, "form": form},
                            status=400 if form.errors else 200)  # fmt: skip


class AcceptForm(forms.Form):
    return_shift = forms.UUIDField(required=False)


@tenant_view
def swap_accept(request: TenantRequest, swap_id: str) -> HttpResponse:
    tenant, me = request.tenant, request.membership
    swap = tenant_object_get_or_404(ShiftSwap, tenant=tenant, id=swap_id)
    if request.method != "POST":
        return _post_only()
    form = AcceptForm(request.POST)
    given: Shift | None = None
    if form.is_valid() and form.cleaned_data["return_shift"]:
        given = Shift.objects.filter(
            tenant=tenant, pk=form.cleaned_data["return_shift"], membership=me
        ).first()
    if not form.is_valid() or (form.cleaned_data["return_shift"] and given is None):
        messages.error(request, _("Choose one of your own shifts to give in return, or none."))
        return redirect("swaps", tenant_slug=tenant.slug)
    try:
        marketplace.swap_accept(tenant=tenant, membership=me, swap=swap, return_shift=given)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Accepted. A manager decides next; you will both be told."))
    return redirect("swaps", tenant_slug=tenant.slug)


def _swap_step(
    request: TenantRequest,
    swap_id: str,
    step: Callable[..., object],
    done: str,
) -> HttpResponse:
    """POST only: `step` (marketplace.swap_refuse or swap_cancel) on one of the company's swaps
    by the member, then back to the swaps page with `done` or the reason it was refused."""
    swap = tenant_object_get_or_404(ShiftSwap, tenant=request.tenant, id=swap_id)
    if request.method != "POST":
        return _post_only()
    try:
        step(tenant=request.tenant, membership=request.membership, swap=swap)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, done)
    return redirect("swaps", tenant_slug=request.tenant.slug)


@tenant_view
def swap_refuse(request: TenantRequest, swap_id: str) -> HttpResponse:
    return _swap_step(request, swap_id, marketplace.swap_refuse,
                      _("Offer refused; your colleague has been told."))  # fmt: skip


@tenant_view
def swap_cancel(request: TenantRequest, swap_id: str) -> HttpResponse:
    return _swap_step(request, swap_id, marketplace.swap_cancel,
                      _("Your offer is cancelled; the shift stays yours."))  # fmt: skip


@tenant_view
@require_permission(Permission.PUBLISH_ROTA)
def swap_decide(request: TenantRequest, swap_id: str) -> HttpResponse:
    swap = tenant_object_get_or_404(ShiftSwap, tenant=request.tenant, id=swap_id)
    _at_my_sites_or_404(request, swap.shift_id)
    if request.method != "POST":
        return _post_only()
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Approve or Decline."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            marketplace.swap_decide(
                tenant=request.tenant, actor=request.membership, swap=swap, approve=approve,
                comment=form.cleaned_data["comment"],
                override_reason=form.cleaned_data["override_reason"],
            )  # fmt: skip
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, _("Swap approved: the shifts have changed hands, and both "
                                        "people have been told.") if approve else
                             _("Swap declined; both people have been told."))  # fmt: skip
    return redirect("swaps", tenant_slug=request.tenant.slug)
