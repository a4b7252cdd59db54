"""Shift wishes: an employee asks to work, or to be off, on a date (with how much it matters);
managers see it on the rota. Services, the page with its bad input, the rota, the audit trail,
and the data export and erasure."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from gdpr import rights
from scheduling.leave import selectors as leave_selectors
from scheduling.leave import services as leave_services
from scheduling.models import ShiftWish, WishKind, WishStrength
from scheduling.time import today_in
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.builders import MONDAY, Rota, add_shift, at, build_rota

pytestmark = pytest.mark.django_db


def _url(rota: Rota) -> str:
    return reverse("my-availability", kwargs={"tenant_slug": rota.slug})


def _post(rota: Rota, who: Membership, **fields: str) -> tuple[int, str]:
    data = {"add_wish": "1", "wish-strength": "2", "wish-start_time": "", "wish-end_time": "",
            "wish-note": ""}  # fmt: skip
    data |= {f"wish-{name}": value for name, value in fields.items()}
    response = rota.client(who).post(_url(rota), data, follow=True)
    return response.status_code, response.content.decode()


def _wishes(rota: Rota, who: Membership) -> list[ShiftWish]:
    return leave_selectors.wishes_of(rota.tenant, who, since=today_in(rota.tenant))


def test_an_employee_adds_changes_and_removes_a_wish_and_each_change_is_audited() -> None:
    rota = build_rota(people=1)
    sam = rota.people[0]
    day = today_in(rota.tenant) + dt.timedelta(days=9)
    status, page = _post(rota, sam, date=day.isoformat(), kind="off", strength="3",
                         note="My daughter's wedding")  # fmt: skip
    assert status == 200
    assert "Saved. Your managers see it on the rota." in page
    (wish,) = _wishes(rota, sam)
    assert (wish.date, wish.kind, wish.strength) == (day, WishKind.OFF, WishStrength.HIGH)
    assert "all day · It matters a lot · My daughter&#x27;s wedding" in page
    # The page's title is its name, and the wishes' section is on it once.
    assert re.search(r"<title>\s*My availability · Alpha Care · Parim\s*</title>", page)
    assert page.count('id="wishes-heading"') == 1
    # The same date again changes that wish: one a day, nothing else added.
    status, page = _post(rota, sam, date=day.isoformat(), kind="work", strength="1",
                         start_time="14:00", end_time="22:00")  # fmt: skip
    assert "Changed your wish for" in page
    (changed,) = _wishes(rota, sam)
    assert changed.pk == wish.pk and changed.kind == WishKind.WORK
    assert (changed.start_time, changed.end_time) == (dt.time(14), dt.time(22))
    rota.client(sam).post(_url(rota), {"remove": str(wish.pk)})
    assert _wishes(rota, sam) == []
    entries = rota.audit("shift_wish.changed")
    assert len(entries) == 3
    assert all(entry.actor_id == sam.user_id for entry in entries)
    assert "wedding" not in json.dumps([entry.changes for entry in entries])  # free text kept out


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"date": "2000-01-03"}, "Choose today or a later date."),
        ({"days_ahead": "400"}, "Choose a date within the next year."),
        ({"start_time": "09:00"}, "For part of the day give both times; for all day, neither."),
        ({"start_time": "17:00", "end_time": "09:00"}, "The end time is before the start time."),
        ({"strength": "9"}, "Select a valid choice."),
        ({"kind": "maybe"}, "Select a valid choice."),
        ({"date": "not a date"}, "Enter a valid date."),
    ],
)
def test_bad_wishes_get_a_clear_error_and_change_nothing(
    fields: dict[str, str], error: str
) -> None:
    rota = build_rota(people=1)
    sam = rota.people[0]
    ahead = int(fields.pop("days_ahead", "3"))
    data = {"date": (today_in(rota.tenant) + dt.timedelta(days=ahead)).isoformat(), "kind": "off"}
    status, page = _post(rota, sam, **(data | fields))
    assert status == 400
    assert error.replace("'", "&#x27;") in page
    assert _wishes(rota, sam) == []
    assert rota.audit("shift_wish.changed") == []


def test_nobody_removes_someone_elses_wish() -> None:
    rota = build_rota(people=2)
    sam, kim = rota.people
    wish, _new = leave_services.wish_save(
        tenant=rota.tenant, membership=sam, day=today_in(rota.tenant), kind=WishKind.OFF,
        strength=WishStrength.MEDIUM, today=today_in(rota.tenant),
    )  # fmt: skip
    for who in (kim, rota.manager):
        rota.client(who).post(_url(rota), {"remove": str(wish.pk)})
    other = build_rota("bravo", people=1)
    other.client(other.admin).post(_url(other), {"remove": str(wish.pk)})
    assert [w.pk for w in _wishes(rota, sam)] == [wish.pk]


def test_the_service_refuses_times_without_both_ends() -> None:
    rota = build_rota(people=1)
    today = today_in(rota.tenant)
    with pytest.raises(ValidationError, match="both times"):
        leave_services.wish_save(
            tenant=rota.tenant, membership=rota.people[0], day=today, kind=WishKind.WORK,
            strength=WishStrength.LOW, end=dt.time(12), today=today,
        )  # fmt: skip


def test_managers_see_wishes_on_the_rota_on_their_days() -> None:
    rota = build_rota(people=2)
    sam, kim = rota.people
    add_shift(rota, sam, at(MONDAY, 9))
    wednesday, friday = MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=4)
    with tenant_context(rota.tenant):  # dates in the past of the test's fixed week are fine
        ShiftWish.objects.create(membership=sam, date=wednesday, kind=WishKind.OFF,
                                 strength=WishStrength.HIGH)  # fmt: skip
        ShiftWish.objects.create(membership=kim, date=friday, kind=WishKind.WORK,
                                 strength=WishStrength.LOW, start_time=dt.time(14),
                                 end_time=dt.time(22))  # fmt: skip
        ShiftWish.objects.create(membership=kim, date=MONDAY + dt.timedelta(days=7),
                                 kind=WishKind.OFF)  # next week: not shown  # fmt: skip
    page = rota.client(rota.manager).get(f"/alpha/rota/?week={MONDAY}").content.decode()
    sams_row = page[page.index(f'data-member="{sam.pk}"') :]
    sams_row = sams_row[: sams_row.index("</tr>")]
    cells = sams_row.split("<td>")[1:]
    assert "Would rather be off (matters a lot)" in cells[2]
    kims_row = page[page.index(f'data-member="{kim.pk}"') :]
    kims_row = kims_row[: kims_row.index("</tr>")]
    cells = kims_row.split("<td>")[1:]
    assert "Wants to work 14:00\u201322:00 (if possible)" in cells[4]
    assert "away--wish-work" in cells[4] and "away--wish-off" not in kims_row


def test_the_data_export_holds_the_wishes_and_erasure_removes_them() -> None:
    rota = build_rota(people=1)
    sam = rota.people[0]
    today = today_in(rota.tenant)
    leave_services.wish_save(tenant=rota.tenant, membership=sam, day=today, kind=WishKind.OFF,
                             strength=WishStrength.HIGH, note="Exam day", today=today)  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = rights.export_request(tenant=rota.tenant, membership=sam)
    with tenant_context(rota.tenant):
        export.refresh_from_db()
    archive = zipfile.ZipFile(io.BytesIO(rights.export_content(export)))
    (wish,) = json.loads(archive.read("availability.json"))["shift_wishes"]
    assert (wish["date"], wish["wish"], wish["strength"], wish["note"]) == (
        today.isoformat(), "off", 3, "Exam day",
    )  # fmt: skip
    rights.person_anonymise(tenant=rota.tenant, membership=sam, reason="asked")
    with tenant_context(rota.tenant):
        assert not ShiftWish.objects.filter(membership=sam).exists()
