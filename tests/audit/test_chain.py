"""The hash chain, its verifier, the database trigger, and the documented change paths."""

from __future__ import annotations

import itertools
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry, AuditImmutableError
from audit.services import record, redact_person, retention_purge, verify_tenant
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant
from tenancy.permissions import RoleKind
from tests.audit.conftest import superuser_connection
from tests.factories import member

pytestmark = pytest.mark.django_db


def _entries(tenant: Tenant) -> list[AuditEntry]:
    with tenant_context(tenant):
        return list(AuditEntry.objects.order_by("sequence"))


def _some_history(tenant: Tenant, n: int = 5) -> None:
    with tenant_context(tenant):
        for i in range(n):
            Role.objects.create(name=f"Role {i}", permissions=["build_rota"])


def test_every_entry_links_to_the_one_before(tenant_a: Tenant) -> None:
    _some_history(tenant_a)
    entries = _entries(tenant_a)
    assert [e.sequence for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == ""
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    assert verify_tenant(tenant_a).ok


def test_each_tenant_has_its_own_chain(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _some_history(tenant_a, 3)
    _some_history(tenant_b, 2)
    assert _entries(tenant_a)[0].sequence == 1
    assert _entries(tenant_b)[0].sequence == 1
    assert {e.tenant_id for e in _entries(tenant_b)} == {tenant_b.pk}


def test_model_changes_are_recorded_with_a_diff_and_secrets_masked(tenant_a: Tenant) -> None:
    from tenancy.services import invitation_create

    owner = member(tenant_a, kind=RoleKind.OWNER)
    with tenant_context(tenant_a):
        role = Role.objects.get(kind="manager")
        invitation_create(tenant=tenant_a, actor=owner, email="x@example.test", role=role,
                          accept_url_for=lambda t: t)  # fmt: skip
        entry = AuditEntry.objects.get(event="invitation.created")
    assert entry.changes["email"] == [None, "x@example.test"] or "email" in entry.changes
    token_change = entry.changes["token_hash"]
    assert all("*" in str(value) or value in {None, "None"} for value in token_change)


def test_entries_cannot_be_changed_or_deleted_through_the_model(tenant_a: Tenant) -> None:
    _some_history(tenant_a, 1)
    entry = _entries(tenant_a)[0]
    with tenant_context(tenant_a):
        entry.event = "forged"
        with pytest.raises(AuditImmutableError):
            entry.save()
        with pytest.raises(AuditImmutableError):
            entry.delete()


@pytest.mark.postgres
def test_the_database_refuses_update_and_delete(tenant_a: Tenant) -> None:
    _some_history(tenant_a, 2)
    with tenant_context(tenant_a), connection.cursor() as cursor:
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            cursor.execute("UPDATE audit_auditentry SET event = 'forged'")
        with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
            cursor.execute("DELETE FROM audit_auditentry")
    assert verify_tenant(tenant_a).ok


def _superuser_connection() -> psycopg.Connection:
    return superuser_connection()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_altered_through_a_superuser_connection_is_found(tenant_a: Tenant) -> None:
    _some_history(tenant_a, 5)
    third = _entries(tenant_a)[2]
    with _superuser_connection() as admin:
        # A superuser can switch triggers off; the chain still gives the change away.
        admin.execute("SET session_replication_role = replica")
        admin.execute(
            "UPDATE audit_auditentry SET event = 'role.deleted' WHERE id = %s", [third.id]
        )
    result = verify_tenant(tenant_a)
    assert not result.ok
    assert result.broken is not None and result.broken.sequence == 3
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", "--tenant", "alpha", stdout=out)
    assert "alpha: ALTERED: entry 3" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deleted_row_is_found(tenant_a: Tenant) -> None:
    _some_history(tenant_a, 4)
    second = _entries(tenant_a)[1]
    with _superuser_connection() as admin:
        admin.execute("SET session_replication_role = replica")
        admin.execute("DELETE FROM audit_auditentry WHERE id = %s", [second.id])
    result = verify_tenant(tenant_a)
    assert result.broken is not None and "missing" in result.broken.reason


def test_changed_details_outside_the_hash_are_found(tenant_a: Tenant) -> None:
    """Even the personal details, kept out of the hash, are covered by the digest."""
    _some_history(tenant_a, 3)
    target = _entries(tenant_a)[1]
    with tenant_context(tenant_a):
        entry = AuditEntry.objects.get(pk=target.pk)
    entry.object_repr = "someone else"
    from audit import chain

    assert chain.changes_digest(entry) != entry.changes_digest


def test_erasure_redacts_personal_values_and_the_chain_still_verifies(tenant_a: Tenant) -> None:
    person = member(tenant_a, email="leaving@example.test", full_name="Lee Leaving")
    record("auth.login", tenant=tenant_a, target=person.user, actor=person.user,
           data={"note": "leaving@example.test"})  # fmt: skip
    count = redact_person(tenant=tenant_a, user=person.user)
    assert count >= 1
    with tenant_context(tenant_a):
        about = list(AuditEntry.objects.filter(object_pk=str(person.user.pk)))
    assert about and all(e.redacted_at is not None for e in about)
    assert all("leaving@example.test" not in str(e.additional_data) for e in about)
    assert all(e.actor_email is None for e in about)
    assert verify_tenant(tenant_a).ok


def test_retention_purges_only_archived_old_entries_and_the_chain_still_verifies(
    tenant_a: Tenant, tmp_path: Path
) -> None:
    from datetime import timedelta

    from django.test import override_settings
    from django.utils import timezone

    from audit.archive import LocalStore, archive_tenant

    _some_history(tenant_a, 6)
    store = LocalStore(tmp_path)
    with override_settings(AUDIT_ARCHIVE_BATCH_SIZE=4):
        assert archive_tenant(tenant_a, store) is not None  # entries 1 to 4
    removed = retention_purge(tenant=tenant_a, before=timezone.now() + timedelta(seconds=1))
    assert removed == 4
    sequences = [e.sequence for e in _entries(tenant_a)]
    assert sequences[0] == 5
    result = verify_tenant(tenant_a, store)
    assert result.ok, result.findings
    assert result.archived == 4


def test_the_nightly_task_counts_and_logs_broken_chains(
    tenant_a: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    from audit.tasks import verify_all_chains

    _some_history(tenant_a, 2)
    assert verify_all_chains() == 0
    with tenant_context(tenant_a):
        first = AuditEntry.objects.order_by("sequence").first()
    assert first is not None
    from unittest import mock

    with mock.patch("audit.chain.entry_hash", return_value="f" * 64):
        assert verify_all_chains() == 1
    assert any(r.levelname == "ERROR" and "chain broken" in r.getMessage() for r in caplog.records)


def test_audit_verify_reports_intact_chains(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _some_history(tenant_a, 2)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "alpha: " in out.getvalue() and "chain intact" in out.getvalue()
    with pytest.raises(CommandError, match="No tenant"):
        call_command("audit_verify", "--tenant", "nope", stdout=StringIO())


def test_every_tenant_model_is_registered_with_auditlog() -> None:
    from auditlog.registry import auditlog

    from audit.registry import NOT_REGISTERED
    from tests.isolation.world import tenant_models

    for model in tenant_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        assert auditlog.contains(model) or label in NOT_REGISTERED, label


def _archive_through(tenant: Tenant, sequence: int) -> None:
    from audit.models import ArchiveBatch

    with tenant_context(tenant):
        head = AuditEntry.objects.get(sequence=sequence)
        ArchiveBatch.objects.create(
            first_sequence=1, last_sequence=sequence, count=sequence, object_key="k",
            sha256="0" * 64, chain_head=head.entry_hash, status=ArchiveBatch.Status.CONFIRMED,
        )  # fmt: skip


@pytest.mark.postgres
def test_the_erasure_path_admits_only_the_redaction_itself(tenant_a: Tenant) -> None:
    from audit.services import _documented_path

    _some_history(tenant_a, 2)
    with tenant_context(tenant_a), connection.cursor() as cursor:
        with (
            pytest.raises(DatabaseError, match="cannot be changed"),
            transaction.atomic(),
            _documented_path("erasure"),
        ):
            cursor.execute(
                "UPDATE audit_auditentry SET object_repr = 'rewritten', redacted_at = now()"
            )
        # ... and the exemption does not outlive its statement.
        with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
            with _documented_path("erasure"):
                pass
            cursor.execute(
                "UPDATE audit_auditentry SET object_repr = '(erased)', actor_email = NULL, "
                "remote_addr = NULL, user_agent = '', changes = NULL, changes_text = '', "
                "additional_data = NULL, redacted_at = now()"
            )
    assert verify_tenant(tenant_a).ok


@pytest.mark.postgres
def test_the_retention_path_deletes_only_archived_entries_and_never_the_head(
    tenant_a: Tenant,
) -> None:
    from audit.services import _documented_path

    _some_history(tenant_a, 3)
    _archive_through(tenant_a, 2)
    newest = _entries(tenant_a)[-1].sequence
    with tenant_context(tenant_a), connection.cursor() as cursor:
        for sequence in [newest, 3]:  # the head; an entry not yet archived
            with (
                pytest.raises(DatabaseError, match="cannot be deleted"),
                transaction.atomic(),
                _documented_path("retention"),
            ):
                cursor.execute("DELETE FROM audit_auditentry WHERE sequence = %s", [sequence])
