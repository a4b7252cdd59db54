"""scheduling.columns.any_id: a filter by a list of ids, sent to PostgreSQL as one uuid[]
parameter, that finds exactly what Django's `__in` finds."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.columns import any_id
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("as_text", [False, True])
def test_any_id_finds_what_in_finds(tenant_a: Tenant, as_text: bool) -> None:
    people = [member(tenant_a) for _ in range(4)]
    wanted = [people[0].pk, people[2].pk, uuid.uuid4()]  # and an id that is nobody's
    ids: list[object] = [str(pk) for pk in wanted] if as_text else list(wanted)
    with tenant_context(tenant_a):
        found = set(Membership.objects.filter(any_id("id", ids)).values_list("id", flat=True))
        expected = set(Membership.objects.filter(id__in=wanted).values_list("id", flat=True))
        combined = set(
            # None left out (as __in leaves it out), and a saved row stands for its id.
            Membership.objects.filter(any_id("id", [*ids, None]) | any_id("id", [people[3]]))
            .values_list("id", flat=True)
        )  # fmt: skip
    assert found == expected == {people[0].pk, people[2].pk}
    assert combined == {people[0].pk, people[2].pk, people[3].pk}


@pytest.mark.postgres
def test_any_id_sends_one_parameter_however_many_ids(tenant_a: Tenant) -> None:
    member(tenant_a)
    statements = []
    for count in (1, 50):
        ids = [uuid.uuid4() for _ in range(count)]
        with tenant_context(tenant_a), CaptureQueriesContext(connection) as captured:
            assert list(Membership.objects.filter(any_id("id", ids))) == []
        statements.append(captured.captured_queries[-1]["sql"])
    assert '"tenancy_membership"."id" = ANY(' in statements[0]
    # The same statement for one id and for fifty (the ids are one array, not fifty values).
    assert statements[0].split(" = ANY(")[0] == statements[1].split(" = ANY(")[0]
    # One array literal, read as a uuid[] when the statement is bound.
    assert statements[1].count("::uuid[]") == 1 and str(ids[0]) in statements[1]


def test_no_ids_find_nothing_without_a_query(tenant_a: Tenant) -> None:
    with tenant_context(tenant_a), CaptureQueriesContext(connection) as captured:
        assert list(Membership.objects.filter(any_id("id", []))) == []
        assert len(captured) == 0


@pytest.mark.postgres
def test_the_ids_parameter_is_a_uuid_array_in_a_prepared_statement(tenant_a: Tenant) -> None:
    """Sent as text without a type and cast in the SQL, the parameter is typed uuid[] when the
    statement is prepared: its literal is read once, not cast again for every row."""
    person = member(tenant_a)
    with tenant_context(tenant_a):
        query = Membership.objects.filter(any_id("id", [str(person.pk)])).values_list("id")
        sql, params = query.query.sql_with_params()
        driver = connection.connection
        assert driver is not None
        if getattr(driver, "prepare_threshold", None) is None:
            pytest.skip("prepared statements are off (DATABASE_PREPARED_STATEMENTS=false)")
        assert driver.execute(sql, params, prepare=True).fetchall() == [(person.pk,)]
        numbers = iter(range(1, len(params) + 1))
        server_side = re.sub(r"%s", lambda _: f"${next(numbers)}", sql)
        types = driver.execute(
            "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE statement = %s",
            [server_side],
        ).fetchall()
    assert types == [(["uuid", "uuid[]"],)] or types == [(["uuid[]", "uuid"],)]
