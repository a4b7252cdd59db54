"""Create the project's PostgreSQL database and its two roles, given a superuser connection."""

from __future__ import annotations

import os
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenancy.db import (
    APP_ROLE_ATTRIBUTES,
    OWNER_ROLE_ATTRIBUTES,
    app_privilege_statements,
    quote_identifier,
)


class Command(BaseCommand):
    help = (
        "Create (or bring up to date) the database, the schema owner role that runs migrations and "
        "the application role: not a superuser, NOBYPASSRLS, rows only. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--admin-url",
            default=os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
            help="A superuser connection (default: $PG_ADMIN_URL or postgres@127.0.0.1).",
        )
        parser.add_argument("--database", default="parim")
        parser.add_argument("--owner", default="parim_owner")
        parser.add_argument("--app", default="parim_app")
        parser.add_argument(
            "--owner-can-create-databases",
            action="store_true",
            help="Let the owner create databases (the test runner's throw-away databases).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        database = quote_identifier(options["database"])
        owner = quote_identifier(options["owner"])
        app = quote_identifier(options["app"])
        owner_attributes = OWNER_ROLE_ATTRIBUTES + (
            " CREATEDB" if options["owner_can_create_databases"] else " NOCREATEDB"
        )
        passwords = {
            options["owner"]: os.environ.get("DATABASE_OWNER_PASSWORD"),
            options["app"]: os.environ.get("DATABASE_APP_PASSWORD"),
        }
        try:
            with psycopg.connect(options["admin_url"], autocommit=True) as admin:
                # On Aurora/RDS the admin is rds_superuser, not a superuser: it may create these
                # roles but not re-assert NOSUPERUSER/NOBYPASSRLS on existing ones, and it must be
                # a member of the owner role to hand it the database and schema.
                row = admin.execute(
                    "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
                ).fetchone()
                is_superuser = bool(row and row[0])
                for name, quoted, attributes in (
                    (options["owner"], owner, owner_attributes),
                    (options["app"], app, APP_ROLE_ATTRIBUTES),
                ):
                    exists = admin.execute(
                        "SELECT 1 FROM pg_roles WHERE rolname = %s", [name]
                    ).fetchone()
                    if not exists:
                        admin.execute(f"CREATE ROLE {quoted} {attributes}")
                    elif is_superuser:
                        admin.execute(f"ALTER ROLE {quoted} {attributes}")
                    else:
                        admin.execute(f"ALTER ROLE {quoted} LOGIN")
                    if passwords[name]:
                        admin.execute(
                            psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                                psycopg.sql.Identifier(name), passwords[name]
                            )
                        )
                    self.stdout.write(f"role {name}: {'updated' if exists else 'created'}")
                if not is_superuser:
                    admin.execute(f"GRANT {owner} TO CURRENT_USER")
                if not admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [options["database"]]
                ).fetchone():
                    admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
                    self.stdout.write(f"database {options['database']}: created")
                else:
                    admin.execute(f"ALTER DATABASE {database} OWNER TO {owner}")
                admin_db_url = psycopg.conninfo.make_conninfo(
                    options["admin_url"], dbname=options["database"]
                )
            with psycopg.connect(admin_db_url, autocommit=True) as db:
                for statement in (
                    f"ALTER SCHEMA public OWNER TO {owner}",
                    "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
                    f"GRANT USAGE, SELECT ON SEQUENCES TO {app}",
                ):
                    db.execute(statement)
                has_migrations = db.execute(
                    "SELECT to_regclass('public.django_migrations') IS NOT NULL"
                ).fetchone()
                if has_migrations and has_migrations[0]:
                    for statement in app_privilege_statements(options["app"]):
                        db.execute(statement)
        except psycopg.OperationalError as exc:
            raise CommandError(f"Cannot connect with the admin URL: {exc}".strip()) from None
        self.stdout.write(self.style.SUCCESS(f"database {options['database']} ready"))
