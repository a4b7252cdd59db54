"""PostgreSQL roles: the schema owner that migrates, and the application role that RLS binds."""

from __future__ import annotations

import re
from typing import Any

# The application role may read and write rows, never change the schema or bypass RLS.
APP_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
OWNER_ROLE_ATTRIBUTES = "LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quote_identifier(name: str) -> str:
    """Quote a role or database name, accepting only plain lower-case identifiers."""
    if not _IDENTIFIER.match(name):
        raise ValueError(
            f"{name!r} is not a plain identifier (lower-case letters, digits, underscores)."
        )
    return f'"{name}"'


def app_privilege_statements(app_role: str) -> list[str]:
    role = quote_identifier(app_role)
    return [
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # The app reads which migrations ran; only the owner records them.
        f"REVOKE INSERT, UPDATE, DELETE ON TABLE django_migrations FROM {role}",
    ]


def grant_app_privileges(cursor: Any, app_role: str) -> None:
    """Grant the application role row access to every table the owner has created.

    Run after each migration by the owner (tenancy.signals) and by the test set-up."""
    for statement in app_privilege_statements(app_role):
        cursor.execute(statement)
