"""Open shifts, claims and swaps pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling.access import sites_for_member
from scheduling.marketplace import selectors as marketplace_selectors
from scheduling.marketplace import services as marketplace_services
from scheduling.marketplace.forms import AcceptForm, DecisionForm, SwapOfferForm
from scheduling.marketplace.services import ClaimRefusedError
from scheduling.models import ClaimApproval, Shift, ShiftClaim, ShiftSwap
from scheduling.rules.facts import scheduling_settings
from tenancy.access import tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, require_permission, tenant_view
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


@tenant_view
def open_shifts(request: TenantRequest) -> HttpResponse:
    return _open_shifts_page(request)


def _open_shifts_page(
    request: TenantRequest, refusal: ClaimRefusedError | None = None, refused: Shift | None = None
) -> HttpResponse:
    """Open shifts offered to me (position and site in my work profile): those I may claim,
    and, folded away, those the working-time rules keep from me with the reason; my claims;
    for those who build rotas, the claims waiting for a decision at their sites. A claim the
    rules refused comes back here with its one sentence and the reasons behind it."""
    tenant, me = request.tenant, request.membership
    offered = Paginator(marketplace_selectors.open_shifts_for(me), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    outlooks = marketplace_selectors.claim_outlooks(me, list(offered))
    claims = Paginator(marketplace_selectors.claims_of(me), PAGE_SIZE).get_page(
        request.GET.get("claims")
    )
    context: dict[str, Any] = {
        "offered": offered, "claims": claims,
        "claimable": [o for o in outlooks if o.can_claim],
        "blocked": [o for o in outlooks if not o.can_claim],
        "refusal": refusal, "refused": refused,
        "automatic": scheduling_settings(tenant).claim_approval == ClaimApproval.AUTOMATIC,
        "manager": me.has(Permission.PUBLISH_ROTA),
    }  # fmt: skip
    if context["manager"]:
        waiting = Paginator(marketplace_selectors.claims_waiting(me), PAGE_SIZE).get_page(
            request.GET.get("waiting")
        )
        context["waiting"] = waiting
        context["reviews"] = marketplace_selectors.review_claims(me, list(waiting))
    status = 409 if refusal is not None else 200
    return TemplateResponse(
        request, "scheduling/marketplace/open_shifts.html", context, status=status
    )


@tenant_view
def open_shift_claim(request: TenantRequest, shift_id: str) -> HttpResponse:
    shift = tenant_object_get_or_404(Shift, tenant=request.tenant, id=shift_id)
    if request.method != "POST":
        return _post_only()
    try:
        claim = marketplace_services.claim_create(
            tenant=request.tenant, membership=request.membership, shift=shift
        )
    except ClaimRefusedError as refusal:
        return _open_shifts_page(request, refusal, shift)
    except ValidationError as error:
        _refused(request, error)
    else:
        if claim.status == ShiftClaim.Status.APPROVED:
            messages.success(request, _("The shift is yours: it is on My shifts now."))
        else:
            messages.success(request, _("Shift claimed. A manager decides, and you will be told."))
    return redirect("open-shifts", tenant_slug=request.tenant.slug)


@tenant_view
@require_permission(Permission.PUBLISH_ROTA)
def claim_decide(request: TenantRequest, claim_id: str) -> HttpResponse:
    claim = tenant_object_get_or_404(ShiftClaim, tenant=request.tenant, id=claim_id)

    def decide(approve: bool, data: dict[str, Any]) -> None:
        marketplace_services.claim_decide(
            tenant=request.tenant, actor=request.membership, claim=claim, approve=approve,
            comment=data["comment"],
        )  # fmt: skip

    return _decision(request, claim.shift_id, decide, back="open-shifts",
                     approved=_("Claim approved: the shift is the person's now, and they have "
                                "been told."),
                     declined=_("Claim declined; the person has been told."))  # fmt: skip


@tenant_view
def claim_withdraw(request: TenantRequest, claim_id: str) -> HttpResponse:
    claim = tenant_object_get_or_404(ShiftClaim, tenant=request.tenant, id=claim_id)
    if request.method != "POST":
        return _post_only()
    try:
        marketplace_services.claim_withdraw(tenant=request.tenant, membership=request.membership,
                                   claim=claim)  # fmt: skip
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Your claim is withdrawn."))
    return redirect("open-shifts", tenant_slug=request.tenant.slug)


@tenant_view
def swaps(request: TenantRequest) -> HttpResponse:
    """Offers I could take, my own swaps, and (for those who build rotas) accepted swaps waiting
    for approval at their sites."""
    me = request.membership
    offers = Paginator(marketplace_selectors.swaps_open_to(me), PAGE_SIZE).get_page(
        request.GET.get("offers")
    )
    mine = Paginator(marketplace_selectors.swaps_of(me), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "offers": offers, "mine": mine, "manager": me.has(Permission.PUBLISH_ROTA),
        "my_shifts": marketplace_selectors.my_future_shifts(me) if len(offers) else [],
        "may_override": me.has(Permission.OVERRIDE_RULES),
    }  # fmt: skip
    if context["manager"]:
        waiting = Paginator(marketplace_selectors.swaps_waiting(me), PAGE_SIZE).get_page(
            request.GET.get("waiting")
        )
        context["waiting"] = waiting
        context["reviews"] = marketplace_selectors.review_swaps(me, list(waiting))
    return TemplateResponse(request, "scheduling/marketplace/swaps.html", context)


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
    if marketplace_selectors.open_swap_of(shift) is not None:
        messages.info(request, _("This shift is already offered: see it below. Cancel that "
                                 "offer to make another."))  # fmt: skip
        return redirect("swaps", tenant_slug=tenant.slug)
    shift = Shift.objects.select_related("site", "position").get(tenant=tenant, pk=shift.pk)
    people, qualified = marketplace_selectors.colleagues_for(shift, besides=me)
    form = SwapOfferForm(people, qualified, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            marketplace_services.swap_offer(tenant=tenant, membership=me, shift=shift,
                                   offered_to=form.colleague(),
                                   note=form.cleaned_data["note"])  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Shift offered. You will be told when someone accepts, "
                                        "and again when a manager decides."))  # fmt: skip
            return redirect("swaps", tenant_slug=tenant.slug)
    return TemplateResponse(
        request, "scheduling/marketplace/swap_offer.html", {"shift": shift, "form": form},
        status=400 if form.errors else 200,
    )  # fmt: skip


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
        marketplace_services.swap_accept(
            tenant=tenant, membership=me, swap=swap, return_shift=given
        )
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
    return _swap_step(request, swap_id, marketplace_services.swap_refuse,
                      _("Offer refused; your colleague has been told."))  # fmt: skip


@tenant_view
def swap_cancel(request: TenantRequest, swap_id: str) -> HttpResponse:
    return _swap_step(request, swap_id, marketplace_services.swap_cancel,
                      _("Your offer is cancelled; the shift stays yours."))  # fmt: skip


@tenant_view
@require_permission(Permission.PUBLISH_ROTA)
def swap_decide(request: TenantRequest, swap_id: str) -> HttpResponse:
    swap = tenant_object_get_or_404(ShiftSwap, tenant=request.tenant, id=swap_id)

    def decide(approve: bool, data: dict[str, Any]) -> None:
        marketplace_services.swap_decide(
            tenant=request.tenant, actor=request.membership, swap=swap, approve=approve,
            comment=data["comment"], override_reason=data["override_reason"],
        )  # fmt: skip

    return _decision(request, swap.shift_id, decide, back="swaps",
                     approved=_("Swap approved: the shifts have changed hands, and both people "
                                "have been told."),
                     declined=_("Swap declined; both people have been told."))  # fmt: skip


def _decision(
    request: TenantRequest,
    shift_id: Any,
    decide: Callable[[bool, dict[str, Any]], None],
    *,
    back: str,
    approved: str,
    declined: str,
) -> HttpResponse:
    """A manager's approve or decline of a claim or a swap at one of their sites (POST only):
    a refusal by the rules is shown as one sentence with its reasons, never lost."""
    _at_my_sites_or_404(request, shift_id)
    if request.method != "POST":
        return _post_only()
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Approve or Decline."))
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            decide(approve, form.cleaned_data)
        except ValidationError as error:
            _refused(request, error)
        else:
            messages.success(request, approved if approve else declined)
    return redirect(back, tenant_slug=request.tenant.slug)
