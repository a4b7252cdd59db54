"""Open shifts (claims) and swaps: the services, the rules they check, the races (two people
claiming at once, two managers approving at once), the bad input the issue names, the pages,
and each page's exact query budget."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from scheduling.marketplace import selectors as marketplace_selectors
from scheduling.marketplace import services as marketplace_services
from scheduling.models import (
    SCHEDULE_SITE,
    ClaimApproval,
    Notification,
    NotificationKind,
    SchedulingSettings,
    Shift,
    ShiftClaim,
    ShiftSwap,
)
from scheduling.rota import services as rota_services
from tenancy.context import tenant_context
from tenancy.models import Membership, Role
from tenancy.object_permissions import object_permission_grant
from tenancy.permissions import Permission, RoleKind
from tests.builders import Company
from tests.factories import member, queries

pytestmark = pytest.mark.django_db


def _day(days: int, hour: int) -> dt.datetime:
    """`days` from now at `hour` o'clock UTC (always in the future)."""
    start = timezone.now() + dt.timedelta(days=days)
    return start.replace(hour=hour, minute=0, second=0, microsecond=0)


class World(Company):
    """Sam and Ella (carers) and Bob (cook) at Rosewood; Dee, a deputy who builds and publishes
    rotas for the other site, Maple, only."""

    def __init__(self) -> None:
        super().__init__("alpha", manager_email="boss@alpha.test")
        self.site = self.new_site("Rosewood")
        self.other_site = self.new_site("Maple")
        self.carer = self.new_position("Carer", "teal")
        self.cook = self.new_position("Cook", "amber")
        with tenant_context(self.tenant):
            # Builds rotas, may not override the rules, limited to the other site.
            role = Role.objects.create(
                name="Deputy", permissions=[Permission.BUILD_ROTA, Permission.PUBLISH_ROTA]
            )
        self.sam = self.new_person("Sam Taylor", "sam@alpha.test")
        self.ella = self.new_person("Ella Hughes", "ella@alpha.test")
        self.bob = self.new_person("Bob Cook", "bob@alpha.test")
        self.deputy = self.new_person("Dee Deputy")
        with tenant_context(self.tenant):
            self.deputy.role = role
            self.deputy.all_sites = False
            self.deputy.save(update_fields=["role", "all_sites"])
        object_permission_grant(tenant=self.tenant, actor=self.admin, membership=self.deputy,
                                permission=SCHEDULE_SITE, obj=self.other_site)  # fmt: skip
        for person in (self.sam, self.ella):
            self.profile(person, [self.carer], [self.site])
        self.profile(self.bob, [self.cook], [self.site])

    def mode(self, approval: str, **rules: Any) -> None:
        with tenant_context(self.tenant):
            SchedulingSettings.objects.update_or_create(
                tenant=self.tenant, defaults={"claim_approval": approval, **rules}
            )

    def claim(self, person: Membership, shift: Shift) -> ShiftClaim:
        return marketplace_services.claim_create(tenant=self.tenant, membership=person, shift=shift)

    def notes(self, person: Membership, kind: str | None = None) -> list[Notification]:
        with tenant_context(self.tenant):
            rows = Notification.objects.filter(recipient=person)
            if kind:
                rows = rows.filter(kind=kind)
            return list(rows)

    def events(self, name: str) -> int:
        return len(self.audit(name))


@pytest.fixture
def world() -> World:
    return World()


# Open shifts ---------------------------------------------------------------------------------


def test_open_shifts_are_offered_only_to_qualified_people_and_never_drafts(world: World) -> None:
    offered = world.shift(None, _day(2, 9))
    world.shift(None, _day(2, 9), status=Shift.Status.DRAFT)
    cooks = world.shift(None, _day(3, 9), position=world.cook)
    world.shift(None, _day(3, 9), site=world.other_site)
    world.shift(None, timezone.now() - dt.timedelta(hours=1))  # started
    world.shift(world.ella, _day(4, 9))  # not open
    with tenant_context(world.tenant):
        assert [s.pk for s in marketplace_selectors.open_shifts_for(world.sam)] == [offered.pk]
        assert [s.pk for s in marketplace_selectors.open_shifts_for(world.bob)] == [cooks.pk]


def test_a_claim_waits_for_a_manager_of_the_site_who_is_notified(world: World) -> None:
    open_shift = world.shift(None, _day(2, 9))
    claim = world.claim(world.sam, open_shift)
    assert claim.status == ShiftClaim.Status.PENDING
    assert world.reload(open_shift).membership_id is None
    (note,) = world.notes(world.manager, NotificationKind.REQUEST)
    assert note.actor_id == world.sam.pk and note.url == "/alpha/open-shifts/"
    assert "Sam" not in note.title + note.body and "Carer at Rosewood" in note.body
    assert world.notes(world.deputy) == []  # schedules only the other site
    assert world.events("open_shift.claimed") == 1
    with pytest.raises(ValidationError, match="already claimed"):
        world.claim(world.sam, open_shift)


def test_approving_assigns_the_shift_declines_the_others_and_tells_everyone(
    world: World,
) -> None:
    open_shift = world.shift(None, _day(2, 9))
    sams, ellas = world.claim(world.sam, open_shift), world.claim(world.ella, open_shift)
    with TestCase.captureOnCommitCallbacks(execute=True):
        marketplace_services.claim_decide(tenant=world.tenant, actor=world.manager, claim=sams,
                                 approve=True)  # fmt: skip
    shift = world.reload(open_shift)
    assert (shift.membership_id, shift.version, shift.status) == (world.sam.pk, 2, "published")
    assert world.reload(sams).status == ShiftClaim.Status.APPROVED
    declined = world.reload(ellas)
    assert declined.status == ShiftClaim.Status.DECLINED
    assert declined.decision_comment == "The shift was given to someone else."
    assert len(world.notes(world.sam, NotificationKind.DECISION)) == 1
    assert len(world.notes(world.ella, NotificationKind.DECISION)) == 1
    assert any(m.to == ["sam@alpha.test"] and "have changed" in m.subject for m in mail.outbox)
    assert world.events("open_shift.claim_approved") == 1
    assert world.events("open_shift.claim_declined") == 1


def test_automatic_mode_gives_the_shift_to_the_first_valid_claim(world: World) -> None:
    world.mode(ClaimApproval.AUTOMATIC)
    open_shift = world.shift(None, _day(2, 9))
    claim = world.claim(world.sam, open_shift)
    assert claim.status == ShiftClaim.Status.APPROVED
    assert world.reload(open_shift).membership_id == world.sam.pk
    assert world.notes(world.manager) == []
    with pytest.raises(ValidationError, match="Someone else has just taken this shift"):
        world.claim(world.ella, open_shift)
    with tenant_context(world.tenant):
        assert ShiftClaim.objects.count() == 1


def _race(*calls: Callable[[], Any]) -> list[Any]:
    """Run `calls` at the same moment in threads, each on its own database connection; the
    result or exception of each."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the test inspects it
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_claiming_at_once_exactly_one_wins() -> None:
    world = World()
    world.mode(ClaimApproval.AUTOMATIC)
    open_shift = world.shift(None, _day(2, 9))
    results = _race(lambda: world.claim(world.sam, open_shift),
                    lambda: world.claim(world.ella, open_shift))  # fmt: skip
    won = [r for r in results if isinstance(r, ShiftClaim)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "Someone else has just taken this shift" in lost[0].messages[0]
    assert world.reload(open_shift).membership_id == won[0].membership_id
    with tenant_context(world.tenant):
        assert ShiftClaim.objects.count() == 1
        assert ShiftClaim.objects.get().status == ShiftClaim.Status.APPROVED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_approving_two_claims_at_once_exactly_one_succeeds() -> None:
    world = World()
    other_manager = member(world.tenant, kind=RoleKind.MANAGER)
    open_shift = world.shift(None, _day(2, 9))
    sams, ellas = world.claim(world.sam, open_shift), world.claim(world.ella, open_shift)
    results = _race(
        lambda: marketplace_services.claim_decide(
            tenant=world.tenant, actor=world.manager, claim=sams, approve=True
        ),
        lambda: marketplace_services.claim_decide(
            tenant=world.tenant, actor=other_manager, claim=ellas, approve=True
        ),
    )
    won = [r for r in results if isinstance(r, ShiftClaim)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert "already" in lost[0].messages[0]
    with tenant_context(world.tenant):
        assert ShiftClaim.objects.filter(status="approved").count() == 1
        assert ShiftClaim.objects.filter(status="declined").count() == 1
    assert world.reload(open_shift).membership_id == won[0].membership_id


def test_a_second_approval_is_refused_and_changes_nothing(world: World) -> None:
    open_shift = world.shift(None, _day(2, 9))
    sams, ellas = world.claim(world.sam, open_shift), world.claim(world.ella, open_shift)
    marketplace_services.claim_decide(
        tenant=world.tenant, actor=world.manager, claim=sams, approve=True
    )
    with pytest.raises(ValidationError, match="already declined"):
        marketplace_services.claim_decide(tenant=world.tenant, actor=world.admin, claim=ellas,
                                 approve=True)  # fmt: skip
    assert world.reload(open_shift).membership_id == world.sam.pk
    assert world.reload(open_shift).version == 2


def test_a_claim_that_breaks_a_blocking_rule_is_refused_with_the_rule(world: World) -> None:
    world.shift(world.sam, _day(2, 6))  # 06:00-14:00 overlaps 09:00-17:00
    open_shift = world.shift(None, _day(2, 9))
    with pytest.raises(ValidationError) as refused:
        world.claim(world.sam, open_shift)
    assert "breaks working-time rules" in refused.value.messages[0]
    assert any("Overlaps the shift" in m for m in refused.value.messages)
    with tenant_context(world.tenant):
        assert not ShiftClaim.objects.exists()
    assert world.reload(open_shift).membership_id is None


def test_warnings_are_shown_to_the_manager_and_do_not_block(world: World) -> None:
    world.mode(ClaimApproval.MANAGER, rest_is_hard=False)
    world.shift(world.sam, _day(2, 0), hours=6)  # ends 06:00, three hours before
    open_shift = world.shift(None, _day(2, 9))
    claim = world.claim(world.sam, open_shift)
    with tenant_context(world.tenant):
        waiting = list(marketplace_selectors.claims_waiting(world.manager))
        (review,) = marketplace_selectors.review_claims(world.manager, waiting)
    assert review.item == claim and review.hard == []
    assert len(review.soft) == 1 and "rest after the shift ending" in review.soft[0]


def test_bad_claims_are_refused_with_a_message(world: World) -> None:
    cases = [
        (world.bob, world.shift(None, _day(2, 9)), "Carer is not among the positions"),
        (world.sam, world.shift(None, _day(2, 9), site=world.other_site),
         "Maple is not among the sites"),
        (world.sam, world.shift(None, _day(2, 9), status=Shift.Status.DRAFT), "not open"),
        (world.sam, world.shift(None, timezone.now() - dt.timedelta(hours=1)), "started"),
        (world.sam, world.shift(world.ella, _day(5, 9)), "Someone else has just taken"),
    ]  # fmt: skip
    for person, shift, message in cases:
        with pytest.raises(ValidationError, match=message):
            world.claim(person, shift)
    with tenant_context(world.tenant):
        assert not ShiftClaim.objects.exists()


def test_declining_needs_a_comment_nobody_decides_their_own_and_only_at_their_sites(
    world: World,
) -> None:
    world.profile(world.manager, [world.carer], [world.site])
    open_shift = world.shift(None, _day(2, 9))
    mine = world.claim(world.manager, open_shift)
    sams = world.claim(world.sam, open_shift)
    decide = marketplace_services.claim_decide
    with pytest.raises(ValidationError, match="Say why"):
        decide(tenant=world.tenant, actor=world.admin, claim=sams, approve=False, comment=" ")
    with pytest.raises(ValidationError, match="your own claim"):
        decide(tenant=world.tenant, actor=world.manager, claim=mine, approve=True)
    with pytest.raises(ValidationError, match="do not schedule"):
        decide(tenant=world.tenant, actor=world.deputy, claim=sams, approve=True)
    decide(tenant=world.tenant, actor=world.admin, claim=sams, approve=False,
           comment="Agency cover booked")  # fmt: skip
    assert world.reload(sams).decision_comment == "Agency cover booked"
    (note,) = world.notes(world.sam, NotificationKind.DECISION)
    assert "declined" in note.title and "Agency cover booked" in note.body


def test_the_claimant_withdraws_a_waiting_claim_and_only_their_own(world: World) -> None:
    open_shift = world.shift(None, _day(2, 9))
    claim = world.claim(world.sam, open_shift)
    with pytest.raises(ValidationError, match="Only your own"):
        marketplace_services.claim_withdraw(tenant=world.tenant, membership=world.ella, claim=claim)
    marketplace_services.claim_withdraw(tenant=world.tenant, membership=world.sam, claim=claim)
    assert world.reload(claim).status == ShiftClaim.Status.WITHDRAWN
    with pytest.raises(ValidationError, match="already withdrawn"):
        marketplace_services.claim_withdraw(tenant=world.tenant, membership=world.sam, claim=claim)
    assert world.events("open_shift.claim_withdrawn") == 1


def test_a_shift_opened_again_can_be_claimed_again(world: World) -> None:
    world.mode(ClaimApproval.AUTOMATIC)
    open_shift = world.shift(None, _day(2, 9))
    first = world.claim(world.sam, open_shift)
    shift = world.reload(open_shift)
    with tenant_context(world.tenant):
        rota_services.shift_assign(tenant=world.tenant, actor=world.manager, shift=shift,
                              membership=None)  # fmt: skip
    second = world.claim(world.ella, open_shift)
    assert second.status == ShiftClaim.Status.APPROVED
    assert world.reload(first).status == ShiftClaim.Status.WITHDRAWN
    assert world.reload(open_shift).membership_id == world.ella.pk


# Swaps ---------------------------------------------------------------------------------------


def test_offering_to_an_unqualified_colleague_is_refused_with_the_reason(world: World) -> None:
    shift = world.shift(world.sam, _day(2, 9))
    with pytest.raises(ValidationError) as refused:
        marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=shift,
                               offered_to=world.bob)  # fmt: skip
    assert refused.value.message_dict == {"offered_to": [
        "Bob Cook cannot take this shift: Carer is not among the positions in their work profile."
    ]}  # fmt: skip
    bad = [
        (world.ella, world.shift(world.sam, _day(3, 9)), "only your own"),
        (world.sam, world.shift(world.sam, _day(4, 9), status=Shift.Status.DRAFT), "published"),
        (world.sam, world.shift(world.sam, timezone.now() - dt.timedelta(hours=1)), "started"),
    ]  # fmt: skip
    for person, other, message in bad:
        with pytest.raises(ValidationError, match=message):
            marketplace_services.swap_offer(tenant=world.tenant, membership=person, shift=other,
                                   offered_to=None)  # fmt: skip
    with pytest.raises(ValidationError, match="not yourself"):
        marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=shift,
                               offered_to=world.sam)  # fmt: skip
    with tenant_context(world.tenant):
        assert not ShiftSwap.objects.exists()
    assert world.notes(world.bob) == []


def test_a_swap_from_offer_to_approval_exchanges_the_shifts(world: World) -> None:
    sams = world.shift(world.sam, _day(2, 9))
    ellas = world.shift(world.ella, _day(3, 9))
    swap = marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                                  offered_to=world.ella, note="Family wedding")  # fmt: skip
    (offer,) = world.notes(world.ella, NotificationKind.REQUEST)
    assert offer.url == "/alpha/swaps/" and offer.actor_id == world.sam.pk
    with pytest.raises(ValidationError, match="already offered"):
        marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                               offered_to=None)  # fmt: skip
    with pytest.raises(ValidationError, match="made to someone else"):
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.bob, swap=swap)
    marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=swap,
                            return_shift=ellas)  # fmt: skip
    assert world.reload(swap).status == ShiftSwap.Status.ACCEPTED
    assert len(world.notes(world.manager, NotificationKind.REQUEST)) == 1
    assert world.notes(world.deputy) == []  # does not schedule Rosewood
    assert world.reload(sams).membership_id == world.sam.pk  # not until approved
    with pytest.raises(ValidationError, match="you are part of"):
        marketplace_services.swap_decide(
            tenant=world.tenant, actor=world.ella, swap=swap, approve=True
        )
    with TestCase.captureOnCommitCallbacks(execute=True):
        marketplace_services.swap_decide(tenant=world.tenant, actor=world.manager, swap=swap,
                                approve=True)  # fmt: skip
    assert world.reload(sams).membership_id == world.ella.pk
    assert world.reload(ellas).membership_id == world.sam.pk
    assert (world.reload(sams).version, world.reload(ellas).version) == (2, 2)
    assert world.reload(swap).status == ShiftSwap.Status.APPROVED
    for person in (world.sam, world.ella):
        assert any("approved" in n.title for n in world.notes(person, NotificationKind.DECISION))
    emailed = {m.to[0] for m in mail.outbox if "have changed" in m.subject}
    assert emailed == {"sam@alpha.test", "ella@alpha.test"}
    for event in ("swap.offered", "swap.accepted", "swap.approved"):
        assert world.events(event) == 1


def test_an_offer_to_anyone_qualified_tells_them_and_any_of_them_may_take_it(
    world: World,
) -> None:
    dan = member(world.tenant, full_name="Dan Carer")
    world.profile(dan, [world.carer], [world.site])
    sams = world.shift(world.sam, _day(2, 9))
    swap = marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                                  offered_to=None)  # fmt: skip
    assert len(world.notes(world.ella)) == len(world.notes(dan)) == 1
    assert world.notes(world.bob) == [] and world.notes(world.sam) == []
    with tenant_context(world.tenant):
        assert [s.pk for s in marketplace_selectors.swaps_open_to(world.ella)] == [swap.pk]
        assert list(marketplace_selectors.swaps_open_to(world.bob)) == []
        assert list(marketplace_selectors.swaps_open_to(world.sam)) == []
    with pytest.raises(ValidationError, match="Carer is not among the positions in your"):
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.bob, swap=swap)
    with pytest.raises(ValidationError, match="Only the colleague it was offered to"):
        marketplace_services.swap_refuse(tenant=world.tenant, membership=world.ella, swap=swap)
    with pytest.raises(ValidationError, match="your own offer"):
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.sam, swap=swap)
    marketplace_services.swap_accept(tenant=world.tenant, membership=dan, swap=swap)
    with pytest.raises(ValidationError, match="already waiting for a manager"):
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=swap)
    assert world.reload(swap).accepted_by_id == dan.pk


def test_accepting_checks_the_rules_for_the_accepter(world: World) -> None:
    sams = world.shift(world.sam, _day(2, 9))
    world.shift(world.ella, _day(2, 12))  # overlaps
    swap = marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                                  offered_to=world.ella)  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=swap)
    assert any("Overlaps the shift" in m for m in refused.value.messages)
    assert world.reload(swap).status == ShiftSwap.Status.OFFERED


def test_approval_checks_both_people_again_and_blocking_breaks_need_an_override(
    world: World,
) -> None:
    object_permission_grant(tenant=world.tenant, actor=world.admin, membership=world.deputy,
                            permission=SCHEDULE_SITE, obj=world.site)  # fmt: skip
    sams = world.shift(world.sam, _day(2, 9))
    ellas = world.shift(world.ella, _day(4, 9))
    swap = marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                                  offered_to=world.ella)  # fmt: skip
    marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=swap,
                            return_shift=ellas)  # fmt: skip
    world.shift(world.sam, _day(4, 12))  # published since: overlaps what Sam would get
    with tenant_context(world.tenant):
        (review,) = marketplace_selectors.review_swaps(world.manager, [world.reload(swap)])
    assert review.hard and review.hard[0].startswith("Sam Taylor: Overlaps")
    with pytest.raises(rota_services.RulesBlockedError, match="Ask someone who may override"):
        marketplace_services.swap_decide(tenant=world.tenant, actor=world.deputy, swap=swap,
                                approve=True)  # fmt: skip
    with pytest.raises(rota_services.RulesBlockedError, match="give a reason"):
        marketplace_services.swap_decide(tenant=world.tenant, actor=world.manager, swap=swap,
                                approve=True)  # fmt: skip
    assert world.reload(sams).membership_id == world.sam.pk
    marketplace_services.swap_decide(
        tenant=world.tenant,
        actor=world.manager,
        swap=swap,
        approve=True,
        override_reason="Sam agreed to the double shift",
    )
    assert world.reload(ellas).membership_id == world.sam.pk
    with tenant_context(world.tenant):
        entry = AuditEntry.objects.get(event="rota.rules_overridden")
    assert entry.additional_data["reason"] == "Sam agreed to the double shift"


def test_refusing_cancelling_and_declining(world: World) -> None:
    sams = world.shift(world.sam, _day(2, 9))

    def offer() -> ShiftSwap:
        return marketplace_services.swap_offer(
            tenant=world.tenant, membership=world.sam, shift=sams, offered_to=world.ella
        )

    refused = offer()
    marketplace_services.swap_refuse(tenant=world.tenant, membership=world.ella, swap=refused)
    assert world.reload(refused).status == ShiftSwap.Status.REFUSED
    assert any("refused" in n.title for n in world.notes(world.sam))
    cancelled = offer()
    with pytest.raises(ValidationError, match="Only the person who offered"):
        marketplace_services.swap_cancel(tenant=world.tenant, membership=world.ella, swap=cancelled)
    marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=cancelled)
    marketplace_services.swap_cancel(tenant=world.tenant, membership=world.sam, swap=cancelled)
    assert any("cancelled" in n.title for n in world.notes(world.ella))
    with pytest.raises(ValidationError, match="already cancelled"):
        marketplace_services.swap_decide(tenant=world.tenant, actor=world.manager, swap=cancelled,
                                approve=True)  # fmt: skip
    declined = offer()
    marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=declined)
    with pytest.raises(ValidationError, match="Say why"):
        marketplace_services.swap_decide(tenant=world.tenant, actor=world.manager, swap=declined,
                                approve=False)  # fmt: skip
    marketplace_services.swap_decide(tenant=world.tenant, actor=world.manager, swap=declined,
                            approve=False, comment="We need Sam on that ward")  # fmt: skip
    assert world.reload(declined).status == ShiftSwap.Status.DECLINED
    assert world.reload(sams).membership_id == world.sam.pk
    for name in ("swap.refused", "swap.cancelled", "swap.declined"):
        assert world.events(name) == 1


def test_a_shift_that_changed_since_the_offer_cannot_be_swapped(world: World) -> None:
    sams = world.shift(world.sam, _day(2, 9))
    swap = marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                                  offered_to=world.ella)  # fmt: skip
    with tenant_context(world.tenant):
        rota_services.shift_assign(tenant=world.tenant, actor=world.manager,
                              shift=world.reload(sams), membership=world.bob)  # fmt: skip
    with pytest.raises(ValidationError, match="no longer stands"):
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.ella, swap=swap)


# Pages ---------------------------------------------------------------------------------------


def test_an_employee_claims_and_a_manager_approves_through_the_pages(world: World) -> None:
    open_shift = world.shift(None, _day(2, 9))
    sam = world.client(world.sam)
    page = sam.get("/alpha/open-shifts/").content.decode()
    assert "Open shifts you can take" in page and "Claim" in page
    assert "Claims waiting for a decision" not in page  # not a manager
    url = f"/alpha/open-shifts/{open_shift.pk}/claim/"
    assert sam.get(url).status_code == 405
    response = sam.post(url, follow=True)
    assert "Shift claimed. A manager decides" in response.content.decode()
    assert "Claimed: waiting for a manager" in response.content.decode()
    with tenant_context(world.tenant):
        claim = ShiftClaim.objects.get()
    decide = f"/alpha/claims/{claim.pk}/decide/"
    assert sam.post(decide, {"decision": "approve"}).status_code == 403
    assert world.client(world.deputy).post(decide, {"decision": "approve"}).status_code == 404
    # Giving someone a published shift is a change to the published rota: building rotas
    # alone is not enough.
    with tenant_context(world.tenant):
        builder_role = Role.objects.create(name="Builder", permissions=[Permission.BUILD_ROTA])
    builder = member(world.tenant, kind=RoleKind.EMPLOYEE, full_name="Bea Builder")
    with tenant_context(world.tenant):
        builder.role = builder_role
        builder.save(update_fields=["role"])
    assert world.client(builder).post(decide, {"decision": "approve"}).status_code == 403
    boss = world.client(world.manager)
    assert "Sam Taylor" in boss.get("/alpha/open-shifts/").content.decode()
    response = boss.post(decide, {"decision": "decline", "comment": ""}, follow=True)
    assert "Say why you decline" in response.content.decode()
    response = boss.post(decide, {"decision": "approve", "comment": ""}, follow=True)
    assert "Claim approved" in response.content.decode()
    assert world.reload(open_shift).membership_id == world.sam.pk
    response = sam.post(f"/alpha/claims/{claim.pk}/withdraw/", follow=True)
    assert "already approved" in response.content.decode()


def test_a_claim_refused_by_the_rules_shows_why(world: World) -> None:
    world.shift(world.sam, _day(2, 6))
    open_shift = world.shift(None, _day(2, 9))
    response = world.client(world.sam).post(f"/alpha/open-shifts/{open_shift.pk}/claim/",
                                             follow=True)  # fmt: skip
    body = response.content.decode()
    assert "You cannot take this shift: it breaks working-time rules." in body
    assert "Overlaps the shift" in body


def test_offering_through_the_pages_with_an_unqualified_colleague_and_then_anyone(
    world: World,
) -> None:
    sams = world.shift(world.sam, _day(2, 9))
    sam = world.client(world.sam)
    my_shifts = sam.get("/alpha/my-shifts/").content.decode()
    url = f"/alpha/shifts/{sams.pk}/swap/"
    assert url in my_shifts and "Offer a swap" in my_shifts
    page = sam.get(url).content.decode()
    assert "Can work this shift" in page and "Not qualified for this shift" in page
    response = sam.post(url, {"offered_to": str(world.bob.pk), "note": ""})
    assert response.status_code == 400
    assert "Bob Cook cannot take this shift: Carer is not among the positions" in (
        response.content.decode()
    )
    response = sam.post(url, {"offered_to": "", "note": "Anyone?"}, follow=True)
    assert "Shift offered" in response.content.decode()
    assert "Offered for a swap" in sam.get("/alpha/my-shifts/").content.decode()
    assert sam.get(url).status_code == 302  # already offered: to the swaps page
    ella = world.client(world.ella)
    assert "Anyone?" in ella.get("/alpha/swaps/").content.decode()
    with tenant_context(world.tenant):
        swap = ShiftSwap.objects.get()
    response = ella.post(f"/alpha/swaps/{swap.pk}/accept/", {"return_shift": ""}, follow=True)
    assert "Accepted. A manager decides next" in response.content.decode()
    boss = world.client(world.manager)
    assert "Swaps waiting for approval" in boss.get("/alpha/swaps/").content.decode()
    response = boss.post(f"/alpha/swaps/{swap.pk}/decide/", {"decision": "approve"},
                         follow=True)  # fmt: skip
    assert "Swap approved" in response.content.decode()
    assert world.reload(sams).membership_id == world.ella.pk


def test_someone_elses_shift_cannot_be_offered_and_actions_are_post_only(world: World) -> None:
    ellas = world.shift(world.ella, _day(2, 9))
    sam = world.client(world.sam)
    response = sam.get(f"/alpha/shifts/{ellas.pk}/swap/", follow=True)
    assert "You can offer only your own published shifts" in response.content.decode()
    swap = marketplace_services.swap_offer(tenant=world.tenant, membership=world.ella, shift=ellas,
                                  offered_to=world.sam)  # fmt: skip
    for action in ("accept", "refuse", "cancel", "decide"):
        assert world.client(world.manager).get(f"/alpha/swaps/{swap.pk}/{action}/").status_code \
            == 405  # fmt: skip
    response = sam.post(f"/alpha/swaps/{swap.pk}/accept/", {"return_shift": str(ellas.pk)},
                        follow=True)  # fmt: skip
    assert "Choose one of your own shifts" in response.content.decode()
    response = sam.post(f"/alpha/swaps/{swap.pk}/cancel/", follow=True)
    assert "Only the person who offered the shift" in response.content.decode()
    assert world.reload(swap).status == ShiftSwap.Status.OFFERED


# Query budgets -------------------------------------------------------------------------------


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context)


def _grow(world: World, n: int, day: int) -> None:
    """`n` more of everything the pages list: open shifts, claims, offers, accepted swaps."""
    for i in range(n):
        start = _day(day + i, 9)
        open_shift = world.shift(None, start)
        world.claim(world.sam, open_shift)
        world.claim(world.ella, world.shift(None, start + dt.timedelta(hours=1)))
        world.shift(None, start + dt.timedelta(hours=2))  # one Sam can still claim
        sams = world.shift(world.sam, _day(day + i, 20), hours=2)
        marketplace_services.swap_offer(tenant=world.tenant, membership=world.sam, shift=sams,
                               offered_to=world.ella)  # fmt: skip
        ellas = world.shift(world.ella, _day(day + i + 40, 9))
        swap = marketplace_services.swap_offer(
            tenant=world.tenant, membership=world.ella, shift=ellas, offered_to=None
        )
        marketplace_services.swap_accept(tenant=world.tenant, membership=world.sam, swap=swap)
        marketplace_services.swap_offer(tenant=world.tenant, membership=world.ella,
                               shift=world.shift(world.ella, _day(day + i + 60, 9)),
                               offered_to=world.sam)  # fmt: skip


BUDGETS: dict[str, tuple[str, int]] = {
    # page -> (who, exact queries on PostgreSQL). 6 for any tenant page; a paginated list
    # costs its count and its page; the rules' reads of the waiting items cost 8 (settings, the
    # people's published shifts, 3 for their profiles, 3 for their leave and availability).
    # Open shifts: offered (2), the rules' reads to judge each offered one for me (8), my
    # claims (2), the approval mode (1).
    "/alpha/open-shifts/": ("sam", 19),
    # The manager has no profile nor claims (a count each), and the claims waiting (2 + 8).
    "/alpha/open-shifts/ (manager)": ("manager", 19),
    # Offers to me (2), my shifts to give in return (1), my swaps (2).
    "/alpha/swaps/": ("sam", 11),
    # No offers (a count), my swaps (a count), waiting for approval (2 + 8).
    "/alpha/swaps/ (manager)": ("manager", 18),
    # 12 without shifts (tests/test_query_budgets.py), the colleagues on them (1) and the
    # swap offers of them (1).
    "/alpha/my-shifts/": ("sam", 14),
}


@pytest.mark.postgres
def test_page_query_budgets_are_exact_whatever_the_data(world: World) -> None:
    counts: dict[str, list[int]] = {page: [] for page in BUDGETS}
    for n, day in ((1, 2), (6, 5)):
        _grow(world, n, day)
        for page, (who, _budget) in BUDGETS.items():
            client = world.client(getattr(world, who))
            counts[page].append(_count(client, page.split(" ")[0]))
    sams = world.shift(world.sam, _day(30, 9))
    offer_page = [_count(world.client(world.sam), f"/alpha/shifts/{sams.pk}/swap/")]
    member(world.tenant)
    offer_page.append(_count(world.client(world.sam), f"/alpha/shifts/{sams.pk}/swap/"))
    assert counts == {page: [queries(budget)] * 2 for page, (_who, budget) in BUDGETS.items()}
    assert offer_page == [queries(OFFER_PAGE)] * 2


# The shift, whether it is offered already, it with its site and position, the colleagues, and
# which of them are qualified.
OFFER_PAGE = 11
