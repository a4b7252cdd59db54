"""tenancy.prepared: a queryset compiled once runs with other values and gives what the ORM gives.

Every tenant page looks up its company and the person's membership through one; so the SQL must
be the ORM's, with the values in the right places, and the instances the ORM's to the last field.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection, models
from django.db.models import OuterRef, Subquery
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from scheduling.columns import any_id
from tenancy.context import tenant_context
from tenancy.http import _ACTIVE_MEMBERSHIP, _active_membership
from tenancy.models import Membership, SecurityPolicy, Tenant
from tenancy.permissions import RoleKind
from tenancy.prepared import IdArray, PreparedQuery, PreparedQueryError
from tests.factories import member

pytestmark = pytest.mark.django_db


def _fields(instance: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _orm_membership(tenant: Tenant, user_id: uuid.UUID) -> Membership | None:
    """The look-up tenant_view made with the ORM before it was prepared."""
    return (
        Membership.objects.select_related("role")
        .filter(user_id=user_id, status=Membership.Status.ACTIVE)
        .annotate(
            two_factor_rule=Subquery(
                SecurityPolicy.objects.filter(tenant_id=OuterRef("tenant_id")).values("two_factor")[
                    :1
                ]
            )
        )
        .first()
    )


def test_the_membership_is_the_orms_to_the_last_field(tenant_a: Tenant) -> None:
    person = member(tenant_a, kind=RoleKind.MANAGER)
    with tenant_context(tenant_a):
        expected = _orm_membership(tenant_a, person.user_id)
        with CaptureQueriesContext(connection) as captured:
            [found] = _ACTIVE_MEMBERSHIP.run(tenant_id=tenant_a.pk, user_id=person.user_id)
            role = found.role  # loaded by the same statement
            assert isinstance(role.permissions, list)  # the JSON column converted
        assert len(captured.captured_queries) == 1
    assert expected is not None
    assert type(found) is Membership and found._state.adding is False
    assert found._state.db == "default"
    assert _fields(found) == _fields(expected)
    assert _fields(role) == _fields(expected.role)
    assert found.two_factor_rule == expected.two_factor_rule  # type: ignore[attr-defined]
    # The ORM's own SQL, the values in their places.
    with scope(tenant=tenant_a):
        sql, params = _active_membership(tenant_a.pk, person.user_id).query.sql_with_params()
    assert _ACTIVE_MEMBERSHIP.sql() == sql
    assert params == (tenant_a.pk, tenant_a.pk, Membership.Status.ACTIVE, person.user_id)


def test_the_statement_keeps_the_companys_filter_and_finds_nobody_elses(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    outsider = member(tenant_b, kind=RoleKind.MANAGER)
    sql = _ACTIVE_MEMBERSHIP.sql()
    assert '"tenancy_membership"."tenant_id" = %s' in sql  # the application's filter, not RLS
    with tenant_context(tenant_a):
        assert _ACTIVE_MEMBERSHIP.run(tenant_id=tenant_a.pk, user_id=outsider.user_id) == []
    with tenant_context(tenant_b):
        # Under B's row-level security and scope, a run for company A finds nothing either.
        assert _ACTIVE_MEMBERSHIP.run(tenant_id=tenant_a.pk, user_id=outsider.user_id) == []
        assert _ACTIVE_MEMBERSHIP.run(tenant_id=tenant_b.pk, user_id=outsider.user_id) != []


def test_a_membership_that_is_not_active_is_not_found(tenant_a: Tenant) -> None:
    person = member(tenant_a, kind=RoleKind.EMPLOYEE)
    with tenant_context(tenant_a):
        Membership.objects.filter(pk=person.pk).update(status=Membership.Status.LEFT)
        assert _ACTIVE_MEMBERSHIP.run(tenant_id=tenant_a.pk, user_id=person.user_id) == []


def test_it_is_compiled_once_and_each_run_binds_its_own_values(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    built: list[str] = []

    def by_slug(slug: str) -> models.QuerySet[Tenant]:
        built.append(slug)
        return Tenant.objects.filter(slug=slug).order_by("pk")

    query = PreparedQuery(by_slug, slug="sample")
    assert [t.pk for t in query.run(slug="alpha")] == [tenant_a.pk]
    assert [t.pk for t in query.run(slug="bravo")] == [tenant_b.pk]
    assert query.run(slug="no-such-company") == []
    assert built == ["sample", "sample\x01"]  # with the samples, then with other values
    assert query.sql() == Tenant.objects.filter(slug="x").order_by("pk").query.sql_with_params()[0]


def test_bad_definitions_and_calls_are_refused() -> None:
    # A lookup that rewrites its value (LIKE '%...%') cannot be prepared: the sample is not
    # among the parameters as given.
    contains = PreparedQuery(lambda name: Tenant.objects.filter(name__contains=name), name="s")
    with pytest.raises(PreparedQueryError, match="not among the SQL's parameters"):
        contains.sql()
    query = PreparedQuery(lambda slug: Tenant.objects.filter(slug=slug), slug="sample")
    with pytest.raises(PreparedQueryError, match="expected the arguments"):
        query.run(name="alpha")
    with pytest.raises(PreparedQueryError, match="slug must be a str, not a int"):
        query.run(slug=7)
    # A fixed parameter that equals the sample would take each run's value: refused, as the
    # SQL and its argument's places differ when compiled with another value.
    same = PreparedQuery(lambda slug: Tenant.objects.filter(slug=slug, name="alpha"), slug="alpha")
    with pytest.raises(PreparedQueryError, match="depend on the arguments' values"):
        same.sql()
    with pytest.raises(PreparedQueryError, match=r"arguments must be str, int, uuid\.UUID"):
        PreparedQuery(lambda size: Tenant.objects.filter(pk=size), size=1.5)
    with pytest.raises(PreparedQueryError, match="must have its time zone"):
        PreparedQuery(
            lambda at: Tenant.objects.filter(created_at__gte=at), at=dt.datetime(2026, 1, 1)
        )
    with pytest.raises(PreparedQueryError, match=r"or an IdArray, not <class 'list'>"):
        PreparedQuery(lambda slugs: Tenant.objects.filter(slug__in=slugs), slugs=["a"])
    # Django's `__in` makes a parameter of each id (so its SQL depends on how many are sent):
    # the list is not among the parameters; any_id's one array parameter is.
    ids = PreparedQuery(
        lambda ids: Tenant.objects.filter(pk__in=ids.ids()), ids=IdArray.of([uuid.uuid4()])
    )
    with pytest.raises(PreparedQueryError, match="not among the SQL's parameters"):
        ids.sql()
    prefetching = PreparedQuery(  # refused before any look-up is made, so any name does
        lambda slug: Tenant.objects.filter(slug=slug).prefetch_related("anything"),  # type: ignore[misc]
        slug="s",
    )
    with pytest.raises(PreparedQueryError, match="prefetch_related"):
        prefetching.sql()
    dicts: Any = lambda slug: Tenant.objects.filter(slug=slug).values()  # noqa: E731
    values: PreparedQuery[Tenant] = PreparedQuery(dicts, slug="s")
    with pytest.raises(PreparedQueryError, match="only querysets of model instances or of values"):
        values.sql()
    with pytest.raises(PreparedQueryError, match="company's argument tenant_id must be a uuid"):
        PreparedQuery(lambda tenant_id: Membership.objects.all(), tenant="tenant_id", tenant_id="x")


def _members_since(tenant_id: uuid.UUID, since: dt.datetime, people: IdArray) -> Any:
    return (
        Membership.objects.filter(created_at__gte=since, created_at__date__lte=dt.date(2999, 1, 1))
        .filter(any_id("user_id", people))
        .order_by("created_at", "pk")
        .values_list("pk", "user__email", "created_at", "role__permissions")
    )


def test_values_list_rows_are_the_orms_and_each_company_gets_its_own(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """Rows of values_list(), with a datetime and a list of ids as arguments, built in the
    scope of the company given: each company's run finds its own rows and nobody else's."""
    query = PreparedQuery(
        _members_since,
        tenant="tenant_id",
        tenant_id=uuid.UUID(int=1),
        since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        people=IdArray.of([uuid.UUID(int=2)]),
    )
    flat = PreparedQuery(
        lambda tenant_id, day: (
            Membership.objects.filter(created_at__date__gte=day)
            .order_by("pk")
            .values_list("created_at", flat=True)
        ),
        tenant="tenant_id",
        tenant_id=uuid.UUID(int=1),
        day=dt.date(2000, 1, 1),
    )
    since = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    a = [member(tenant_a, kind=RoleKind.EMPLOYEE) for _ in range(2)]
    b = member(tenant_b, kind=RoleKind.EMPLOYEE)
    everyone = IdArray.of([m.user_id for m in (*a, b)])
    for tenant, mine in ((tenant_a, a), (tenant_b, [b])):
        with tenant_context(tenant):
            expected = list(_members_since(tenant.pk, since, everyone))
            rows = query.run(tenant_id=tenant.pk, since=since, people=everyone)
            days = flat.run(tenant_id=tenant.pk, day=dt.date(2001, 1, 1))
            expected_days = list(
                Membership.objects.filter(created_at__date__gte=dt.date(2001, 1, 1))
                .order_by("pk")
                .values_list("created_at", flat=True)
            )
        assert rows == expected and all(type(row) is tuple for row in rows)
        assert {row[0] for row in rows} == {m.pk for m in mine}
        assert isinstance(rows[0][3], list)  # the JSON column converted, as the ORM does
        assert rows[0][2].tzinfo is not None
        assert days == expected_days and len(days) == len(mine)
    with tenant_context(tenant_a):  # A's scope and settings, B's company asked for: nothing
        assert query.run(tenant_id=tenant_b.pk, since=since, people=everyone) == []
        # A date after everyone joined, and nobody's ids: nothing either.
        assert query.run(tenant_id=tenant_a.pk, since=since, people=IdArray.of([])) == []
        late = dt.datetime(2999, 1, 1, tzinfo=dt.UTC)
        assert query.run(tenant_id=tenant_a.pk, since=late, people=everyone) == []


def test_a_query_of_a_companys_rows_must_name_its_company() -> None:
    """Built without naming the company, the scope's filter would keep the id of whichever
    company's page first compiled it: refused."""
    unnamed = PreparedQuery(
        lambda user_id: Membership.objects.filter(user_id=user_id), user_id=uuid.UUID(int=3)
    )
    with pytest.raises(PreparedQueryError, match="must name the argument that is the company"):
        unnamed.sql()


def test_an_id_array_is_the_canonical_text_of_each_id(tenant_a: Tenant) -> None:
    """IdArray.of takes UUIDs, their text in any form uuid.UUID reads, and saved rows, and
    writes each id's canonical text once into one array literal; anything else is refused
    before it reaches the database (so no text can add elements of its own to the array)."""
    one, two = uuid.UUID(int=1), uuid.uuid4()
    person = member(tenant_a)
    array = IdArray.of([one, str(two).upper(), f"{{{two.hex}}}", None, person])
    assert array == f"{{{one},{two},{two},{person.pk}}}"
    assert array.ids() == [str(one), str(two), str(two), str(person.pk)]
    assert IdArray.of(array) is array and array
    assert not IdArray.of([]) and not IdArray.of([None]) and IdArray.of([]).ids() == []
    for bad in (f"{one},{two}", f'{one}"', "", "not an id", 7):
        with pytest.raises(ValueError, match="badly formed hexadecimal UUID string"):
            IdArray.of([bad])
