"""Shared test set-up: the database roles, CI's no-skip rule, and the fixtures every test uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import dj_database_url
import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.test.utils import setup_databases, teardown_databases

from tests.factories import member, tenant_with_roles

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    # Production-cost Argon2 takes a tenth of a second per hash; tests hash a great deal.
    settings.PASSWORD_HASHERS = ["tests.hashers.FastArgon2PasswordHasher"]
    # Sessions in this process's memory: the test client and live servers share the process.
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
    }


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Outside CI, tests whose component is missing skip with the reason; in CI they fail."""
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    if IN_CI and not on_postgres:
        raise pytest.UsageError("CI=true needs PostgreSQL: DATABASE_URL must be postgresql://...")
    if on_postgres:
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (DATABASE_URL=postgresql://...); run make test"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _owner_credentials() -> dict[str, Any] | None:
    url = os.environ.get("DATABASE_OWNER_URL")
    if not url or connection.vendor != "postgresql":
        return None
    parsed = dj_database_url.parse(url)
    return {"USER": parsed["USER"], "PASSWORD": parsed.get("PASSWORD", "")}


@pytest.fixture(scope="session")
def django_db_setup(
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,  # gives each xdist worker its own database
) -> Iterator[None]:
    """Create and migrate the test database as the schema owner, then run every test as the
    application role: not a superuser, NOBYPASSRLS, so row-level security binds the tests."""
    owner = _owner_credentials()
    app = {
        "USER": connection.settings_dict["USER"],
        "PASSWORD": connection.settings_dict["PASSWORD"],
    }

    def use(credentials: dict[str, Any]) -> None:
        connection.close()
        connection.settings_dict.update(credentials)

    with django_db_blocker.unblock():
        if owner:
            use(owner)
        config = setup_databases(verbosity=0, interactive=False, keepdb=False)
        if owner:
            from tenancy.db import grant_app_privileges

            with connection.cursor() as cursor:
                grant_app_privileges(cursor, app["USER"])
                # Test-only: live-server tests empty the tables between tests with TRUNCATE,
                # which the production application role is never granted.
                cursor.execute(f'GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO "{app["USER"]}"')
                # ... which the audit table's statement trigger refuses to every role; the
                # tests that prove the refusal switch it back on (tests/audit/test_tamper.py).
                cursor.execute(
                    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_truncate"
                )
            use(app)
    yield
    with django_db_blocker.unblock():
        _end_left_sessions()
        if owner:
            use(owner)
        teardown_databases(config, verbosity=0)


def _end_left_sessions() -> None:
    """End the test database's other sessions of this role: a connection a test left behind (a
    live server's or a worker's thread still closing) makes DROP DATABASE fail with "is being
    accessed by other users" after every test has passed."""
    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                "current_database() AND pid <> pg_backend_pid() AND usename = current_user"
            )
    except DatabaseError:
        pass  # best effort: the drop then says what is still connected
    connection.close()


@pytest.fixture
def tenant_a(db: None) -> Any:
    return tenant_with_roles(name="Alpha Care", slug="alpha")


@pytest.fixture
def tenant_b(db: None) -> Any:
    return tenant_with_roles(name="Bravo Guards", slug="bravo")


@pytest.fixture
def employee_a(tenant_a: Any) -> Any:
    return member(tenant_a, email="employee@alpha.test")
