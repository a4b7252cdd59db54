"""The rota's reads by a list of ids (the rows' people, the shown shifts) are planned with their
values on every request, not run as prepared statements (scheduling.columns.planned_each_time):
a prepared statement's generic plan rebuilds the list for every row it filters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from scheduling.columns import planned_each_time
from tests.builders import MONDAY, add_shift, at, build_rota, signed_in

pytestmark = pytest.mark.django_db

REQUESTS = 8  # more than the 5 runs after which a statement is prepared (parim/settings.py)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.parametrize("view", ["rota", "rota/rows"])
def test_the_reads_by_ids_are_never_prepared(view: str) -> None:
    rota = build_rota(people=3)
    for index, person in enumerate(rota.people):
        for day in range(3):
            add_shift(rota, person, at(MONDAY + dt.timedelta(days=day), 7 + index))
    add_shift(rota, rota.people[0], at(MONDAY, 12))  # overlaps: a stored rule break to read
    client = signed_in(rota.admin)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # those of building the rota (psycopg forgets them too)
    for _ in range(REQUESTS):
        assert client.get(f"/alpha/{view}/?week={MONDAY}&offset=0").status_code == 200
    prepared = _prepared()
    # Preparing is on: the reads without a list of ids are prepared by now...
    assert any('FROM "scheduling_schedulingsettings"' in sql for sql in prepared)
    # ...but not those by the people's or the shifts' ids: the rows' profiles, shifts (the
    # grid's columns, times as epoch seconds) and stored rule breaks.
    by_ids = [
        sql for sql in prepared
        if 'FROM "scheduling_workprofile" ' in sql or "FROM \"scheduling_rulebreak\"" in sql
        or ("date_part('epoch', \"scheduling_shift\".\"start_at\")" in sql
            and (" IN (" in sql or " = ANY(" in sql))
    ]  # fmt: skip
    assert by_ids == []


@pytest.mark.postgres
def test_planned_each_time_puts_preparing_back_as_it_was() -> None:
    connection.ensure_connection()
    driver = connection.connection
    before = driver.prepare_threshold
    assert before is not None  # prepared statements are on in the tests' settings
    with pytest.raises(RuntimeError), planned_each_time():
        assert driver.prepare_threshold is None
        raise RuntimeError
    assert driver.prepare_threshold == before
