"""The hostile inputs reported in issue 19 and the ones the walker found, each answered with a
clear refusal instead of a 500; and an export that refuses its filter before it streams."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from accounts.catalogue import Event
from audit.models import AuditEntry
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tests.factories import member

pytestmark = pytest.mark.django_db


def _streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _exports(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return AuditEntry.objects.filter(event=Event.AUDIT_EXPORTED).count()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_audit_log_refuses_a_date_it_cannot_compute_with(client: Client, day: str) -> None:
    response = client.get("/alpha/audit/", {"date_to": day})
    assert response.status_code == 400
    assert "Ensure this value is" in response.content.decode()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    "query",
    [{"date_to": "9999-12-31"}, {"date_from": "2026-02-30"}, {"q": "a\x00b"},
     {"date_from": "2026-03-02", "date_to": "2026-03-01"}, {"actor": "not-a-person"}],
)  # fmt: skip
def test_export_refuses_a_bad_filter_before_it_starts_streaming(
    client: Client, tenant_a: Tenant, fmt: str, query: dict[str, str]
) -> None:
    before = _exports(tenant_a)
    response = client.get(f"/alpha/audit/export.{fmt}", query)
    assert response.status_code == 400
    assert not response.streaming
    assert "attachment" not in response.get("Content-Disposition", "")
    assert response["Content-Type"].startswith("text/html")
    assert _exports(tenant_a) == before  # a refused export is not recorded as made


def test_export_with_the_last_supported_day_streams_to_the_end(client: Client) -> None:
    response = client.get("/alpha/audit/export.csv", {"date_to": "2100-12-31"})
    assert response.status_code == 200
    assert response.streaming
    rows = list(csv.reader(io.StringIO(_streamed(response).decode())))
    assert rows[0][:3] == ["sequence", "timestamp", "event"]
    assert len(rows) > 1  # the owner's own membership was recorded


@pytest.mark.parametrize("q", ["\x00", "a\x00b", "x" * 5000, "\u202eevil", "'\"%_\\"])
def test_people_search_with_hostile_text_answers(client: Client, q: str) -> None:
    response = client.get("/alpha/people/", {"q": q})
    assert response.status_code == 200


def test_people_search_ignores_nul_and_still_finds(client: Client) -> None:
    response = client.get("/alpha/people/", {"q": "own\x00er@alpha"})
    assert "owner@alpha.test" in response.content.decode()


@pytest.mark.parametrize("year", ["abc", "9999", "-1", "1e9", "2026\x00", "²⁰²⁶"])
def test_member_leave_refuses_a_year_it_does_not_know(
    client: Client, tenant_a: Tenant, year: str
) -> None:
    person = member(tenant_a, email="staff@alpha.test")
    response = client.get(f"/alpha/people/{person.pk}/leave/", {"year": year})
    assert response.status_code == 200
    assert "Choose a year from 2000 to 2100." in response.content.decode()


@pytest.mark.parametrize("next_url", ["NaN", "a\x00b", "9999-12-31", "//evil.test/", "/\x00"])
def test_policy_gate_sends_anything_but_a_local_path_to_the_dashboard(
    client: Client, next_url: str
) -> None:
    response = client.get("/alpha/policies/accept/", {"next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/alpha/"


def test_policy_gate_still_follows_a_local_path(client: Client) -> None:
    response = client.get("/alpha/policies/accept/", {"next": "/alpha/my-shifts/"})
    assert response["Location"] == "/alpha/my-shifts/"


@pytest.mark.parametrize("action", ["copy-previous-week", "clear-drafts"])
@pytest.mark.parametrize("week", ["9999-12-31", "0001-01-01"])
def test_week_actions_refuse_weeks_out_of_range(client: Client, action: str, week: str) -> None:
    response = client.post(f"/alpha/rota/{action}/", {"week": week})
    assert response.status_code == 404


@pytest.mark.parametrize("header", ["HTTP_USER_AGENT", "HTTP_X_FORWARDED_FOR", "HTTP_REFERER"])
def test_a_control_character_in_a_header_is_refused_before_sign_in(
    owner: Membership, header: str
) -> None:
    # A NUL in the User-Agent reached the sign-in throttle's table and answered 500.
    client = Client()
    client.defaults[header] = "evil\x00agent"
    response = client.post("/accounts/login/", {"username": owner.user.email, "password": "x"})
    assert response.status_code == 400
    assert "control character" in response.content.decode()


def test_hostile_but_printable_headers_still_sign_in(owner: Membership) -> None:
    from tests.factories import TEST_PASSWORD

    client = Client(HTTP_USER_AGENT="\u202e" + "x" * 5000 + "'\"<>", HTTP_X_REQUEST_ID="'; --")
    response = client.post("/accounts/login/", {"username": owner.user.email,
                                                "password": TEST_PASSWORD})  # fmt: skip
    assert response.status_code == 302
