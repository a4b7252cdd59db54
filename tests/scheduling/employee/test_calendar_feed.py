"""The calendar feed as an employee meets it on My shifts: one button to subscribe, then
one-tap links for their calendar and a copy field; replacing or turning it off asks first."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from scheduling.employee.views import subscribe_links
from tests.builders import Rota, signed_in

pytestmark = pytest.mark.django_db

FEED = "https://parim.example/acme/calendar/abcdefghijklmnopqrstuvwxyz.ics"


def test_subscribe_links_point_every_calendar_at_the_feed() -> None:
    links = subscribe_links(FEED, "Acme Care")
    assert (
        links["webcal_url"] == "webcal://parim.example/acme/calendar/abcdefghijklmnopqrstuvwxyz.ics"
    )
    google = urlsplit(links["google_url"])
    assert (google.netloc, parse_qs(google.query)["cid"]) == (
        "calendar.google.com",
        [links["webcal_url"]],
    )
    outlook = parse_qs(urlsplit(links["outlook_url"]).query)
    assert outlook == {"url": [FEED], "name": ["Shifts at Acme Care"]}


def test_my_shifts_offers_to_subscribe_then_to_replace_or_turn_off_with_a_confirmation(
    rota: Rota,
) -> None:
    client = signed_in(rota.people[0])
    page = client.get("/alpha/my-shifts/").content.decode()
    assert "Subscribe in your calendar" in page and 'id="feed-revoke"' not in page
    feed = client.post("/alpha/my-shifts/calendar/", {"action": "renew"}).content.decode()
    url = re.search(r'id="feed-url"[^>]*value="([^"]+)"', feed).group(1)  # type: ignore[union-attr]
    assert f'href="webcal://testserver{url.removeprefix("http://testserver")}"' in feed
    assert 'data-copy-target="feed-url"' in feed
    page = client.get("/alpha/my-shifts/").content.decode()
    assert "Subscribe in your calendar" not in page
    for dialog in ("feed-renew", "feed-revoke"):  # each change asks first, Cancel focused
        found = re.search(rf'<dialog class="dialog" id="{dialog}".*?</dialog>', page, re.S)
        assert found is not None and "autofocus" in found.group(0)
    assert client.get(url.removeprefix("http://testserver")).status_code == 200
    client.post("/alpha/my-shifts/calendar/", {"action": "revoke"})
    assert client.get(url.removeprefix("http://testserver")).status_code == 404
    assert "Subscribe in your calendar" in client.get("/alpha/my-shifts/").content.decode()
