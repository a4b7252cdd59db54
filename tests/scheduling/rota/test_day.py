"""The day timeline (rota/day/): the shifts that start on a day, placed by the minute on the
site's clock, with the open shifts; filters, an empty day, bad input, permissions and an exact
query count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.builders import MONDAY, add_shift, at, build_rota, signed_in
from tests.factories import member, queries

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def _bars(page: str) -> list[tuple[str, str]]:
    """(data-from, data-to) of each bar, in page order."""
    return re.findall(r'class="timeline__bar[^"]*" data-from="(\d+)" data-to="(\d+)"', page)


def test_a_day_shows_its_shifts_by_the_minute_and_the_open_shifts() -> None:
    rota = build_rota(people=3)
    ann, bob, _cat = rota.people
    add_shift(rota, ann, at(TUESDAY, 7, 30), hours=8)  # 07:30-15:30
    add_shift(rota, bob, at(TUESDAY, 22), hours=8)  # 22:00-06:00 the next day
    add_shift(rota, None, at(TUESDAY, 9), hours=4, position=rota.cook)  # open
    add_shift(rota, bob, at(MONDAY, 9))  # another day: not shown
    response = signed_in(rota.manager).get(f"/alpha/rota/day/?date={TUESDAY}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Day: Tuesday 24 November 2026" in page
    # The open shifts' line first, then the people working that day, by name.
    assert _bars(page) == [("540", "780"), ("450", "930"), ("1320", "1440")]
    assert page.index("Open shifts") < page.index("Employee 000") < page.index("Employee 001")
    assert "Employee 002" not in page  # not working that day
    assert "22:00\u201306:00" in page and ">+1</abbr>" in page
    assert 'href="/alpha/rota/?week=2026-11-23"' in page  # back to the week
    assert f'href="/alpha/rota/day/?date={TUESDAY - dt.timedelta(days=1)}"' in page


def test_the_filters_narrow_the_day_to_a_site_and_a_position() -> None:
    rota = build_rota(people=2)
    add_shift(rota, rota.people[0], at(TUESDAY, 8), site=rota.site)
    add_shift(rota, None, at(TUESDAY, 10), site=rota.other_site)
    add_shift(rota, None, at(TUESDAY, 12), position=rota.cook)
    client = signed_in(rota.manager)
    at_site = client.get(f"/alpha/rota/day/?date={TUESDAY}&site={rota.site.pk}").content.decode()
    assert _bars(at_site) == [("720", "1200"), ("480", "960")]
    cooks = client.get(f"/alpha/rota/day/?date={TUESDAY}&position={rota.cook.pk}").content
    assert _bars(cooks.decode()) == [("720", "1200")]


def test_an_empty_day_says_so_and_links_to_the_week() -> None:
    rota = build_rota(people=1)
    page = signed_in(rota.manager).get(f"/alpha/rota/day/?date={TUESDAY}").content.decode()
    assert "Nobody works this day" in page
    assert _bars(page) == []


def test_a_date_that_is_not_a_date_shows_today_rather_than_an_error() -> None:
    rota = build_rota(people=1)
    response = signed_in(rota.manager).get("/alpha/rota/day/?date=tuesday&site=nonsense")
    assert response.status_code == 200
    assert "Day: " in response.content.decode()


def test_an_employee_may_not_open_the_day_view() -> None:
    rota = build_rota(people=1)
    assert signed_in(rota.people[0]).get("/alpha/rota/day/").status_code == 403


def test_another_companys_manager_gets_404() -> None:
    rota = build_rota(people=1)
    other = build_rota("bravo", people=1)
    add_shift(other, other.people[0], at(TUESDAY, 8))
    assert signed_in(rota.manager).get(f"/bravo/rota/day/?date={TUESDAY}").status_code == 404


@pytest.mark.postgres
def test_the_day_takes_the_same_queries_for_few_and_many_shifts() -> None:
    counts = []
    for slug, people in (("alpha", 2), ("bravo", 30)):
        rota = build_rota(slug, people=people)
        for index, person in enumerate(rota.people):
            add_shift(rota, person, at(TUESDAY, 6 + index % 12))
        add_shift(rota, None, at(TUESDAY, 9))
        member(rota.tenant)  # someone with no profile
        client = signed_in(rota.manager)
        with CaptureQueriesContext(connection) as context:
            response = client.get(f"/{slug}/rota/day/?date={TUESDAY}")
        assert response.status_code == 200
        assert len(_bars(response.content.decode())) == people + 1
        counts.append(len(context))
    # The rota's reads (tests/scheduling/rota/test_pages.py), the same whatever the data.
    assert counts == [queries(19)] * 2
