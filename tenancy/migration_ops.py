"""Migration operations for every tenant table: row-level security and composite keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.operations.base import Operation
from django.db.migrations.state import ProjectState
from django.db.models import ForeignKey, Model

from tenancy import rls


class ProtectTenantTable(Operation):
    """On PostgreSQL: enable and force row-level security with the tenant policy, add the
    (tenant_id, id) key, and a composite foreign key for each named field that points at another
    tenant table, so the database refuses a row that references another tenant's row.
    On other databases it does nothing (the embedded demo database has no row-level security)."""

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, references: Sequence[str] = ()) -> None:
        self.model_name = model_name
        self.references = list(references)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs: dict[str, Any] = {}
        if self.references:
            kwargs["references"] = self.references
        return (self.__class__.__name__, [self.model_name], kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Nothing in Django's model state changes: this is database-level protection only."""

    def _statements(self, app_label: str, state: ProjectState) -> list[str]:
        model = state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        statements = rls.enable_sql(table)
        for field_name in self.references:
            field = model._meta.get_field(field_name)
            target = field.related_model
            if not isinstance(field, ForeignKey) or not isinstance(target, type):
                raise TypeError(f"{self.model_name}.{field_name} is not a foreign key")
            target_table = cast("type[Model]", target)._meta.db_table
            statements.append(rls.composite_fk_sql(table, field.column, target_table))
        return statements

    def database_forwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in self._statements(app_label, to_state):
            schema_editor.execute(statement)

    def database_backwards(
        self,
        app_label: str,
        schema_editor: BaseDatabaseSchemaEditor,
        from_state: ProjectState,
        to_state: ProjectState,
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        for field_name in self.references:
            column = model._meta.get_field(field_name).column
            schema_editor.execute(
                f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS '
                f'"{rls.composite_fk_name(table, column)}"'
            )
        for statement in rls.disable_sql(table):
            schema_editor.execute(statement)

    def describe(self) -> str:
        return f"Protect tenant table of {self.model_name} with row-level security"

    @property
    def migration_name_fragment(self) -> str:
        return f"protect_{self.model_name.lower()}"
