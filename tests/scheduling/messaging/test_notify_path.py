"""Every notification goes through the one notify path: an in-app notification for each person
concerned, and an email only as their preferences allow; publishing and changing shifts and
deciding leave included (they used to email people directly, whatever they had chosen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import TestCase

from scheduling.leave import services as leave_services
from scheduling.messaging.services import email_preferences_save
from scheduling.models import LeaveType, Notification, NotificationKind, Shift
from scheduling.rota import services as rota_services
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.builders import MONDAY, Rota, add_shift, at

pytestmark = pytest.mark.django_db


def _opt_out(rota: Rota, person: Membership, **choices: bool) -> None:
    wanted = {"messages": True, "requests": True, "reminders": True, "schedule": True}
    email_preferences_save(tenant=rota.tenant, membership=person, **(wanted | choices))


def _notifications(rota: Rota, person: Membership, kind: str) -> list[Notification]:
    with tenant_context(rota.tenant):
        return list(Notification.objects.filter(recipient=person, kind=kind))


def _publish(rota: Rota, override_reason: str = "") -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        rota_services.week_publish(
            tenant=rota.tenant, actor=rota.manager, week_start=MONDAY,
            override_reason=override_reason,
        )  # fmt: skip


def test_publishing_notifies_in_app_and_emails_only_those_who_want_it(
    rota: Rota, mailoutbox: Any
) -> None:
    opted_out, opted_in = rota.people
    _opt_out(rota, opted_out, schedule=False)
    add_shift(rota, opted_out, at(MONDAY, 9))
    add_shift(rota, opted_in, at(MONDAY, 14))
    add_shift(rota, opted_in, at(MONDAY + dt.timedelta(days=1), 14))
    _publish(rota)

    for person in (opted_out, opted_in):
        (note,) = _notifications(rota, person, NotificationKind.SCHEDULE)
        assert note.title == "Your shifts for the week of 23 Nov are published"
        assert note.url == "/alpha/my-shifts/"
    (theirs,) = _notifications(rota, opted_out, NotificationKind.SCHEDULE)
    assert "Mon 23 Nov 09:00-17:00  Carer at Rosewood" in theirs.body
    # One email, to the person who wants them, listing both their shifts.
    assert [m.to for m in mailoutbox] == [[opted_in.user.email]]
    assert mailoutbox[0].subject == "Your shifts for the week of 23 Nov are published (Alpha Care)"
    assert "Mon 23 Nov 14:00-22:00  Carer at Rosewood" in mailoutbox[0].body
    assert "Tue 24 Nov 14:00-22:00  Carer at Rosewood" in mailoutbox[0].body


def test_a_change_to_a_published_shift_notifies_both_people_and_emails_as_they_chose(
    rota: Rota, mailoutbox: Any
) -> None:
    before, after = rota.people
    shift = add_shift(rota, before, at(MONDAY, 9))
    _publish(rota)
    _opt_out(rota, after, schedule=False)
    mailoutbox.clear()
    with tenant_context(rota.tenant):
        shift.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        rota_services.shift_move(
            tenant=rota.tenant, actor=rota.manager, shift=shift, membership=after,
            day=MONDAY, version=shift.version,
        )  # fmt: skip

    changed = "Your shifts for the week of 23 Nov have changed"
    titles = sorted(n.title for n in _notifications(rota, before, NotificationKind.SCHEDULE))
    assert titles == ["Your shifts for the week of 23 Nov are published", changed]
    (theirs,) = _notifications(rota, after, NotificationKind.SCHEDULE)
    assert theirs.title == changed and "Mon 23 Nov 09:00-17:00" in theirs.body
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([before.user.email], f"{changed} (Alpha Care)")
    ]
    assert "No shifts." in mailoutbox[0].body


def test_publishing_notifies_a_publisher_who_works_that_week_too(
    rota: Rota, mailoutbox: Any
) -> None:
    add_shift(rota, rota.manager, at(MONDAY, 9))
    _publish(rota, override_reason="Covering while short-staffed")  # no work profile
    assert len(_notifications(rota, rota.manager, NotificationKind.SCHEDULE)) == 1
    assert [m.to for m in mailoutbox] == [[rota.manager.user.email]]


def test_open_shifts_and_drafts_elsewhere_notify_nobody(rota: Rota, mailoutbox: Any) -> None:
    add_shift(rota, None, at(MONDAY, 9))
    _publish(rota)
    with tenant_context(rota.tenant):
        assert Notification.objects.count() == 0
    assert mailoutbox == []


def _leave(rota: Rota, person: Membership) -> Any:
    with tenant_context(rota.tenant):
        kind = LeaveType.objects.create(name="Annual leave")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return leave_services.leave_request(
            tenant=rota.tenant, membership=person, leave_type_id=kind.pk,
            start=MONDAY, end=MONDAY + dt.timedelta(days=1),
        )  # fmt: skip


@pytest.mark.parametrize("wants_email", [True, False])
def test_a_leave_request_asks_the_approvers_through_the_notify_path(
    rota: Rota, mailoutbox: Any, wants_email: bool
) -> None:
    _opt_out(rota, rota.manager, requests=wants_email)
    _opt_out(rota, rota.admin, requests=True)
    _leave(rota, rota.people[0])
    for approver in (rota.manager, rota.admin):
        (note,) = _notifications(rota, approver, NotificationKind.REQUEST)
        assert note.title == "A leave request is waiting for you"
        assert note.actor_id == rota.people[0].pk  # named only as the actor
        assert "Employee 000" not in note.title + note.body
        assert note.url == "/alpha/leave/"
    emailed = sorted(m.to[0] for m in mailoutbox)
    expected = sorted([rota.admin.user.email] + ([rota.manager.user.email] if wants_email else []))
    assert emailed == expected


@pytest.mark.parametrize("wants_email", [True, False])
@pytest.mark.parametrize("approve", [True, False])
def test_a_leave_decision_is_notified_and_emailed_as_the_person_chose(
    rota: Rota, mailoutbox: Any, wants_email: bool, approve: bool
) -> None:
    person = rota.people[0]
    _opt_out(rota, person, requests=wants_email)
    request = _leave(rota, person)
    mailoutbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        leave_services.leave_decide(
            tenant=rota.tenant, actor=rota.manager, leave=request, approve=approve,
            comment="" if approve else "Short-staffed",
        )  # fmt: skip
    verdict = "approved" if approve else "declined"
    (note,) = _notifications(rota, person, NotificationKind.DECISION)
    assert note.title == f"Your leave request was {verdict}"
    assert note.url == "/alpha/my-leave/"
    assert approve or "Short-staffed" in note.body
    assert [m.to for m in mailoutbox] == ([[person.user.email]] if wants_email else [])


@pytest.mark.parametrize(
    "change",
    [
        lambda rota, shift: rota_services.shift_delete(
            tenant=rota.tenant, actor=rota.manager, shift=shift, version=shift.version
        ),
        lambda rota, shift: rota_services.shift_assign(
            tenant=rota.tenant, actor=rota.manager, shift=shift, membership=None
        ),
    ],
    ids=["deleted", "made open"],
)
def test_a_published_shift_taken_away_tells_its_person_once(
    rota: Rota, mailoutbox: Any, change: Callable[[Rota, Shift], Any]
) -> None:
    person = rota.people[0]
    shift = add_shift(rota, person, at(MONDAY, 9))
    _publish(rota)
    mailoutbox.clear()
    with tenant_context(rota.tenant):
        shift.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        change(rota, shift)
    titles = [n.title for n in _notifications(rota, person, NotificationKind.SCHEDULE)]
    assert titles.count("Your shifts for the week of 23 Nov have changed") == 1
    assert len(mailoutbox) == 1 and "No shifts." in mailoutbox[0].body
