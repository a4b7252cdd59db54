"""Rule feedback where the work is: after saving, the dialog says which rules the shift breaks and
offers to change it or keep it; a flagged chip carries its reasons for hover and focus; the
dialog judges a draft as the grid does; the publish review names whose published shift a draft
would break a rule for; the day view lays overlapping shifts side by side and opens on today."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.contrib.messages import get_messages

from scheduling.models import Position, Shift, Site
from scheduling.rota import services as rota_services
from scheduling.rota.selectors import ShiftCard
from scheduling.rota.views import _bars
from scheduling.time import today_in, week_start_of
from tenancy.context import tenant_context
from tests.builders import LONDON, MONDAY, Rota, add_shift, at, signed_in

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


def _form(rota: Rota, **overrides: Any) -> dict[str, Any]:
    return {
        "site": rota.site.pk, "position": rota.carer.pk, "membership": rota.people[0].pk,
        "date": TUESDAY.isoformat(), "start_time": "06:00", "end_time": "14:00",
        "break_minutes": 30, "notes": "",
    } | overrides  # fmt: skip


def test_saving_a_draft_that_breaks_a_rule_keeps_the_dialog_open_with_the_reasons(
    rota: Rota,
) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 14))  # ends 22:00: only 8 h before 06:00
    client = signed_in(rota.manager)
    response = client.post("/alpha/rota/shifts/new/", _form(rota), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#shift-dialog-body"
    assert json.loads(response["HX-Trigger"]) == {"rota-refresh": {}}  # the grid, not closed
    page = response.content.decode()
    assert "Shift added. It blocks publishing." in page
    assert "Blocks publishing:</strong> Only 8 h rest after the shift ending" in page
    with tenant_context(rota.tenant):
        saved = Shift.objects.get(start_at=at(TUESDAY, 6))
    assert saved.status == Shift.Status.DRAFT  # saved, as a draft
    assert f'hx-get="/alpha/rota/shifts/{saved.pk}/"' in page  # Change it
    assert "Keep it as a draft" in page


def test_saving_a_shift_that_breaks_nothing_closes_the_dialog_as_before(rota: Rota) -> None:
    client = signed_in(rota.manager)
    response = client.post("/alpha/rota/shifts/new/", _form(rota), HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and "rota-changed" in response["HX-Trigger"]


def test_without_script_the_rota_page_says_what_the_saved_shift_breaks(rota: Rota) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 14))
    client = signed_in(rota.manager)
    response = client.post("/alpha/rota/shifts/new/", _form(rota))
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("Shift added. Only 8 h rest after the shift ending") for m in said)


def test_the_dialog_of_a_draft_shows_the_overlap_with_another_draft_as_the_grid_does(
    rota: Rota,
) -> None:
    first = add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[0], at(MONDAY, 12))  # both drafts, overlapping
    client = signed_in(rota.manager)
    dialog = client.get(f"/alpha/rota/shifts/{first.pk}/", HTTP_HX_REQUEST="true")
    assert "Overlaps the shift from" in dialog.content.decode()
    grid = client.get(f"/alpha/rota/?week={MONDAY}").content.decode()
    chip = re.search(rf'data-shift="{first.pk}".*?</button>', grid, re.S)
    assert chip is not None
    # The chip's reasons: described for screen readers and shown on hover and focus.
    assert f'aria-describedby="v-{first.pk}"' in chip.group(0)
    assert re.search(
        rf'<span class="shift__why" id="v-{first.pk}" role="tooltip">'
        r'<span class="shift__why-line"><strong>Blocks publishing:</strong> Overlaps the shift',
        chip.group(0),
    )


def test_the_publish_review_names_whose_published_shift_a_draft_breaks_a_rule_for(
    rota: Rota,
) -> None:
    person = rota.people[0]
    add_shift(rota, person, at(TUESDAY, 6))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    add_shift(rota, person, at(MONDAY, 14))  # a draft leaving 8 h before the published one
    page = signed_in(rota.manager).get(f"/alpha/rota/publish/?week={MONDAY}").content.decode()
    knock_on = page[page.index('id="knock-on-heading"') :]
    row = re.search(r'<tr class="has-violations">(.*?)</tr>', knock_on, re.S)
    assert row is not None
    text = " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())
    assert text.startswith("Tue 24 Nov 06:00\u201314:00 Employee 000 Carer · Rosewood Blocks")


def _card(start: tuple[int, int], end: tuple[int, int]) -> ShiftCard:
    day = dt.date(2026, 11, 23)
    return ShiftCard(
        id=f"{start}",
        site=Site(name="Rosewood"),
        position=Position(name="Carer"),
        start=dt.datetime.combine(day, dt.time(*start), tzinfo=LONDON),
        end=dt.datetime.combine(day, dt.time(*end), tzinfo=LONDON),
        draft=True,
        version=1,
        violations=(),
    )


def test_overlapping_bars_of_a_day_take_lanes_side_by_side() -> None:
    bars = _bars([_card((6, 0), (14, 0)), _card((9, 0), (17, 0)), _card((10, 0), (12, 0)),
                  _card((14, 0), (22, 0)), _card((23, 0), (23, 30))])  # fmt: skip
    assert [(b.lane, b.lanes) for b in bars] == [(0, 3), (1, 3), (2, 3), (0, 3), (0, 1)]


def test_the_day_view_link_opens_on_today_in_this_week_and_monday_in_another(
    rota: Rota,
) -> None:
    client = signed_in(rota.manager)
    today = today_in(rota.tenant)
    page = client.get("/alpha/rota/").content.decode()
    assert f'/alpha/rota/day/?date={today.isoformat()}"' in page
    other = week_start_of(today) + dt.timedelta(days=14)
    page = client.get(f"/alpha/rota/?week={other}").content.decode()
    assert f'/alpha/rota/day/?date={other.isoformat()}"' in page
