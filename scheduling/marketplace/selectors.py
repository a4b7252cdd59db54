"""Reads of the marketplace: open shifts a person may take, claims and swaps waiting, reviews."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling import rules
from scheduling.access import sites_for_member
from scheduling.models import (
    SCHEDULE_SITE,
    Shift,
    ShiftClaim,
    ShiftSwap,
    SiteUserObjectPermission,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from scheduling.rules.checks import violations_added_each, violations_for
from scheduling.templatetags.scheduling import local_range
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import Permission

OPEN_SWAP = (ShiftSwap.Status.OFFERED, ShiftSwap.Status.ACCEPTED)


def describe(shift: Shift) -> str:
    """The shift in words, like "Carer at Rosewood House, Tue 24 Nov 09:00-17:00". It names no
    person, so it may go into a notification. Reads `shift.site` and `shift.position`."""
    return _("%(position)s at %(site)s, %(when)s") % {
        "position": shift.position.name, "site": shift.site.name, "when": local_range(shift),
    }  # fmt: skip


def shift_as(shift: Shift, membership_id: uuid.UUID | None, pk: uuid.UUID | None = None) -> Shift:
    """An unsaved copy of `shift` given to `membership_id` (with another id, when given), for
    judging the rules as if the change were made."""
    copy = Shift(**{f.attname: getattr(shift, f.attname) for f in Shift._meta.concrete_fields})
    copy.membership_id = membership_id
    if pk is not None:
        copy.pk = pk
    return copy


def qualified_profiles(shift: Shift) -> QuerySet[WorkProfile]:
    """The work profiles that list both the shift's position and its site."""
    return WorkProfile.objects.filter(
        tenant_id=shift.tenant_id,
        pk__in=WorkProfilePosition.objects.filter(
            tenant_id=shift.tenant_id, position_id=shift.position_id
        ).values("profile_id"),
    ).filter(
        pk__in=WorkProfileSite.objects.filter(
            tenant_id=shift.tenant_id, site_id=shift.site_id
        ).values("profile_id")
    )  # fmt: skip


def qualified_colleagues(shift: Shift, *, besides: Membership) -> list[Membership]:
    """The active members other than `besides` whose work profile lists the shift's position
    and site, by name."""
    return list(
        Membership.objects.filter(
            tenant_id=shift.tenant_id, status=Membership.Status.ACTIVE,
            pk__in=qualified_profiles(shift).values("membership_id"),
        )
        .exclude(pk=besides.pk)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )  # fmt: skip


def deciders(tenant: Tenant, site_ids: Iterable[uuid.UUID]) -> list[Membership]:
    """The active members who build rotas and schedule every one of `site_ids`: those who may
    approve a claim or a swap there."""
    roles = [r.pk for r in Role.objects.filter(tenant=tenant) if r.has(Permission.PUBLISH_ROTA)]
    people = Membership.objects.filter(
        tenant=tenant, status=Membership.Status.ACTIVE, role__in=roles, user__is_active=True
    )
    codename = SCHEDULE_SITE.split(".", 1)[1]
    for site_id in set(site_ids):
        granted = SiteUserObjectPermission.objects.filter(
            tenant=tenant, content_object_id=site_id, permission__codename=codename
        ).values("user_id")
        people = people.filter(Q(all_sites=True) | Q(user_id__in=granted))
    return list(people.select_related("user"))


def may_decide(actor: Membership, site_ids: Iterable[uuid.UUID]) -> bool:
    """Whether `actor` builds rotas and schedules every one of `site_ids`."""
    wanted = set(site_ids)
    if not actor.has(Permission.PUBLISH_ROTA):
        return False
    return sites_for_member(actor).filter(pk__in=wanted).count() == len(wanted)


def swap_candidates(
    shift: Shift, return_shift: Shift | None, taker_id: uuid.UUID, giver_id: uuid.UUID
) -> list[Shift]:
    """The swap's shifts as they would be after it: the shift the taker's, the one given in
    return the giver's."""
    changed = [shift_as(shift, taker_id)]
    if return_shift is not None:
        changed.append(shift_as(return_shift, giver_id))
    return changed


def open_shifts_for(membership: Membership) -> QuerySet[Shift]:
    """The published open shifts not yet started whose position and site are both in the
    member's work profile, soonest first, each with `my_claim` (a claim of theirs waiting)."""
    tenant_id = membership.tenant_id
    return (
        Shift.objects.filter(
            tenant_id=tenant_id, status=Shift.Status.PUBLISHED, membership__isnull=True,
            start_at__gt=timezone.now(),
            position_id__in=WorkProfilePosition.objects.filter(
                tenant_id=tenant_id, profile__membership=membership
            ).values("position_id"),
            site_id__in=WorkProfileSite.objects.filter(
                tenant_id=tenant_id, profile__membership=membership
            ).values("site_id"),
        )
        .annotate(my_claim=Exists(ShiftClaim.objects.filter(
            tenant_id=tenant_id, shift=OuterRef("pk"), membership=membership,
            status=ShiftClaim.Status.PENDING,
        )))
        .select_related("site", "position")
        .order_by("start_at", "id")
    )  # fmt: skip


def claims_of(membership: Membership) -> QuerySet[ShiftClaim]:
    """The member's own claims, newest first."""
    return (
        ShiftClaim.objects.filter(tenant_id=membership.tenant_id, membership=membership)
        .select_related("shift__site", "shift__position")
        .order_by("-created_at", "-id")
    )


def claims_waiting(actor: Membership) -> QuerySet[ShiftClaim]:
    """Claims waiting for a decision on open shifts not yet started at the sites `actor`
    schedules, by the shift's start and then first come, first served."""
    return (
        ShiftClaim.objects.filter(
            tenant_id=actor.tenant_id, status=ShiftClaim.Status.PENDING,
            shift__membership__isnull=True, shift__status=Shift.Status.PUBLISHED,
            shift__start_at__gt=timezone.now(),
            shift__site_id__in=sites_for_member(actor).values("pk"),
        )
        .select_related("shift__site", "shift__position", "membership__user")
        .order_by("shift__start_at", "shift_id", "created_at", "id")
    )  # fmt: skip


@dataclass
class Review:
    """A claim or swap waiting for a manager, with the rule breaks approving it would bring:
    `hard` ones block (a swap's can be overridden), `soft` ones are warnings."""

    item: ShiftClaim | ShiftSwap
    hard: list[str] = field(default_factory=list)
    soft: list[str] = field(default_factory=list)
    own: bool = False  # the manager is part of it: someone else decides


def _sorted_out(
    violations: Iterable[rules.Violation], ignore: set[uuid.UUID], prefix: str = ""
) -> tuple[list[str], list[str]]:
    hard: list[str] = []
    soft: list[str] = []
    for v in violations:
        if v.other_shift_id in ignore:
            continue  # against another item of the list: they are decided one by one
        (hard if v.hard else soft).append(prefix + v.message)
    return list(dict.fromkeys(hard)), list(dict.fromkeys(soft))


def review_claims(actor: Membership, claims: Sequence[ShiftClaim]) -> list[Review]:
    """`claims` with the rule breaks each would bring, judged together (a fixed number of
    queries): each as a copy of its shift given to the claimant, under the claim's id."""
    copies = [shift_as(claim.shift, claim.membership_id, pk=claim.pk) for claim in claims]
    found = violations_for(actor.tenant, copies) if copies else {}
    ignore = {claim.pk for claim in claims}
    reviews = []
    for claim in claims:
        hard, soft = _sorted_out(found.get(claim.pk, []), ignore - {claim.pk})
        own = claim.membership_id == actor.pk
        reviews.append(Review(item=claim, hard=hard, soft=soft, own=own))
    return reviews


def swaps_of(membership: Membership) -> QuerySet[ShiftSwap]:
    """Swaps the member offered, accepted, or was offered by name; newest first."""
    return _swap_rows(
        ShiftSwap.objects.filter(
            Q(offered_by=membership) | Q(accepted_by=membership) | Q(offered_to=membership),
            tenant_id=membership.tenant_id,
        )
    ).order_by("-created_at", "-id")


def swaps_open_to(membership: Membership) -> QuerySet[ShiftSwap]:
    """Offers the member could take now: made to them by name, or to anyone whose work profile
    lists the shift's position and site as theirs does; shifts not yet started, soonest first."""
    tenant_id = membership.tenant_id
    positions = WorkProfilePosition.objects.filter(
        tenant_id=tenant_id, profile__membership=membership
    ).values("position_id")
    sites = WorkProfileSite.objects.filter(
        tenant_id=tenant_id, profile__membership=membership
    ).values("site_id")
    anyone = Q(offered_to__isnull=True, shift__position_id__in=positions,
               shift__site_id__in=sites)  # fmt: skip
    return _swap_rows(
        ShiftSwap.objects.filter(
            Q(offered_to=membership) | anyone, tenant_id=tenant_id,
            status=ShiftSwap.Status.OFFERED, shift__start_at__gt=timezone.now(),
        ).exclude(offered_by=membership)
    ).order_by("shift__start_at", "id")  # fmt: skip


def swaps_waiting(actor: Membership) -> QuerySet[ShiftSwap]:
    """Accepted swaps waiting for a manager whose shift is at a site `actor` schedules."""
    return _swap_rows(
        ShiftSwap.objects.filter(
            tenant_id=actor.tenant_id, status=ShiftSwap.Status.ACCEPTED,
            shift__site_id__in=sites_for_member(actor).values("pk"),
        )
    ).order_by("shift__start_at", "id")  # fmt: skip


def _swap_rows(query: QuerySet[ShiftSwap]) -> QuerySet[ShiftSwap]:
    return query.select_related(
        "shift__site", "shift__position", "return_shift__site", "return_shift__position",
        "offered_by__user", "offered_to__user", "accepted_by__user", "decided_by__user",
    )  # fmt: skip


def review_swaps(actor: Membership, swaps: Sequence[ShiftSwap]) -> list[Review]:
    """`swaps` with the rule breaks approving each would bring, for both people, judged
    together (a fixed number of queries)."""
    copies: list[Shift] = []
    for swap in swaps:
        if swap.accepted_by_id is not None:
            copies += swap_candidates(swap.shift, swap.return_shift, swap.accepted_by_id,
                                       swap.offered_by_id)  # fmt: skip
    found = violations_for(actor.tenant, copies) if copies else {}
    ids = {copy.pk for copy in copies}
    reviews = []
    for swap in swaps:
        hard: list[str] = []
        soft: list[str] = []
        parts = [(swap.shift, swap.accepted_by)]
        if swap.return_shift is not None:
            parts.append((swap.return_shift, swap.offered_by))
        mine = {part.pk for part, _person in parts}
        for part, person in parts:
            name = person.user.display_name if person is not None else ""
            more_hard, more_soft = _sorted_out(found.get(part.pk, []), ids - mine, f"{name}: ")
            hard += more_hard
            soft += more_soft
        own = actor.pk in {swap.offered_by_id, swap.accepted_by_id}
        reviews.append(Review(item=swap, hard=hard, soft=soft, own=own))
    return reviews


def my_future_shifts(membership: Membership, *, days: int = 56) -> list[Shift]:
    """The member's published shifts starting in the next `days` (for giving one in return)."""
    now = timezone.now()
    return list(
        Shift.objects.filter(
            tenant_id=membership.tenant_id, membership=membership,
            status=Shift.Status.PUBLISHED, start_at__gt=now,
            start_at__lt=now + dt.timedelta(days=days),
        ).select_related("site", "position").order_by("start_at", "id")[:100]
    )  # fmt: skip


def open_swaps_by_shift(
    membership: Membership, shift_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, ShiftSwap]:
    """The member's open offers of `shift_ids`, by shift (for My shifts). One query."""
    return {
        swap.shift_id: swap
        for swap in ShiftSwap.objects.filter(
            tenant_id=membership.tenant_id, offered_by=membership, status__in=OPEN_SWAP,
            shift_id__in=list(shift_ids),
        )
    }  # fmt: skip


def open_swap_of(shift: Shift) -> ShiftSwap | None:
    return ShiftSwap.objects.filter(
        tenant_id=shift.tenant_id, shift=shift, status__in=OPEN_SWAP
    ).first()


def colleagues_for(shift: Shift, *, besides: Membership) -> tuple[list[Membership], set[uuid.UUID]]:
    """Every active member but `besides`, by name, and which of them are qualified for
    `shift`. Two queries."""
    people = list(
        Membership.objects.filter(tenant_id=shift.tenant_id, status=Membership.Status.ACTIVE)
        .exclude(pk=besides.pk)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    qualified = set(qualified_profiles(shift).values_list("membership_id", flat=True))
    return people, qualified


@dataclass(frozen=True)
class ClaimOutlook:
    """Whether a person may claim an open shift: the hard rule breaks taking it would bring
    (then they may not), and the warnings it would carry."""

    shift: Shift
    blocked_by: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def can_claim(self) -> bool:
        return not self.blocked_by


def claim_outlooks(membership: Membership, shifts: Sequence[Shift]) -> list[ClaimOutlook]:
    """Each of `shifts` (open shifts offered to `membership`) judged as if they alone took it:
    one read of the rules' context for all of them (four to six queries)."""
    if not shifts:
        return []
    judged = violations_added_each(
        membership.tenant, [shift_as(shift, membership.pk) for shift in shifts]
    )
    outlooks = []
    for shift in shifts:
        hard, soft = judged.get(shift.pk, ([], []))
        outlooks.append(ClaimOutlook(
            shift=shift,
            blocked_by=tuple(dict.fromkeys(v.message for v in hard)),
            warnings=tuple(dict.fromkeys(v.message for v in soft)),
        ))  # fmt: skip
    return outlooks
