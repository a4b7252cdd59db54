"""What a change recomputes (scheduling/rota/cache.py, migration 0010): only the cached weeks
whose days and people it touched. A change to one person's shift recomputes the page of its
week and the rows that hold that person, not another week nor other people's rows; a change
to what every row shows (a site, a rule) recomputes everything.

Beside tests/scheduling/rota/test_cache.py (the mechanism, and that every kind of change shows
at once), whose helpers these use. These tests commit, as those do."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from scheduling.models import (
    Availability,
    AvailabilityException,
    LeaveRequest,
    LeaveType,
    RotaChange,
    RuleBreak,
    Shift,
    ShiftWish,
    Site,
    WorkProfilePosition,
)
from scheduling.rota import cache as rota_cache
from scheduling.time import WEEK
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.builders import MONDAY, Rota, at, build_rota, signed_in
from tests.factories import member
from tests.scheduling.rota.test_cache import (
    HIT_QUERIES,
    _fresh,
    _get,
    _own_cache,
    _recolour_position,
    _rename_person,
    _rename_site,
    _rest_rule,
    _week,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

# test_cache's autouse fixture (a locmem rota cache of the test's own), used here too.
__all__ = ["_own_cache"]


def _page(week: dt.date, extra: str = "") -> str:
    return f"/alpha/rota/?week={week}{extra}"


def _rows(week: dt.date, offset: int, extra: str = "") -> str:
    return f"/alpha/rota/rows/?week={week}&offset={offset}{extra}"


def _recomputed(client: Client, urls: dict[str, str], kept: dict[str, str]) -> set[str]:
    """Which of `urls` were computed again (more queries than a reused week's check), each
    checked to show exactly what a fresh computation shows; `kept` is updated to what each
    shows now."""
    again = set()
    for name, url in urls.items():
        body, count = _get(client, url)
        assert body == _fresh(client, url), f"{name}: not what a fresh computation shows"
        if count != HIT_QUERIES:
            again.add(name)
        kept[name] = body
    return again


def _move(rota: Rota, person: Membership | None, week: dt.date) -> None:
    """`person`'s shifts (None: the open ones) starting in `week` start and end two hours later."""
    with tenant_context(rota.tenant):
        shifts = Shift.objects.filter(
            membership=person, start_at__gte=at(week, 0), start_at__lt=at(week + WEEK, 0)
        )
        assert shifts.exists()
        for shift in shifts:
            Shift.objects.filter(pk=shift.pk).update(
                start_at=shift.start_at + dt.timedelta(hours=2),
                end_at=shift.end_at + dt.timedelta(hours=2),
            )


def test_a_change_recomputes_the_pages_and_rows_that_show_it_and_no_others() -> None:
    # 61 employees and the admin and manager: the page holds Ada Admin and Employees 000-058,
    # the rows from offset 60 Employees 059 and 060 and Max Manager (everyone is listed).
    rota = build_rota(people=61)
    first, later = rota.people[0], rota.people[60]
    next_week = MONDAY + WEEK
    # A Tuesday's, and the next week's Friday's: each more than three days from the other week
    # (a change touches its shift's days and a day either side; a week is read with two).
    for person in (first, later):
        rota.shift(person, at(MONDAY + dt.timedelta(days=1), 8))
        rota.shift(person, at(next_week + dt.timedelta(days=4), 8))
    at_rosewood = f"&site={rota.site.pk}"
    urls = {
        "page": _page(MONDAY),
        "first rows": _rows(MONDAY, 0),
        "later rows": _rows(MONDAY, 60),
        "later rows at Rosewood": _rows(MONDAY, 60, at_rosewood),
        "next page": _page(next_week),
        "next first rows": _rows(next_week, 0),
        "next later rows": _rows(next_week, 60),
    }
    client = signed_in(rota.admin)
    kept = {name: _get(client, url)[0] for name, url in urls.items()}
    assert _recomputed(client, urls, kept) == set()
    assert "Employee 060" in kept["later rows"] and "Employee 000" not in kept["later rows"]
    assert "Employee 060" in kept["later rows at Rosewood"]

    before = dict(kept)
    _move(rota, first, MONDAY)
    # The page (its first rows and the week's totals), and the rows holding the first person;
    # with a site shown, who is listed follows everyone's shifts: those rows too.
    assert _recomputed(client, urls, kept) == {"page", "first rows", "later rows at Rosewood"}
    assert kept["page"] != before["page"] and kept["first rows"] != before["first rows"]

    before = dict(kept)
    _move(rota, later, MONDAY)
    assert _recomputed(client, urls, kept) == {
        "page", "first rows", "later rows", "later rows at Rosewood",
    }  # fmt: skip
    assert kept["later rows"] != before["later rows"]

    # An open shift: the rows that hold the open shifts' (the first) and the page.
    rota.shift(None, at(MONDAY + dt.timedelta(days=3), 9))
    assert _recomputed(client, urls, kept) == {"page", "first rows", "later rows at Rosewood"}
    assert "rota__open" in kept["first rows"] and "rota__open" not in kept["later rows"]

    _move(rota, first, next_week)
    assert _recomputed(client, urls, kept) == {"next page", "next first rows"}

    # Every row names its site when there are two: everything.
    with tenant_context(rota.tenant):
        Site.objects.filter(pk=rota.other_site.pk).update(name="Maple Court")
    assert _recomputed(client, urls, kept) == set(urls)


def test_leave_recomputes_every_week_it_spans_and_no_other() -> None:
    rota = _week()
    with tenant_context(rota.tenant):
        holiday = LeaveType.objects.create(name="Holiday")
    weeks = [MONDAY + WEEK * n for n in (-1, 0, 1, 2)]
    urls = {str(week): _page(week) for week in weeks}
    client = signed_in(rota.admin)
    kept = {name: _get(client, url)[0] for name, url in urls.items()}
    with tenant_context(rota.tenant):
        LeaveRequest.objects.create(
            membership=rota.people[1], leave_type=holiday,
            start_date=MONDAY + dt.timedelta(days=6), end_date=MONDAY + dt.timedelta(days=7),
            status=LeaveRequest.Status.APPROVED,
        )  # fmt: skip
    assert _recomputed(client, urls, kept) == {str(weeks[1]), str(weeks[2])}
    assert "Holiday" in kept[str(weeks[1])] and "Holiday" in kept[str(weeks[2])]


# On reuse_or_build directly: an entry of a week, holding some people's rows -----------------


class Entry:
    """A cached value of `week` (None: every day) holding `people` (None: everyone), and how
    many times it was computed."""

    def __init__(self, rota: Rota, week: dt.date | None, people: list[str] | None) -> None:
        self.rota, self.week, self.people, self.builds = rota, week, people, 0

    def get(self) -> int:
        held = rota_cache.Held()

        def build() -> int:
            held.people = self.people
            self.builds += 1
            return self.builds

        with tenant_context(self.rota.tenant):
            return rota_cache.reuse_or_build(
                tenant=self.rota.tenant, membership=self.rota.admin,
                what=("test", self.week, tuple(self.people or ())), build=build,
                week=self.week, held=held,
            )  # fmt: skip


def _new_leave_type(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        LeaveType.objects.create(name="Holiday")


def _person_joins(rota: Rota) -> None:
    member(rota.tenant, full_name="Aaron Early")  # listed first: every row moves down


COMPANY_WIDE: dict[str, Callable[[Rota], None]] = {
    "a site renamed": _rename_site,
    "a working-time rule changed": _rest_rule,
    "a position recoloured": _recolour_position,
    "a leave type added": _new_leave_type,
    "a person joined": _person_joins,
    "a person renamed": _rename_person,
}


@pytest.mark.parametrize("change", list(COMPANY_WIDE))
def test_a_change_to_what_every_row_shows_recomputes_every_week(change: str) -> None:
    rota = _week()
    someone = str(rota.people[0].pk)
    entries = [Entry(rota, MONDAY + WEEK * 5, [someone]), Entry(rota, MONDAY - WEEK * 5, None)]
    assert [entry.get() for entry in entries] == [1, 1]
    assert [entry.get() for entry in entries] == [1, 1]
    COMPANY_WIDE[change](rota)
    assert [entry.get() for entry in entries] == [2, 2]


def test_a_persons_weekly_availability_or_profile_recomputes_their_rows_in_every_week() -> None:
    rota = _week()
    first, second = (str(person.pk) for person in rota.people[:2])
    far = MONDAY + WEEK * 30
    theirs, others, page = (
        Entry(rota, far, [first]),
        Entry(rota, far, [second]),
        Entry(rota, far, None),
    )
    entries = [theirs, others, page]
    assert [entry.get() for entry in entries] == [1, 1, 1]
    with tenant_context(rota.tenant):
        Availability.objects.create(
            membership=rota.people[0], weekday=3, start_time=dt.time(0), end_time=None
        )
    assert [entry.get() for entry in entries] == [2, 1, 2]
    with tenant_context(rota.tenant):
        WorkProfilePosition.objects.filter(profile__membership=rota.people[0]).delete()
    assert [entry.get() for entry in entries] == [3, 1, 3]


# The change log: what each transaction touched -----------------------------------------------


def _log(rota: Rota) -> list[tuple[Any, Any, set[str] | None]]:
    with tenant_context(rota.tenant):
        rows = RotaChange.objects.order_by("xid").values_list("first_day", "last_day", "people")
        return [(f, last, None if p is None else {str(x) for x in p}) for f, last, p in rows]


def _clear_log(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        RotaChange.objects.all().delete()


def test_one_row_per_transaction_covers_every_day_and_person_it_touched() -> None:
    rota = _week()
    first, second = rota.people[0], rota.people[1]
    _clear_log(rota)
    with tenant_context(rota.tenant), transaction.atomic():
        Shift.objects.filter(membership=first, start_at__lt=at(MONDAY, 12)).update(notes="a")
        Shift.objects.create(
            site=rota.site, position=rota.carer, membership=second,
            start_at=at(MONDAY + dt.timedelta(days=20), 23),
            end_at=at(MONDAY + dt.timedelta(days=21), 7),
        )  # fmt: skip
        Shift.objects.create(
            site=rota.site, position=rota.carer, membership=None,
            start_at=at(MONDAY + dt.timedelta(days=3), 9),
            end_at=at(MONDAY + dt.timedelta(days=3), 17),
        )  # fmt: skip
    people = {str(first.pk), str(second.pk), RotaChange.OPEN_SHIFTS}
    assert _log(rota) == [(MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=22), people)]
    with tenant_context(rota.tenant):
        holiday = LeaveType.objects.create(name="Holiday")
    _clear_log(rota)
    with tenant_context(rota.tenant):  # a transaction each
        LeaveRequest.objects.create(
            membership=second, leave_type=holiday, start_date=MONDAY,
            end_date=MONDAY + dt.timedelta(days=9),
        )  # fmt: skip
    with tenant_context(rota.tenant):  # read through the profile, which the change does not hold
        WorkProfilePosition.objects.filter(profile__membership=first).delete()
    with tenant_context(rota.tenant):
        AvailabilityException.objects.create(membership=first, date=MONDAY, note="Dentist")
        Site.objects.filter(pk=rota.site.pk).update(address="1 High Street")
        Shift.objects.filter(membership=first).update(notes="b")  # nothing more to log
    assert _log(rota) == [
        (MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=10), {str(second.pk)}),
        (None, None, {str(first.pk)}),
        (None, None, None),  # a site: every day, everyone (and the shifts after it add nothing)
    ]


def test_more_than_200_people_in_one_transaction_is_everyone() -> None:
    rota = build_rota(people=0)
    people = [member(rota.tenant) for _ in range(201)]
    _clear_log(rota)
    with tenant_context(rota.tenant), transaction.atomic():
        AvailabilityException.objects.bulk_create(
            AvailabilityException(tenant=rota.tenant, membership=person, date=MONDAY)
            for person in people[:150]
        )
        assert _log(rota)[0][2] is not None and len(_log(rota)[0][2]) == 150  # type: ignore[arg-type]
        AvailabilityException.objects.bulk_create(
            AvailabilityException(tenant=rota.tenant, membership=person, date=MONDAY)
            for person in people[150:]
        )
    assert _log(rota) == [(MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=1), None)]
    _clear_log(rota)
    with tenant_context(rota.tenant):
        AvailabilityException.objects.update(note="In one statement")
    assert _log(rota) == [(MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=1), None)]


def test_the_log_function_collapses_many_people_and_merges_spans() -> None:
    rota = build_rota(people=0)
    many = [str(uuid.uuid4()) for _ in range(201)]
    _clear_log(rota)
    with tenant_context(rota.tenant), transaction.atomic(), connection.cursor() as cursor:
        log = "SELECT public.scheduling_rota_change_log(%s, %s, %s, %s::uuid[])"
        cursor.execute(log, [rota.tenant.pk, MONDAY, MONDAY, many[:2]])
        cursor.execute(log, [rota.tenant.pk, MONDAY - WEEK, MONDAY, many[1:3]])
        assert _log(rota) == [(MONDAY - WEEK, MONDAY, set(many[:3]))]
        cursor.execute(log, [rota.tenant.pk, MONDAY, MONDAY + WEEK, many])
        assert _log(rota) == [(MONDAY - WEEK, MONDAY + WEEK, None)]
        cursor.execute(log, [rota.tenant.pk, None, MONDAY, many[:1]])
        assert _log(rota) == [(None, None, None)]


def test_a_wish_and_a_stored_rule_break_touch_their_day_and_person() -> None:
    rota = _week()
    first = rota.people[0]
    with tenant_context(rota.tenant):
        shift = Shift.objects.filter(membership=first).order_by("start_at").first()
        assert shift is not None and shift.start_at == at(MONDAY, 7)
    _clear_log(rota)
    with tenant_context(rota.tenant):
        ShiftWish.objects.create(membership=first, date=MONDAY + dt.timedelta(days=2), kind="off")
    with tenant_context(rota.tenant):
        RuleBreak.objects.create(
            membership=first, shift=shift, starts_at=shift.start_at, code="test", hard=False,
            message="A test",
        )  # fmt: skip
    assert _log(rota) == [
        (MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=3), {str(first.pk)}),
        (MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=1), {str(first.pk)}),
    ]
