"""The rota grid of a large company: the page brings the first people's rows and the whole
week's totals and counts, rota_rows the next people as the table scrolls into view; rule
breaks and totals are the same wherever a row arrives; times read from the database are exact."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from scheduling.models import Shift
from scheduling.rota import selectors
from scheduling.rota import views as rota_views
from scheduling.rota.views import ROWS_AT_ONCE
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, add_shift, at, build_rota, signed_in

pytestmark = pytest.mark.django_db

PEOPLE = 2 * ROWS_AT_ONCE + 5


def _names(page: str) -> list[str]:
    """The people's rows of `page`, in order."""
    return re.findall(r'<tr data-member="[^"]+"><th scope="row" class="rota__person">([^<]+)', page)


def _more(page: str) -> str | None:
    """The address of the rows that follow `page`'s, if any."""
    found = re.search(r'<tr class="rota__more" hx-get="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def _monday_total(page: str) -> str:
    footer = page[page.index("<tfoot>") :]
    return str(re.findall(r"<td>([^<]+) h<br>", footer)[0])


def _big_week() -> Rota:
    """PEOPLE employees, each with a 9 to 5 on Monday (7.5 paid hours, 30 minutes' break), and
    the last one also with an overlapping shift (a hard rule break on both)."""
    rota = build_rota(people=PEOPLE)
    for person in rota.people:
        add_shift(rota, person, at(MONDAY, 9))
    add_shift(rota, rota.people[-1], at(MONDAY, 12), hours=2, break_minutes=0)
    return rota


def test_a_large_week_comes_in_parts_with_the_whole_weeks_totals_from_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rota_views, "ROWS_AFTER", 40)  # so that two more requests follow
    rota = _big_week()
    client = signed_in(rota.admin)
    page = client.get(f"/alpha/rota/?week={MONDAY}").content.decode()

    # An admin schedules every site: everyone active is listed, by name.
    everyone = sorted(m.user.full_name for m in [rota.admin, rota.manager, *rota.people])
    assert _names(page) == everyone[:ROWS_AT_ONCE]
    assert "Open shifts" in page
    # The footer and the counts are the whole week's, whoever's row is not here yet.
    assert _monday_total(page) == f"{PEOPLE * 7.5 + 2:g}"
    assert "2 rule breaks block publishing" in page
    assert f"{PEOPLE + 1} drafts" in page

    loaded, url, requests = _names(page), _more(page), 0
    while url is not None:
        assert f"offset={len(loaded)}" in url
        chunk = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "Open shifts" not in chunk and "<tfoot>" not in chunk
        loaded += _names(chunk)
        url, requests = _more(chunk), requests + 1
        last = chunk
    assert loaded == everyone
    assert requests == 2
    # The last person's overlap is flagged on the row that came last, with its reason.
    row = last[last.index(f">{rota.people[-1].user.full_name}<") :]
    assert row.count("shift--blocked") == 2
    assert "Overlaps the shift from" in row


def test_the_refreshed_grid_brings_as_many_rows_as_were_loaded() -> None:
    rota = _big_week()
    grid = (
        signed_in(rota.manager)
        .get(
            f"/alpha/rota/?week={MONDAY}&rows={PEOPLE + 2}",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="rota-grid",
        )
        .content.decode()
    )
    assert grid.lstrip().startswith('<div id="rota-grid"')
    assert len(_names(grid)) == PEOPLE + 2  # with the admin and the manager
    assert _more(grid) is None


def test_rows_need_the_build_rota_permission_and_ignore_a_bad_offset() -> None:
    rota = build_rota(people=3)
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    assert signed_in(rota.people[0]).get(f"/alpha/rota/rows/?week={MONDAY}").status_code == 403
    rows = signed_in(rota.manager).get(f"/alpha/rota/rows/?week={MONDAY}&offset=x")
    assert rows.status_code == 200
    assert len(_names(rows.content.decode())) == 5  # the three, the admin and the manager


def test_times_read_for_the_grid_are_exact_to_the_microsecond() -> None:
    """The grid reads times as seconds since 1970 (selectors.Epoch) and ids as text
    (selectors.UuidText): the same datetimes, paid minutes and ids as the model's."""
    rota = build_rota(people=1)
    start = at(MONDAY, 9) + dt.timedelta(seconds=30, microseconds=500_001)
    shift = add_shift(rota, rota.people[0], start, hours=8 - 1 / 3_600_000_000)
    with tenant_context(rota.tenant):
        stored = Shift.objects.get()
        week = selectors.rota_week(rota.admin, MONDAY)
    (row,) = [row for row in week.rows if row.member_id == str(rota.people[0].pk)]
    (card,) = row.days[0]
    assert card.id == str(shift.pk)
    assert (card.start, card.end) == (stored.start_at, stored.end_at)
    assert row.minutes == stored.paid_minutes == 7 * 60 + 29


def _rows_seen(week: selectors.RotaWeek) -> list[tuple[object, ...]]:
    """A week's rows as the grid shows them: who, each day's shifts with their rule breaks,
    the hours and cost."""
    return [
        (
            row.member_id, row.name, row.minutes, row.cost,
            [[(card.id, card.start, card.end, card.draft,
               sorted((v.code, v.hard) for v in card.violations)) for card in cards]
             for cards in row.days],
            row.away,
        )
        for row in ([week.open_row] if week.first == 0 else []) + week.rows
    ]  # fmt: skip


@pytest.mark.parametrize("filtered", ["none", "site", "position", "both"])
def test_rows_sent_as_the_table_scrolls_are_those_of_the_whole_week(filtered: str) -> None:
    """The rows that follow read only their own people's shifts (and who has a shift in the
    week, in SQL): put together, they are exactly the rows of the week read whole, whatever
    the filters, for shifts at the edges of the week at sites in other time zones, people
    listed only because they have a shift there, open shifts and rule breaks."""
    rota = build_rota(people=7)
    tokyo = rota.new_site("Tokyo", "Asia/Tokyo")
    sunday_before, next_monday = MONDAY - dt.timedelta(days=1), MONDAY + dt.timedelta(days=7)
    people = rota.people
    # Monday 00:30 in Tokyo is Sunday afternoon in London: in the week only at Tokyo's time.
    rota.shift(people[0], at(sunday_before, 15, 30), site=tokyo)
    rota.shift(people[1], at(sunday_before, 23, 30))  # the week before, in London
    rota.shift(people[2], at(next_monday, 0, 30) - dt.timedelta(hours=1), site=tokyo)
    add_shift(rota, people[3], at(MONDAY, 9))
    add_shift(rota, people[3], at(MONDAY, 12), hours=2, break_minutes=0)  # overlaps
    rota.shift(people[4], at(MONDAY + dt.timedelta(days=2), 8), position=rota.cook,
               site=rota.other_site, status=Shift.Status.DRAFT)  # fmt: skip
    rota.shift(people[5], at(MONDAY, 20))
    rota.shift(people[5], at(MONDAY + dt.timedelta(days=1), 14))  # 10 hours after: too little rest
    rota.shift(None, at(MONDAY + dt.timedelta(days=3), 7), site=tokyo)
    outsider = rota.new_person("Zed Outsider")  # no profile: listed only for a shift
    rota.shift(outsider, at(MONDAY + dt.timedelta(days=4), 9), site=tokyo, position=rota.cook)
    site_id = tokyo.pk if filtered in ("site", "both") else None
    position_id = rota.cook.pk if filtered in ("position", "both") else None
    with tenant_context(rota.tenant):
        whole = selectors.rota_week(
            rota.manager, MONDAY, site_id=site_id, position_id=position_id, judge_everyone=False
        )
        parts, first = [], 0
        while True:
            part = selectors.rota_week(
                rota.manager, MONDAY, site_id=site_id, position_id=position_id,
                rows=slice(first, first + 3), judge_everyone=False, rows_only=True,
            )  # fmt: skip
            assert part.people == whole.people
            parts += _rows_seen(part)
            first += 3
            if part.rest <= 0:
                break
    assert parts == _rows_seen(whole)
    assert any(row.rows for row in [whole])  # the case is not empty
    broken = {v.code for vs in whole.violations.values() for v in vs}
    if filtered == "none":
        assert len(whole.rows) == whole.people == 10  # the 7, the admin, manager and outsider
        assert {"overlap", "rest"} <= {str(code) for code in broken}


def test_rows_only_builds_rows_judging_only_theirs() -> None:
    rota = build_rota(people=1)
    with tenant_context(rota.tenant), pytest.raises(ValueError, match="rows_only"):
        selectors.rota_week(rota.manager, MONDAY, rows=slice(0, 3), rows_only=True)
