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

from tenancy.context import tenant_context
from tenancy.http import _ACTIVE_MEMBERSHIP, _active_membership
from tenancy.models import Membership, SecurityPolicy, Tenant
from tenancy.permissions import RoleKind
from tenancy.prepared import PreparedQuery, PreparedQueryError
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
    with pytest.raises(PreparedQueryError, match=r"arguments must be str, int or uuid\.UUID"):
        PreparedQuery(lambda day: Tenant.objects.filter(created_at__date=day), day=dt.date.today())
    prefetching = PreparedQuery(  # refused before any look-up is made, so any name does
        lambda slug: Tenant.objects.filter(slug=slug).prefetch_related("anything"),  # type: ignore[misc]
        slug="s",
    )
    with pytest.raises(PreparedQueryError, match="prefetch_related"):
        prefetching.sql()
    dicts: Any = lambda slug: Tenant.objects.filter(slug=slug).values()  # noqa: E731
    values: PreparedQuery[Tenant] = PreparedQuery(dicts, slug="s")
    with pytest.raises(PreparedQueryError, match="only querysets of model instances"):
        values.sql()
