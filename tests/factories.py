"""Test data builders; every related object stays inside one tenant."""

from __future__ import annotations

import contextlib
import functools
import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.contrib.auth.hashers import make_password

from accounts.models import User
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tenancy.services import builtin_role, membership_create, tenant_create

TEST_PASSWORD = "a-long-test-passphrase-2026"


@functools.cache
def test_password_hash() -> str:
    # Argon2 is slow by design: hash the shared test password once per process.
    return make_password(TEST_PASSWORD)


_numbers = itertools.count(1)


def make_user(**fields: Any) -> User:
    """A saved account with the shared test password; any field can be given."""
    n = next(_numbers)
    fields.setdefault("email", f"person{n}@example.test")
    fields.setdefault("full_name", f"Person {n}")
    fields.setdefault("password", test_password_hash())
    return User.objects.create(**fields)


def tenant_with_roles(*, name: str, slug: str, dpo: bool = True, **kwargs: Any) -> Tenant:
    """A tenant with its built-in roles and (unless dpo=False) a named Data Protection Officer,
    which inviting people needs."""
    tenant = tenant_create(name=name, slug=slug, **kwargs)
    if dpo:
        from tenancy.models import PrivacySettings

        with tenant_context(tenant):
            PrivacySettings.objects.create(
                dpo_name="Dana Protector",
                dpo_email=f"dpo@{slug}.test",
                dpo_phone="+44 20 7946 0000",
            )
        Tenant.objects.filter(pk=tenant.pk).update(has_dpo=True)
        tenant.has_dpo = True
    return tenant


def member(
    tenant: Tenant,
    *,
    kind: RoleKind = RoleKind.EMPLOYEE,
    status: str = Membership.Status.ACTIVE,
    user: User | None = None,
    **user_fields: Any,
) -> Membership:
    """A person with a membership of `tenant` in the built-in role `kind`."""
    if user is None:
        user = make_user(**user_fields)
    with tenant_context(tenant):
        membership = membership_create(
            tenant=tenant, user=user, role=builtin_role(tenant=tenant, kind=kind)
        )
        if status != Membership.Status.ACTIVE:
            membership.status = status
            membership.save(update_fields=["status"])
    return membership


def totp_code(device: Any, at: float | None = None) -> str:
    """The code an authenticator app shows for `device` at time `at` (now by default)."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def enrol_two_factor(user: User) -> tuple[Any, list[str]]:
    """Give `user` a confirmed authenticator and backup codes, as enrolment does."""
    from accounts import services
    from accounts.identity import account_scope

    device = services.totp_device_start(user=user)
    codes = services.totp_device_confirm(user=user, device=device, code=totp_code(device))
    assert codes is not None
    with account_scope(user.pk):
        device.refresh_from_db()
    return device, codes


@contextlib.contextmanager
def clock_moved(seconds: float) -> Iterator[float]:
    """Run the block as if `seconds` had passed: TOTP time steps and throttling both move."""
    import time
    from unittest import mock

    from django.utils import timezone

    now = time.time() + seconds
    moved = timezone.now() + timedelta(seconds=seconds)
    with (
        mock.patch("time.time", return_value=now),
        mock.patch("django.utils.timezone.now", return_value=moved),
    ):
        yield now


def queries(on_postgres: int) -> int:
    """A page's exact query budget. On PostgreSQL, entering and leaving a tenant (or the
    directory) context inside the test's transaction sets and restores the transaction-local
    setting: two statements that SQLite, without row-level security, does not run."""
    from django.db import connection

    return on_postgres if connection.vendor == "postgresql" else on_postgres - 2
