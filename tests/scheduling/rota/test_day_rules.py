"""The rules over days on the manual rota: each is flagged on the grid's chips (the same engine
as everywhere), in the shift's dialog and on the publish review; they read published shifts
from as far back as they need; a person's own limit applies to them alone; the minimum hours
of a period wait until the period is planned; and a hard one blocks publishing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.models import Shift
from scheduling.rota import services as rota_services
from scheduling.rules.days import period_start
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, add_shift, at, signed_in

pytestmark = pytest.mark.django_db


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def _why(rota: Rota, shift: Shift, week: dt.date = MONDAY) -> str:
    """The reasons on `shift`'s chip in the week's grid, as text."""
    grid = signed_in(rota.manager).get(f"/alpha/rota/?week={week}").content.decode()
    chip = re.search(rf'data-shift="{shift.pk}".*?</button>', grid, re.S)
    assert chip is not None
    return " ".join(re.sub(r"<[^>]+>", " ", chip.group(0)).split())


def _published(rota: Rota, person: Any, start: dt.datetime) -> Shift:
    return rota.shift(person, start, 8, break_minutes=30)


def test_working_days_in_a_row(rota: Rota) -> None:
    rota.settings(max_consecutive_days=3)
    person = rota.people[0]
    shifts = [add_shift(rota, person, at(day(n), 9)) for n in range(4)]
    assert "4 working days in a row up to Thu 26 Nov (at most 3)." in _why(rota, shifts[3])
    assert "working days in a row" not in _why(rota, shifts[2])


def test_days_off_in_a_row(rota: Rota) -> None:
    rota.settings(min_days_off=2)
    person = rota.people[0]
    add_shift(rota, person, at(day(0), 9))
    back = add_shift(rota, person, at(day(2), 9))
    assert (
        "Blocks publishing: Back at work on Wed 25 Nov after 1 day off (at least 2 days off in "
        "a row)." in _why(rota, back)
    )


def test_weekends_worked_reach_back_past_the_usual_context(rota: Rota) -> None:
    rota.settings(max_weekends=1, weekends_period_weeks=3)
    person = rota.people[0]
    _published(rota, person, at(day(-9), 9))  # Saturday 14 November: 14 days before
    saturday = add_shift(rota, person, at(day(5), 9))
    assert "2 weekends worked in the 3 weeks up to the weekend of Sat 28 Nov (at most 1)." in _why(
        rota, saturday
    )
    dialog = signed_in(rota.manager).get(
        f"/alpha/rota/shifts/{saturday.pk}/", HTTP_HX_REQUEST="true"
    )
    assert "2 weekends worked in the 3 weeks" in dialog.content.decode()


def test_most_hours_in_a_period(rota: Rota) -> None:
    rota.settings(hours_period_weeks=1, period_max_hours=Decimal(20))
    person = rota.people[0]
    shifts = [add_shift(rota, person, at(day(n), 9)) for n in range(3)]  # 7.5 paid hours each
    assert "paid work in the period" not in _why(rota, shifts[1])
    assert (
        "22 h 30 min of paid work in the period Mon 23 Nov to Sun 29 Nov by Wed 25 Nov 09:00 "
        "(at most 20 h)." in _why(rota, shifts[2])
    )


def test_the_least_hours_of_a_period_wait_for_its_last_week(rota: Rota) -> None:
    rota.settings(hours_period_weeks=2, period_min_hours=Decimal(30))
    person = rota.people[0]
    first_week = period_start(MONDAY, 2)
    second_week = first_week + dt.timedelta(days=7)
    early = _published(rota, person, at(first_week, 9))  # counted once published
    late = add_shift(rota, person, at(second_week, 9))
    assert "paid work in the period" not in _why(rota, early, first_week)
    text = _why(rota, late, second_week)
    assert f"Warning: Only 15 h of paid work in the period {first_week:%a} {first_week.day}" in text
    assert "(at least 30 h)." in text


def test_shifts_that_may_not_follow_each_other(rota: Rota) -> None:
    rota.settings(forbidden_successions=["night-late"])
    person = rota.people[0]
    night = add_shift(rota, person, at(day(0), 20))  # to Tuesday 04:00
    late = add_shift(rota, person, at(day(1), 16))  # 12 hours' rest: only the succession
    assert (
        "This night shift is followed the next day by the late shift at Tue 24 Nov 16:00, "
        "which the rules do not allow." in _why(rota, night)
    )
    assert (
        "Blocks publishing: This late shift follows the night shift at Mon 23 Nov 20:00 the "
        "day before, which the rules do not allow." in _why(rota, late)
    )


def test_a_persons_own_limit_applies_to_them_alone(rota: Rota) -> None:
    limited, other = rota.people
    setup_services.work_profile_save(
        tenant=rota.tenant, actor=rota.admin, membership=limited, positions=[rota.carer],
        sites=[rota.site], contracted_hours=None, max_hours_7_days=None, min_rest_hours=None,
        max_consecutive_days=2,
    )  # fmt: skip
    theirs = [add_shift(rota, limited, at(day(n), 9)) for n in range(3)]
    others = [add_shift(rota, other, at(day(n), 9)) for n in range(3)]
    assert "3 working days in a row up to Wed 25 Nov (at most 2)." in _why(rota, theirs[2])
    assert "working days in a row" not in _why(rota, others[2])


def test_a_hard_rule_over_days_blocks_publishing_and_the_review_says_why(rota: Rota) -> None:
    rota.settings(max_consecutive_days=5, period_min_hours=Decimal(40), hours_period_weeks=1)
    person = rota.people[0]
    for n in range(6):
        add_shift(rota, person, at(day(n), 9))
    review = signed_in(rota.manager).get(f"/alpha/rota/publish/?week={MONDAY}").content.decode()
    assert "6 working days in a row up to Sat 28 Nov (at most 5)." in review
    # 45 paid hours: at least 40, so no warning for the week.
    assert "paid work in the period" not in review
    with pytest.raises(rota_services.RulesBlockedError):
        rota_services.week_publish(tenant=rota.tenant, actor=rota.manager, week_start=MONDAY)
    with tenant_context(rota.tenant):
        assert not Shift.objects.filter(status=Shift.Status.PUBLISHED).exists()


def _queries(rota: Rota, url: str, headers: dict[str, str]) -> int:
    client = signed_in(rota.manager)  # signing in is not the page's
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(context)


def test_the_rules_over_days_take_no_more_queries(rota: Rota, settings: Any) -> None:
    """Only the window of published shifts read around the week widens: the rota, the shift
    dialog and the publish review keep their query budgets (each computed afresh: no reuse of
    a cached week)."""
    settings.ROTA_CACHE_SECONDS = 0
    person = rota.people[0]
    _published(rota, person, at(day(-9), 9))
    shifts = [add_shift(rota, person, at(day(n), 9)) for n in range(6)]
    urls: list[tuple[str, dict[str, str]]] = [
        (f"/alpha/rota/?week={MONDAY}", {}),
        (f"/alpha/rota/shifts/{shifts[5].pk}/", {"HX-Request": "true"}),
        (f"/alpha/rota/publish/?week={MONDAY}", {}),
    ]
    before = [_queries(rota, url, headers) for url, headers in urls]
    rota.settings(
        max_consecutive_days=3, min_days_off=2, max_weekends=0, weekends_period_weeks=4,
        hours_period_weeks=4, period_min_hours=Decimal(10), period_max_hours=Decimal(20),
        forbidden_successions=["night-early"],
    )  # fmt: skip
    after = [_queries(rota, url, headers) for url, headers in urls]
    assert after == before
    assert "working days in a row" in _why(rota, shifts[5])
