"""Open shifts as an employee sees them: only those they may claim are offered, the others are
folded away with the rule that keeps them out; a claim the rules refuse answers in one sentence,
with the reasons behind a "Why?"."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from scheduling.models import SchedulingSettings, Shift
from tenancy.context import tenant_context
from tests.builders import Rota, add_shift, signed_in
from tests.factories import queries

pytestmark = pytest.mark.django_db


def _day(days: int, hour: int) -> dt.datetime:
    start = timezone.now() + dt.timedelta(days=days)
    return start.replace(hour=hour, minute=0, second=0, microsecond=0)


def _published(rota: Rota, person: Any, start: dt.datetime, hours: float = 8) -> Shift:
    shift = add_shift(rota, person, start, hours=hours)
    with tenant_context(rota.tenant):
        Shift.objects.filter(pk=shift.pk).update(status=Shift.Status.PUBLISHED)
        shift.refresh_from_db()
    return shift


def _section(page: str, start: str, end: str) -> str:
    """From `start` to the first `end` after it."""
    begin = page.index(start)
    return page[begin : page.index(end, begin)]


def test_an_open_shift_that_would_overlap_my_own_is_folded_away_with_the_reason(
    rota: Rota,
) -> None:
    me = rota.people[0]
    _published(rota, me, _day(3, 6))  # 06:00-14:00
    clash = _published(rota, None, _day(3, 9))  # overlaps
    fine = _published(rota, None, _day(5, 9))
    page = signed_in(me).get("/alpha/open-shifts/").content.decode()
    offered = _section(page, 'id="offered-heading"', "blocked-shifts")
    assert f'id="open-{fine.pk}"' in offered and f'id="open-{clash.pk}"' not in offered
    folded = _section(page, "blocked-shifts", 'id="claims-heading"')
    assert "1 open shift you cannot take" in folded
    assert re.search(rf'id="blocked-{clash.pk}".*?Overlaps the shift from', folded, re.S)
    assert f"/open-shifts/{clash.pk}/claim/" not in page  # no button to a claim sure to fail


def test_a_soft_rule_break_is_offered_with_a_note(rota: Rota) -> None:
    me = rota.people[0]
    with tenant_context(rota.tenant):
        SchedulingSettings.objects.update_or_create(
            tenant=rota.tenant, defaults={"rest_is_hard": False}
        )
    _published(rota, me, _day(3, 14))  # ends 22:00
    early = _published(rota, None, _day(4, 6))  # 8 hours' rest: a warning only
    page = signed_in(me).get("/alpha/open-shifts/").content.decode()
    item = _section(page, f'id="open-{early.pk}"', "</li>")
    assert "Only 8 h rest before" in item or "Only 8 h rest after" in item
    assert f"/open-shifts/{early.pk}/claim/" in item


def test_a_claim_the_rules_refuse_is_one_sentence_with_the_reasons_behind_why(
    rota: Rota,
) -> None:
    me = rota.people[0]
    _published(rota, me, _day(3, 6))
    clash = _published(rota, None, _day(3, 9))
    response = signed_in(me).post(f"/alpha/open-shifts/{clash.pk}/claim/")
    assert response.status_code == 409
    page = response.content.decode()
    banner = _section(page, 'id="claim-refused"', "</div>")
    assert "You cannot take this shift: it breaks working-time rules." in banner
    why = _section(banner, "<details", "</details>")
    assert "<summary>Why?</summary>" in why and "Overlaps the shift from" in why
    # The sentence stands alone: the rules' text is only behind "Why?".
    assert banner.index("Overlaps the shift") > banner.index("<details")
    with tenant_context(rota.tenant):
        clash.refresh_from_db()
    assert clash.membership_id is None


def test_the_open_shifts_page_reads_a_fixed_number_of_queries(
    rota: Rota, django_assert_num_queries: Any
) -> None:
    me = rota.people[0]
    counts = []
    for n in (1, 6):
        for day in range(n):
            _published(rota, None, _day(2 + day, 9 + day % 3))
        _published(rota, me, _day(20 + n, 6))
        client = signed_in(me)
        client.get("/alpha/open-shifts/")
        with django_assert_num_queries(queries(OPEN_SHIFTS_PAGE)) as captured:
            assert client.get("/alpha/open-shifts/").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# The tenant page's 6, the settings, the offered shifts (count and page), my claims (count and
# page), and the rules' context for every offered shift at once.
OPEN_SHIFTS_PAGE = 18
