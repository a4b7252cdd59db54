"""URLs of scheduling's marketplace pages. Included under /<tenant_slug>/ by scheduling.urls."""

from django.urls import URLPattern, path

from scheduling.marketplace import views

urlpatterns: list[URLPattern] = [
    path("open-shifts/", views.open_shifts, name="open-shifts"),
    path("open-shifts/<uuid:shift_id>/claim/", views.open_shift_claim, name="open-shift-claim"),
    path("claims/<uuid:claim_id>/decide/", views.claim_decide, name="claim-decide"),
    path("claims/<uuid:claim_id>/withdraw/", views.claim_withdraw, name="claim-withdraw"),
    path("swaps/", views.swaps, name="swaps"),
    path("shifts/<uuid:shift_id>/swap/", views.swap_offer, name="swap-offer"),
    path("swaps/<uuid:swap_id>/accept/", views.swap_accept, name="swap-accept"),
    path("swaps/<uuid:swap_id>/refuse/", views.swap_refuse, name="swap-refuse"),
    path("swaps/<uuid:swap_id>/cancel/", views.swap_cancel, name="swap-cancel"),
    path("swaps/<uuid:swap_id>/decide/", views.swap_decide, name="swap-decide"),
]
