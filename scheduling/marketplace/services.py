"""Writes of the marketplace: claims on open shifts and shift swaps, each checked against every
rule, decided by a manager where the company says, notified through the notify path."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from scheduling import rules
from scheduling.marketplace.selectors import (
    OPEN_SWAP,
    deciders,
    describe,
    may_decide,
    qualified_colleagues,
    shift_as,
    swap_candidates,
)
from scheduling.messaging.services import notify
from scheduling.models import (
    ClaimApproval,
    NotificationKind,
    Shift,
    ShiftClaim,
    ShiftSwap,
)
from scheduling.rota import services
from scheduling.rules.checks import hard_violations_added
from scheduling.rules.facts import profiles_of, scheduling_settings
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant


class ClaimRefusedError(ValidationError):
    """A claim the working-time rules refuse: one sentence to show, and the rules' reasons
    behind it (messages holds both, the sentence first)."""

    def __init__(self, summary: str, reasons: list[str]) -> None:
        super().__init__([summary, *reasons], code="rules")
        self.summary, self.reasons = summary, reasons


def _locked_shift(tenant: Tenant, shift_id: uuid.UUID) -> Shift:
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("site", "position")
        .filter(tenant=tenant, pk=shift_id)
        .first()
    )
    if shift is None:
        raise ValidationError(_("This shift no longer exists."))
    return shift


def _not_qualified(
    tenant: Tenant, person: Membership, shift: Shift, *, you: bool = False
) -> str | None:
    """Why `person` may not work `shift` (its position or site is not in their work profile),
    or None. Read with `shift.site` and `shift.position` at hand."""
    profiles = profiles_of(tenant, [person.pk])
    values = {"name": person.user.display_name, "position": shift.position.name,
              "site": shift.site.name}  # fmt: skip
    if shift.position_id not in profiles.positions.get(person.pk, frozenset()):
        if you:
            return _("You cannot take this shift: %(position)s is not among the positions in "
                     "your work profile.") % values  # fmt: skip
        return _("%(name)s cannot take this shift: %(position)s is not among the positions in "
                 "their work profile.") % values  # fmt: skip
    if shift.site_id not in profiles.sites.get(person.pk, frozenset()):
        if you:
            return _("You cannot take this shift: %(site)s is not among the sites in your work "
                     "profile.") % values  # fmt: skip
        return _("%(name)s cannot take this shift: %(site)s is not among the sites in their "
                 "work profile.") % values  # fmt: skip
    return None


def _messages(found: dict[uuid.UUID, list[rules.Violation]]) -> list[str]:
    return list(dict.fromkeys(v.message for violations in found.values() for v in violations))


def _about(shift: Shift, tenant: Tenant) -> dict[str, str]:
    """What an audit entry says of a shift: its id, its site, and its day in the company's
    time (ids and a date, no personal values)."""
    day = shift.start_at.astimezone(zoneinfo.ZoneInfo(tenant.time_zone)).date()
    return {"shift": str(shift.pk), "site": str(shift.site_id), "day": day.isoformat()}


def _url(tenant: Tenant, page: str) -> str:
    return f"/{tenant.slug}/{page}/"


def claim_create(*, tenant: Tenant, membership: Membership, shift: Shift) -> ShiftClaim:
    """Claim a published open shift that has not started. Refused with a message when the
    shift is taken (of two people claiming at once, exactly one gets it), not published or
    started, when the claimant's work profile lacks its position or site, or when taking it
    would break a working-time rule that blocks (those messages are given). In automatic mode
    the first valid claim is approved and the shift is the claimant's at once; otherwise the
    claim waits and the managers of the site are notified."""
    with tenant_context(tenant), transaction.atomic():
        current = _locked_shift(tenant, shift.pk)
        now = timezone.now()
        if current.membership_id == membership.pk:
            raise ValidationError(_("This shift is already yours."))
        if current.membership_id is not None:
            raise ValidationError(_("Someone else has just taken this shift: it is no longer "
                                    "open. Nothing was changed."))  # fmt: skip
        if current.status != Shift.Status.PUBLISHED:
            raise ValidationError(_("This shift is not open to claims."))
        if current.start_at <= now:
            raise ValidationError(_("This shift has already started."))
        reason = _not_qualified(tenant, membership, current, you=True)
        if reason:
            raise ValidationError(reason)
        pending = ShiftClaim.objects.filter(
            tenant=tenant, shift=current, membership=membership,
            status=ShiftClaim.Status.PENDING,
        )  # fmt: skip
        if pending.exists():
            raise ValidationError(_("You have already claimed this shift; a manager decides."))
        hard = hard_violations_added(tenant, [shift_as(current, membership.pk)])
        if hard:
            raise ClaimRefusedError(
                _("You cannot take this shift: it breaks working-time rules."), _messages(hard)
            )
        automatic = scheduling_settings(tenant).claim_approval == ClaimApproval.AUTOMATIC
        claim = ShiftClaim(tenant=tenant, shift=current, membership=membership)
        if automatic:
            claim.status, claim.decided_at = ShiftClaim.Status.APPROVED, now
            _retire_stale_approval(current)
        _save_claim(claim, is_new=True)
        emit(Event.OPEN_SHIFT_CLAIMED, tenant=tenant, user=membership.user, target=claim,
             data={**_about(current, tenant), "automatic": automatic})  # fmt: skip
        if automatic:
            services.shift_assign(tenant=tenant, actor=membership, shift=current,
                                  membership=membership)  # fmt: skip
            emit(Event.OPEN_SHIFT_CLAIM_APPROVED, tenant=tenant, user=membership.user, target=claim,
                 data={**_about(current, tenant), "automatic": True})  # fmt: skip
            _decline_others(tenant, None, current, claim)
        else:
            notify(
                tenant=tenant, recipients=deciders(tenant, [current.site_id]),
                kind=NotificationKind.REQUEST, actor=membership,
                title=_("A claim on an open shift is waiting for you"),
                body=describe(current), url=_url(tenant, "open-shifts"),
            )  # fmt: skip
    return claim


def _save_claim(claim: ShiftClaim, *, is_new: bool = False) -> None:
    """Save a claim inside a savepoint: the partial unique constraints turn a lost race into a
    clear message, and leave the outer transaction usable."""
    fields = None if is_new else ["status", "decided_by", "decided_at", "decision_comment"]
    try:
        with transaction.atomic():
            claim.save(update_fields=fields)
    except IntegrityError:
        if claim.status == ShiftClaim.Status.APPROVED:
            message = _("Someone else has just been given this shift. Nothing was changed.")
        else:
            message = _("You have already claimed this shift; a manager decides.")
        raise ValidationError(message) from None


def _retire_stale_approval(shift: Shift) -> None:
    """An open shift (checked under its lock) may still carry the approved claim of someone a
    manager later took off it: that claim no longer stands, so a new one can be approved."""
    for stale in ShiftClaim.objects.filter(
        tenant_id=shift.tenant_id, shift=shift, status=ShiftClaim.Status.APPROVED
    ):
        stale.status = ShiftClaim.Status.WITHDRAWN
        stale.decision_comment = _("The shift was later taken off this person's rota.")
        stale.save(update_fields=["status", "decision_comment"])


def _decline_others(
    tenant: Tenant, actor: Membership | None, shift: Shift, winner: ShiftClaim
) -> None:
    """Decline the other claims still waiting on `shift`, telling each person."""
    others = list(
        ShiftClaim.objects.filter(
            tenant=tenant, shift=shift, status=ShiftClaim.Status.PENDING
        ).exclude(pk=winner.pk).select_related("membership")
    )  # fmt: skip
    now = timezone.now()
    for other in others:
        other.status, other.decided_by, other.decided_at = ShiftClaim.Status.DECLINED, actor, now
        other.decision_comment = _("The shift was given to someone else.")
        other.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        emit(
            Event.OPEN_SHIFT_CLAIM_DECLINED,
            tenant=tenant,
            user=actor.user if actor else None,
            target=other,
            data={
                **_about(shift, tenant),
                "member": str(other.membership_id),
                "reason": "given to someone else",
            },
        )
    if others:
        notify(
            tenant=tenant, recipients=[o.membership for o in others],
            kind=NotificationKind.DECISION, actor=actor,
            title=_("An open shift you claimed went to someone else"), body=describe(shift),
            url=_url(tenant, "open-shifts"),
        )  # fmt: skip


def claim_decide(
    *, tenant: Tenant, actor: Membership, claim: ShiftClaim, approve: bool, comment: str = ""
) -> ShiftClaim:
    """Approve a waiting claim (the shift becomes the claimant's and every other claim on it is
    declined) or decline it (a comment is needed: the person sees it). Refused with a message
    when the claim was decided or withdrawn meanwhile, when the shift is no longer open (of two
    managers approving different claims at once, exactly one succeeds), when the actor does
    not schedule the site or is the claimant, or when a blocking rule would now be broken."""
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why you decline; the person sees it.")})
    with tenant_context(tenant), transaction.atomic():
        shift_id = (
            ShiftClaim.objects.filter(tenant=tenant, pk=claim.pk)
            .values_list("shift_id", flat=True)
            .first()
        )
        if shift_id is None:
            raise ValidationError(_("This claim no longer exists."))
        shift = _locked_shift(tenant, shift_id)  # the shift first, as claim_create locks it
        row = (
            ShiftClaim.objects.select_for_update(of=("self",))
            .select_related("membership__user")
            .get(tenant=tenant, pk=claim.pk)
        )
        if row.status != ShiftClaim.Status.PENDING:
            raise ValidationError(_("This claim is already %(status)s.")
                                  % {"status": row.get_status_display().lower()})  # fmt: skip
        if row.membership_id == actor.pk:
            raise ValidationError(_("Someone else must decide on your own claim."))
        if not may_decide(actor, [shift.site_id]):
            raise ValidationError(_("You do not schedule this shift's site."))
        if approve:
            _check_still_open(shift)
            hard = hard_violations_added(tenant, [shift_as(shift, row.membership_id)])
            if hard:
                lead = _("Approving this claim would break working-time rules that block it. "
                         "Decline it, or change the person's other shifts first.")  # fmt: skip
                raise ValidationError([lead, *_messages(hard)])
            _retire_stale_approval(shift)
        row.status = ShiftClaim.Status.APPROVED if approve else ShiftClaim.Status.DECLINED
        row.decided_by, row.decided_at, row.decision_comment = actor, timezone.now(), comment
        _save_claim(row)
        emit(Event.OPEN_SHIFT_CLAIM_APPROVED if approve else Event.OPEN_SHIFT_CLAIM_DECLINED,
             tenant=tenant, user=actor.user, target=row,
             data={**_about(shift, tenant), "member": str(row.membership_id)})  # fmt: skip
        if approve:
            services.shift_assign(tenant=tenant, actor=actor, shift=shift,
                                  membership=row.membership)  # fmt: skip
            _decline_others(tenant, actor, shift, row)
        title = (_("Your claim on an open shift was approved") if approve
                 else _("Your claim on an open shift was declined"))  # fmt: skip
        body = describe(shift) + (f"\n\n{comment}" if comment else "")
        notify(tenant=tenant, recipients=[row.membership], kind=NotificationKind.DECISION,
               actor=actor, title=title, body=body,
               url=_url(tenant, "my-shifts" if approve else "open-shifts"))  # fmt: skip
    return row


def _check_still_open(shift: Shift) -> None:
    if shift.membership_id is not None:
        raise ValidationError(_("This shift has already been given to someone else. Decline "
                                "this claim to tell the person."))  # fmt: skip
    if shift.status != Shift.Status.PUBLISHED or shift.start_at <= timezone.now():
        raise ValidationError(_("This shift is no longer open: it has started or is not "
                                "published. Decline this claim to tell the person."))  # fmt: skip


def claim_withdraw(*, tenant: Tenant, membership: Membership, claim: ShiftClaim) -> ShiftClaim:
    """The claimant takes back a claim still waiting for a decision."""
    with tenant_context(tenant), transaction.atomic():
        row = (
            ShiftClaim.objects.select_for_update()
            .filter(tenant=tenant, pk=claim.pk, membership=membership)
            .first()
        )
        if row is None:
            raise ValidationError(_("Only your own claims can be withdrawn."))
        if row.status != ShiftClaim.Status.PENDING:
            raise ValidationError(_("This claim is already %(status)s.")
                                  % {"status": row.get_status_display().lower()})  # fmt: skip
        row.status, row.decided_at = ShiftClaim.Status.WITHDRAWN, timezone.now()
        row.save(update_fields=["status", "decided_at"])
        emit(Event.OPEN_SHIFT_CLAIM_WITHDRAWN, tenant=tenant, user=membership.user, target=row,
             data={"shift": str(row.shift_id)})  # fmt: skip
    return row


def swap_offer(
    *,
    tenant: Tenant,
    membership: Membership,
    shift: Shift,
    offered_to: Membership | None,
    note: str = "",
) -> ShiftSwap:
    """Offer one of one's own published shifts that has not started to a named colleague (who
    must have its position and site in their work profile: refused with a message saying which
    is missing) or, `offered_to` None, to anyone qualified (each of them is notified). One open
    offer per shift."""
    with tenant_context(tenant), transaction.atomic():
        current = _locked_shift(tenant, shift.pk)
        _check_offerable(current, membership)
        if offered_to is not None:
            if offered_to.pk == membership.pk:
                raise ValidationError({"offered_to": _("Choose a colleague, not yourself.")})
            if offered_to.tenant_id != tenant.pk or offered_to.status != Membership.Status.ACTIVE:
                raise ValidationError({"offered_to": _("Choose an active colleague.")})
            reason = _not_qualified(tenant, offered_to, current)
            if reason:
                raise ValidationError({"offered_to": reason})
        if ShiftSwap.objects.filter(tenant=tenant, shift=current, status__in=OPEN_SWAP).exists():
            raise ValidationError(_("This shift is already offered. Cancel that offer first to "
                                    "make another."))  # fmt: skip
        swap = ShiftSwap(tenant=tenant, shift=current, offered_by=membership,
                         offered_to=offered_to, note=note.strip())  # fmt: skip
        swap.full_clean(exclude=["tenant", "shift", "offered_by", "offered_to", "accepted_by",
                                 "return_shift", "decided_by"])  # fmt: skip
        try:
            with transaction.atomic():
                swap.save()
        except IntegrityError:
            raise ValidationError(_("This shift is already offered. Cancel that offer first "
                                    "to make another.")) from None  # fmt: skip
        emit(Event.SWAP_OFFERED, tenant=tenant, user=membership.user, target=swap,
             data={**_about(current, tenant),
                   "to": str(offered_to.pk) if offered_to else "anyone qualified"})  # fmt: skip
        if offered_to is not None:
            recipients, title = [offered_to], _("A colleague offers you a shift")
        else:
            recipients = qualified_colleagues(current, besides=membership)
            title = _("A shift you can work is offered to anyone who can take it")
        notify(tenant=tenant, recipients=recipients, kind=NotificationKind.REQUEST,
               actor=membership, title=title, body=describe(current),
               url=_url(tenant, "swaps"))  # fmt: skip
    return swap


def _check_offerable(shift: Shift, membership: Membership) -> None:
    """`shift` is `membership`'s own, published, and has not started."""
    if shift.membership_id != membership.pk:
        raise ValidationError(_("You can offer only your own shifts."))
    if shift.status != Shift.Status.PUBLISHED:
        raise ValidationError(_("Only published shifts can be swapped."))
    if shift.start_at <= timezone.now():
        raise ValidationError(_("This shift has already started."))


def _lock_swap(tenant: Tenant, swap: ShiftSwap) -> tuple[ShiftSwap, Shift, Shift | None]:
    """The swap's shift (and the shift given in return, if any), then the swap itself, locked
    in that order (shifts by id), so that racing writes queue instead of deadlocking."""
    ids = (
        ShiftSwap.objects.filter(tenant=tenant, pk=swap.pk)
        .values_list("shift_id", "return_shift_id")
        .first()
    )
    if ids is None:
        raise ValidationError(_("This swap no longer exists."))
    shifts = {
        s.pk: s
        for s in Shift.objects.select_for_update(of=("self",))
        .select_related("site", "position")
        .filter(tenant=tenant, pk__in=[pk for pk in ids if pk is not None])
        .order_by("pk")
    }
    row = (
        ShiftSwap.objects.select_for_update(of=("self",))
        .select_related("offered_by__user", "offered_to__user", "accepted_by__user")
        .get(tenant=tenant, pk=swap.pk)
    )
    return_shift = shifts.get(row.return_shift_id) if row.return_shift_id else None
    return row, shifts[row.shift_id], return_shift


def _check_status(row: ShiftSwap, *wanted: str) -> None:
    if row.status not in wanted:
        raise ValidationError(_("This swap is already %(status)s.")
                              % {"status": row.get_status_display().lower()})  # fmt: skip


def swap_accept(
    *,
    tenant: Tenant,
    membership: Membership,
    swap: ShiftSwap,
    return_shift: Shift | None = None,
) -> ShiftSwap:
    """Take an offered shift (offered to oneself, or to anyone qualified), optionally giving one
    of one's own published shifts in return. The rules are checked as if the shifts had changed
    hands: a blocking break refuses it with the messages. Then the managers of the sites are
    asked to approve."""
    with tenant_context(tenant), transaction.atomic():
        row, shift, _none = _lock_swap(tenant, swap)
        _check_status(row, ShiftSwap.Status.OFFERED)
        if row.offered_by_id == membership.pk:
            raise ValidationError(_("You cannot accept your own offer."))
        if row.offered_to_id is not None and row.offered_to_id != membership.pk:
            raise ValidationError(_("This offer was made to someone else."))
        _check_unchanged(shift, row.offered_by_id)
        reason = _not_qualified(tenant, membership, shift, you=True)
        if reason:
            raise ValidationError(reason)
        given: Shift | None = None
        if return_shift is not None:
            given = _locked_shift(tenant, return_shift.pk)
            if given.pk == shift.pk:
                raise ValidationError({"return_shift": _("Choose another shift to give.")})
            try:
                _check_offerable(given, membership)
            except ValidationError as error:
                raise ValidationError({"return_shift": error.messages}) from None
            reason = _not_qualified(tenant, row.offered_by, given)
            if reason:
                raise ValidationError({"return_shift": reason})
        hard = hard_violations_added(
            tenant, swap_candidates(shift, given, membership.pk, row.offered_by_id)
        )
        if hard:
            raise ValidationError(
                [_("This swap would break working-time rules that block it."), *_messages(hard)]
            )
        row.status, row.accepted_by, row.accepted_at = (
            ShiftSwap.Status.ACCEPTED, membership, timezone.now(),
        )  # fmt: skip
        row.return_shift = given
        row.save(update_fields=["status", "accepted_by", "accepted_at", "return_shift"])
        emit(Event.SWAP_ACCEPTED, tenant=tenant, user=membership.user, target=row,
             data={**_about(shift, tenant),
                   "return_shift": str(given.pk) if given else None})  # fmt: skip
        sites = [shift.site_id] + ([given.site_id] if given else [])
        people = {row.offered_by_id, membership.pk}
        managers = [m for m in deciders(tenant, sites) if m.pk not in people]
        notify(tenant=tenant, recipients=managers, kind=NotificationKind.REQUEST,
               actor=membership, title=_("A shift swap is waiting for your approval"),
               body=describe(shift), url=_url(tenant, "swaps"))  # fmt: skip
        notify(tenant=tenant, recipients=[row.offered_by], kind=NotificationKind.DECISION,
               actor=membership,
               title=_("Your shift offer was accepted; a manager decides next"),
               body=describe(shift), url=_url(tenant, "swaps"))  # fmt: skip
    return row


def _check_unchanged(shift: Shift, owner_id: uuid.UUID | None) -> None:
    if (
        shift.membership_id != owner_id
        or shift.status != Shift.Status.PUBLISHED
        or shift.start_at <= timezone.now()
    ):
        raise ValidationError(_("The shift has changed or started since it was offered: this "
                                "swap no longer stands."))  # fmt: skip


def swap_refuse(*, tenant: Tenant, membership: Membership, swap: ShiftSwap) -> ShiftSwap:
    """The named colleague says no to an offer (an offer to anyone stays open for others)."""
    with tenant_context(tenant), transaction.atomic():
        row, shift, _given = _lock_swap(tenant, swap)
        if row.offered_to_id != membership.pk:
            raise ValidationError(_("Only the colleague it was offered to can refuse an offer."))
        _check_status(row, ShiftSwap.Status.OFFERED)
        row.status, row.decided_at = ShiftSwap.Status.REFUSED, timezone.now()
        row.save(update_fields=["status", "decided_at"])
        emit(Event.SWAP_REFUSED, tenant=tenant, user=membership.user, target=row,
             data={**_about(shift, tenant)})  # fmt: skip
        notify(tenant=tenant, recipients=[row.offered_by], kind=NotificationKind.DECISION,
               actor=membership, title=_("Your shift offer was refused"),
               body=describe(shift), url=_url(tenant, "swaps"))  # fmt: skip
    return row


def swap_cancel(*, tenant: Tenant, membership: Membership, swap: ShiftSwap) -> ShiftSwap:
    """The person who offered the shift takes the offer back, before a manager approves it."""
    with tenant_context(tenant), transaction.atomic():
        row, shift, _given = _lock_swap(tenant, swap)
        if row.offered_by_id != membership.pk:
            raise ValidationError(_("Only the person who offered the shift can cancel it."))
        _check_status(row, *OPEN_SWAP)
        row.status, row.decided_at = ShiftSwap.Status.CANCELLED, timezone.now()
        row.save(update_fields=["status", "decided_at"])
        emit(Event.SWAP_CANCELLED, tenant=tenant, user=membership.user, target=row,
             data={**_about(shift, tenant)})  # fmt: skip
        if row.accepted_by is not None:
            notify(tenant=tenant, recipients=[row.accepted_by], kind=NotificationKind.DECISION,
                   actor=membership, title=_("A shift swap you accepted was cancelled"),
                   body=describe(shift), url=_url(tenant, "swaps"))  # fmt: skip
    return row


def swap_decide(
    *,
    tenant: Tenant,
    actor: Membership,
    swap: ShiftSwap,
    approve: bool,
    comment: str = "",
    override_reason: str = "",
) -> ShiftSwap:
    """Approve an accepted swap (the shifts change hands, both people are told and emailed
    their week) or decline it with a comment. The rules are checked again for both people:
    blocking breaks need the "override working-time rules" permission and a reason, as
    publishing does (RulesBlockedError). Nobody decides a swap they are part of, and only
    someone who schedules the sites of both shifts decides."""
    comment = comment.strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why you decline; both people see it.")})
    with tenant_context(tenant), transaction.atomic():
        row, shift, given = _lock_swap(tenant, swap)
        _check_status(row, ShiftSwap.Status.ACCEPTED)
        if actor.pk in {row.offered_by_id, row.accepted_by_id}:
            raise ValidationError(_("Someone else must decide on a swap you are part of."))
        sites = [shift.site_id] + ([given.site_id] if given else [])
        if not may_decide(actor, sites):
            raise ValidationError(_("You do not schedule the sites of this swap."))
        assert row.accepted_by is not None  # noqa: S101 (status accepted)
        taker, giver = row.accepted_by, row.offered_by
        overridden: list[rules.Violation] = []
        if approve:
            _check_unchanged(shift, giver.pk)
            if given is not None:
                _check_unchanged(given, taker.pk)
            hard = hard_violations_added(tenant, swap_candidates(shift, given, taker.pk, giver.pk))
            if hard:
                services.rules_override_check(actor=actor, hard=hard, reason=override_reason)
                overridden = [v for found in hard.values() for v in found]
        row.status = ShiftSwap.Status.APPROVED if approve else ShiftSwap.Status.DECLINED
        row.decided_by, row.decided_at, row.decision_comment = actor, timezone.now(), comment
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        event = Event.SWAP_APPROVED if approve else Event.SWAP_DECLINED
        emit(event, tenant=tenant, user=actor.user, target=row, data={
            **_about(shift, tenant), "return_shift": str(given.pk) if given else None,
            "giver": str(giver.pk), "taker": str(taker.pk),
        })  # fmt: skip
        if approve:
            services.shift_assign(tenant=tenant, actor=actor, shift=shift, membership=taker)
            if given is not None:
                services.shift_assign(tenant=tenant, actor=actor, shift=given, membership=giver)
            if overridden:
                emit(Event.ROTA_RULES_OVERRIDDEN, tenant=tenant, user=actor.user, target=row,
                     data={"reason": override_reason.strip(),
                           "rules": sorted({v.code for v in overridden})})  # fmt: skip
            _cancel_overtaken(tenant, row, [shift] + ([given] if given else []))
        title = (_("A shift swap of yours was approved") if approve
                 else _("A shift swap of yours was declined"))  # fmt: skip
        body = describe(shift) + (f"\n\n{comment}" if comment else "")
        notify(tenant=tenant, recipients=[giver, taker], kind=NotificationKind.DECISION,
               actor=actor, title=title, body=body,
               url=_url(tenant, "my-shifts" if approve else "swaps"))  # fmt: skip
    return row


def _cancel_overtaken(tenant: Tenant, done: ShiftSwap, shifts: Sequence[Shift]) -> None:
    """Other open swaps of shifts that have just changed hands no longer stand."""
    ids = [s.pk for s in shifts]
    for other in ShiftSwap.objects.filter(
        Q(shift_id__in=ids) | Q(return_shift_id__in=ids), tenant=tenant, status__in=OPEN_SWAP
    ).exclude(pk=done.pk):
        other.status, other.decided_at = ShiftSwap.Status.CANCELLED, timezone.now()
        other.decision_comment = _("The shift changed hands in another swap.")
        other.save(update_fields=["status", "decided_at", "decision_comment"])
        emit(Event.SWAP_CANCELLED, tenant=tenant, target=other,
             data={"shift": str(other.shift_id), "reason": "overtaken"})  # fmt: skip
