"""Generated input for the filter forms behind the pages that read query strings: whatever a
form accepts, the read behind it runs; whatever it refuses, it refuses with an error (never an
exception). The audit filter is checked through its selector and its export, the rota's week,
the payroll range and the people search through their pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.forms import AuditFilterForm
from audit.selectors import audit_page, filter_choices
from audit.sentences import people_of
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tests.hostile.values import HOSTILE

pytestmark = pytest.mark.django_db


def _streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# Text a person or a script could send: any text, ISO dates across the whole calendar, numbers
# of any size, and the walker's hostile values.
VALUES = st.one_of(
    st.text(max_size=300),
    st.dates(min_value=dt.date.min, max_value=dt.date.max).map(dt.date.isoformat),
    st.integers().map(str),
    st.sampled_from(list(HOSTILE.values())),
)
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
AUDIT_FIELDS = ["date_from", "date_to", "q", "before", "actor", "category", "event"]


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(AUDIT_FIELDS), VALUES, max_size=4))
def test_audit_filter_accepts_only_what_its_selector_can_read(
    tenant_a: Tenant, owner: Membership, data: dict[str, Any]
) -> None:
    with tenant_context(tenant_a):
        form = AuditFilterForm(data, **filter_choices(people_of(tenant_a)))
        if not form.is_valid():
            assert form.errors
            return
        with transaction.atomic():
            audit_page(tenant_a, form.cleaned_data)  # the whole read, no exception


@SETTINGS
@given(day=VALUES)
def test_audit_export_answers_400_or_streams_to_the_end(client: Client, day: str) -> None:
    response = client.get("/alpha/audit/export.csv", {"date_to": day})
    if response.status_code == 400:
        assert not response.streaming
    else:
        assert response.status_code == 200
        assert _streamed(response).startswith(b"sequence,")


@SETTINGS
@given(week=VALUES, site=VALUES)
def test_rota_week_answers_without_error(client: Client, week: str, site: str) -> None:
    with transaction.atomic():
        response = client.get("/alpha/rota/", {"week": week, "site": site})
    assert response.status_code < 500


@SETTINGS
@given(start=VALUES, end=VALUES)
def test_payroll_answers_400_or_a_whole_csv(client: Client, start: str, end: str) -> None:
    with transaction.atomic():
        response = client.get("/alpha/payroll/", {"date_from": start, "date_to": end})
        body = _streamed(response) if response.streaming else response.content
    assert response.status_code in {200, 400}
    if response.streaming:  # a valid range: the whole CSV, from its header
        assert body.startswith(b"employee_id,")


@SETTINGS
@given(q=VALUES, page=VALUES)
def test_people_search_answers(client: Client, q: str, page: str) -> None:
    with transaction.atomic():
        response = client.get("/alpha/people/", {"q": q, "page": page})
    assert response.status_code == 200
