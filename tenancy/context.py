"""The active tenant: the django-scopes scope and, on PostgreSQL, the transaction's tenant id."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import Func, TextField, Value
from django.db.models.functions import Cast
from django_scopes import get_scope, scope

from accounts import identity
from tenancy import rls
from tenancy.prepared import PreparedQuery

if TYPE_CHECKING:
    from accounts.models import User
    from tenancy.models import Tenant


class TenantContextError(RuntimeError):
    """Tenant data was touched outside a tenant context, or inside another tenant's."""


def current_tenant() -> Tenant | None:
    """The tenant of the innermost active tenant_context, if any."""
    active = get_scope()
    if not active.get("_enabled", True):
        return None
    tenant = active.get("tenant")
    return tenant  # type: ignore[no-any-return]


def _set_db_setting(name: str, value: str) -> str | None:
    """Set a transaction-local setting; return the previous value when inside an outer
    transaction (so it can be restored), else None (the commit or rollback resets it)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting(%s, true), set_config(%s, %s, true)", [name, name, value]
        )
        previous: str | None = cursor.fetchone()[0]
    return previous or ""


def _restore_db_setting(name: str, previous: str | None) -> None:
    if connection.vendor != "postgresql" or previous is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [name, previous])


@contextmanager
def tenant_context(tenant: Tenant, *, account: User | None = None) -> Iterator[Tenant]:
    """Run the block as `tenant`: a transaction, the scope for the scoped managers, and on
    PostgreSQL the transaction-local `app.tenant_id` that the row-level security policies read.
    With `account` (the signed-in person, on tenant pages), also `app.account_id` in the same
    statement, so their own two-factor devices are readable (accounts.identity).

    The scope is reset when the block ends, however it ends; the database setting ends with the
    transaction, and is restored explicitly when this context is nested in an outer transaction.
    """
    from tenancy.models import Tenant

    if (
        not isinstance(tenant, Tenant)
        or tenant._state.adding
        or not isinstance(tenant.pk, uuid.UUID)
    ):
        # django-scopes treats a None scope as "no filter": never let that happen.
        raise TenantContextError("tenant_context needs a saved Tenant.")
    values = {rls.TENANT_SETTING: str(tenant.pk)}
    if account is not None and account.is_authenticated:
        values[identity.ACCOUNT_SETTING] = str(account.pk)
    nested = connection.in_atomic_block
    with transaction.atomic():
        previous = identity.set_db_settings(values)
        with scope(tenant=tenant), identity.settings_in_force(values):
            yield tenant
        if nested:
            identity.restore_db_settings(previous)


class _SetConfig(Func):
    """`set_config(name, value, true)`: a transaction-local setting, made by the statement
    that reads the row its value comes from."""

    template = "set_config(%(expressions)s, true)"
    output_field = TextField()


class _CurrentSetting(Func):
    template = "current_setting(%(expressions)s, true)"
    output_field = TextField()


def _page_tenant(slug: str, account_id: str | None = None) -> models.QuerySet[Tenant]:
    """The company with this slug; on PostgreSQL, the same statement makes it the transaction's
    `app.tenant_id` and, given, `account_id` its `app.account_id`, reading each setting's value
    before (`_previous_<n>`) so that a nested page can restore it."""
    from tenancy.models import Tenant

    settings: dict[str, Any] = {rls.TENANT_SETTING: Cast("id", TextField())}
    if account_id is not None:
        settings[identity.ACCOUNT_SETTING] = Value(account_id)
    query = Tenant.objects.filter(slug=slug).order_by()
    if connection.vendor == "postgresql":
        for index, (name, value) in enumerate(settings.items()):
            query = query.annotate(**{
                f"_previous_{index}": _CurrentSetting(Value(name)),
                f"_set_{index}": _SetConfig(Value(name), value),
            })  # fmt: skip
    return query[:1]


# Every tenant page runs one of them: compiled once per process (tenancy/prepared.py).
_SAMPLE_SLUG = "\x00slug"
_PAGE_TENANT = PreparedQuery(_page_tenant, slug=_SAMPLE_SLUG)
_PAGE_TENANT_AND_ACCOUNT = PreparedQuery(_page_tenant, slug=_SAMPLE_SLUG, account_id="\x00account")


@contextmanager
def tenant_page_context(slug: str, *, account_id: str | None) -> Iterator[Tenant | None]:
    """The transaction of a tenant page (tenancy.http): the company with this slug, and on
    PostgreSQL its `app.tenant_id` and the session's account (`app.account_id`, the value
    accounts.identity.session_account_id gives) set by the same statement that finds it. So
    the signed-in account, loaded on first use, is read in this transaction rather than in one
    of its own, and the page costs three round trips fewer than account_scope, a look-up and
    tenant_context one after the other. Then, as tenant_context: the scope, reset when the
    block ends however it ends, and the settings restored when nested in an outer transaction
    (a test's). Yields None, with no scope and no tenant setting, when no company has the slug:
    the caller answers 404, as for a company the person does not belong to."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        if account_id is None:
            found = _PAGE_TENANT.run(slug=slug)
        else:
            found = _PAGE_TENANT_AND_ACCOUNT.run(slug=slug, account_id=account_id)
        tenant = found[0] if found else None
        if tenant is None:
            yield None
            return
        values = {rls.TENANT_SETTING: str(tenant.pk)}
        if account_id is not None:  # the same names in the same order as `settings`
            values[identity.ACCOUNT_SETTING] = account_id
        with scope(tenant=tenant), identity.settings_in_force(values):
            yield tenant
        if nested and connection.vendor == "postgresql":
            previous = {name: getattr(tenant, f"_previous_{index}") or ""
                        for index, name in enumerate(values)}  # fmt: skip
            identity.restore_db_settings(previous)


@contextmanager
def user_directory_context(user: User) -> Iterator[None]:
    """Run the block with `app.user_id` set, so the directory rows of DESIGN.md 4.4 (the person's
    own memberships) are readable before a tenant is chosen. Used only by tenancy.selectors."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        previous = _set_db_setting(rls.USER_SETTING, str(user.pk))
        yield
        if nested:
            _restore_db_setting(rls.USER_SETTING, previous)


_Row = TypeVar("_Row", bound=models.Model)


def company_row_save(model: type[_Row], tenant: Tenant, values: Mapping[str, Any]) -> _Row:
    """Save the company's one row of `model` (a settings row; made the first time), its fields
    set from `values`, validated, under a row lock, in the company's context: audited as a model
    change when `model` is registered with the audit log."""
    with tenant_context(tenant), transaction.atomic():
        found = model._default_manager.select_for_update().filter(tenant=tenant).first()
        row = found if found is not None else model(tenant=tenant)
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
    return row
