"""Tampering by whoever controls the database (the PostgreSQL superuser, triggers switched off),
each found by `audit_verify` against the keyed codes and the archive (moto's S3 with Object
Lock, or the demo's folder). Issue 19, section 1."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from audit import chain
from audit.archive import (
    AnchorRefusedError,
    LocalStore,
    S3Store,
    anchor_tenant,
    archive_tenant,
    checkpoint_prefix,
)
from audit.models import AuditEntry
from audit.services import verify_tenant
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant
from tests.audit.conftest import owner_connection, superuser_connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def archive(s3: Any, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Store]:
    """The archive the app and `audit_verify` use: an Object Lock bucket on moto's S3."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with override_settings(AUDIT_ARCHIVE_BUCKET=s3.bucket_name, AWS_S3_ENDPOINT_URL=s3_endpoint):
        yield S3Store(s3, s3.bucket_name)


def _history(tenant: Tenant, n: int) -> None:
    with tenant_context(tenant):
        start = Role.objects.count()
        for i in range(start, start + n):
            Role.objects.create(name=f"Tamper role {i}")


def _entries(tenant: Tenant) -> list[AuditEntry]:
    with tenant_context(tenant):
        return list(AuditEntry.objects.order_by("sequence"))


def _head(tenant: Tenant) -> int:
    return _entries(tenant)[-1].sequence


def _ship(tenant: Tenant, store: Any, batch_size: int = 10_000) -> None:
    with override_settings(AUDIT_ARCHIVE_BATCH_SIZE=batch_size):
        while archive_tenant(tenant, store) is not None:
            pass


def _as_superuser(*statements: tuple[str, list[Any]]) -> None:
    with superuser_connection() as admin:
        admin.execute("SET session_replication_role = replica")  # every trigger off
        for sql, params in statements:
            admin.execute(sql, params)


def _audit_verify() -> tuple[int, list[str]]:
    out = StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue().splitlines()
    return 0, out.getvalue().splitlines()


def _findings(lines: list[str], slug: str) -> list[str]:
    return [line for line in lines if line.startswith(f"{slug}: ") and "intact" not in line]


def test_an_untouched_log_verifies_against_the_archive(archive: S3Store, tenant_a: Tenant) -> None:
    _history(tenant_a, 3)
    _ship(tenant_a, archive)
    _history(tenant_a, 2)
    assert anchor_tenant(tenant_a, archive) is not None
    code, lines = _audit_verify()
    assert code == 0, lines
    head = _head(tenant_a)
    assert f"alpha: {head} entries, chain intact; anchored through entry {head}" in lines[0]


def test_deleting_the_newest_entry_is_found(archive: S3Store, tenant_a: Tenant) -> None:
    _history(tenant_a, 3)
    anchor_tenant(tenant_a, archive)
    head = _head(tenant_a)
    _as_superuser(("DELETE FROM audit_auditentry WHERE tenant_id = %s AND sequence = %s",
                   [tenant_a.pk, head]))  # fmt: skip
    code, lines = _audit_verify()
    assert code == 1
    (finding,) = _findings(lines, "alpha")
    assert finding.startswith(f"alpha: TRUNCATED: entries {head} to {head} are missing")


def test_deleting_the_newest_fifty_is_found(archive: S3Store, tenant_a: Tenant) -> None:
    _history(tenant_a, 55)
    _ship(tenant_a, archive)  # an archived batch ...
    _history(tenant_a, 55)
    anchor_tenant(tenant_a, archive)  # ... and a checkpoint after it
    head = _head(tenant_a)
    _as_superuser(("DELETE FROM audit_auditentry WHERE tenant_id = %s AND sequence > %s",
                   [tenant_a.pk, head - 50]))  # fmt: skip
    code, lines = _audit_verify()
    assert code == 1
    assert f"alpha: TRUNCATED: entries {head - 49} to {head} are missing" in "\n".join(lines)


def test_emptying_one_company_is_found_and_the_other_is_intact(
    archive: S3Store, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    _history(tenant_a, 2)
    _history(tenant_b, 2)
    anchor_tenant(tenant_a, archive)
    anchor_tenant(tenant_b, archive)
    _as_superuser(("DELETE FROM audit_auditentry WHERE tenant_id = %s", [tenant_a.pk]))
    code, lines = _audit_verify()
    assert code == 1
    (finding,) = _findings(lines, "alpha")
    assert finding.startswith("alpha: EMPTIED: the database holds none of this company's entries")
    assert _findings(lines, "bravo") == []
    assert any(line.startswith("bravo: ") and "chain intact" in line for line in lines)


def test_truncating_the_table_with_its_trigger_off_is_found(
    archive: S3Store, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    _history(tenant_a, 2)
    anchor_tenant(tenant_a, archive)
    anchor_tenant(tenant_b, archive)
    _as_superuser(("TRUNCATE audit_auditentry", []))
    assert _entries(tenant_a) == []
    code, lines = _audit_verify()
    assert code == 1
    assert any(line.startswith("alpha: EMPTIED") for line in lines)
    assert any(line.startswith("bravo: EMPTIED") for line in lines)


def test_the_database_refuses_truncate_to_every_role(tenant_a: Tenant) -> None:
    """The trigger itself (the test database keeps it off between tests, for the flush)."""
    _history(tenant_a, 2)
    before = len(_entries(tenant_a))
    with superuser_connection() as admin:
        admin.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_no_truncate")
        try:
            for role in (admin, owner_connection()):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="truncated"):
                    role.execute("TRUNCATE audit_auditentry")
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="truncated"):
                    role.execute("TRUNCATE tenancy_tenant CASCADE")
            with (
                pytest.raises(DatabaseError, match="truncated"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute("TRUNCATE audit_auditentry")
        finally:
            admin.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_truncate")
    assert len(_entries(tenant_a)) == before


def _rewrite(tenant: Tenant, sequence: int, mac: Any = None) -> None:
    """Change entry `sequence` and recompute its hash and every later one, as someone without
    the key must: the keyed codes are left alone, or made with `mac(entry)` (a guessed key)."""
    entries = _entries(tenant)
    prev = next((e.entry_hash for e in entries if e.sequence == sequence - 1), "")
    statements = []
    for entry in entries:
        if entry.sequence < sequence:
            continue
        if entry.sequence == sequence:
            entry.event = "role.deleted"
        entry.prev_hash = prev
        entry.changes_digest = chain.changes_digest(entry)
        entry.entry_hash = chain.entry_hash(entry)
        code = mac(entry) if mac is not None else entry.mac
        statements.append((
            "UPDATE audit_auditentry SET event = %s, prev_hash = %s, changes_digest = %s, "
            "entry_hash = %s, mac = %s WHERE id = %s",
            [entry.event, entry.prev_hash, entry.changes_digest, entry.entry_hash, code, entry.id],
        ))  # fmt: skip
        prev = entry.entry_hash
    _as_superuser(*statements)


def test_a_rewritten_chain_recomputed_without_the_key_is_found(
    archive: S3Store, tenant_a: Tenant
) -> None:
    _history(tenant_a, 4)
    anchor_tenant(tenant_a, archive)
    _rewrite(tenant_a, 3)
    code, lines = _audit_verify()
    assert code == 1
    found = "\n".join(_findings(lines, "alpha"))
    assert "alpha: REWRITTEN: entry 3 (" in found and "authentication code" in found
    assert f"REWRITTEN: entry {_head(tenant_a)} differs from the checkpoint" in found


def test_a_rewrite_since_the_last_anchor_is_found_by_the_keyed_codes_alone(
    tmp_path: Path, tenant_a: Tenant
) -> None:
    """Nothing archived or anchored yet, and the attacker guesses a key: still found."""
    _history(tenant_a, 3)

    def guessed(entry: AuditEntry) -> str:
        message = f"{entry.tenant_id}\n{entry.sequence}\n{entry.entry_hash}".encode()
        return hmac.new(b"a guess at the key", message, hashlib.sha256).hexdigest()

    _rewrite(tenant_a, 2, mac=guessed)
    result = verify_tenant(tenant_a, LocalStore(tmp_path))
    assert [f.kind for f in result.findings] == ["REWRITTEN"]
    assert str(result.findings[0]).startswith("REWRITTEN: entry 2 ")


def test_deleting_the_archive_batch_rows_with_the_entries_is_found(
    archive: S3Store, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """No checkpoint at all: the archive's own manifests give the deletion away."""
    _history(tenant_a, 6)
    _history(tenant_b, 2)
    _ship(tenant_a, archive, batch_size=4)
    _ship(tenant_b, archive)
    head = _head(tenant_a)
    _as_superuser(
        ("DELETE FROM audit_archivebatch WHERE tenant_id = %s", [tenant_a.pk]),
        ("DELETE FROM audit_auditentry WHERE tenant_id = %s AND sequence > 2", [tenant_a.pk]),
        ("DELETE FROM audit_archivebatch WHERE tenant_id = %s", [tenant_b.pk]),
        ("DELETE FROM audit_auditentry WHERE tenant_id = %s", [tenant_b.pk]),
    )
    assert list(archive.client.list_objects_v2(Bucket=archive.bucket).get("Contents", []))
    code, lines = _audit_verify()
    assert code == 1
    assert f"alpha: TRUNCATED: entries 3 to {head} are missing" in "\n".join(lines)
    assert any(line.startswith("bravo: EMPTIED") for line in lines)


def test_a_missing_batch_in_the_demo_folder_is_named(tmp_path: Path, tenant_a: Tenant) -> None:
    store = LocalStore(tmp_path)
    _history(tenant_a, 8)
    _ship(tenant_a, store, batch_size=3)
    objects = sorted(tmp_path.rglob("*.jsonl.gz"))
    assert len(objects) >= 3
    middle, last = objects[1], objects[-1]
    middle.unlink()
    Path(str(middle).replace(".jsonl.gz", ".manifest.json")).unlink()
    last.unlink()
    result = verify_tenant(tenant_a, store)
    text = [str(f) for f in result.findings]
    assert "MISSING BATCH: entries 4 to 6 are in no archived batch, though later ones are" in text
    assert any(t.startswith("MISSING BATCH: ") and "is named by its manifest but is not in the "
               "archive" in t for t in text)  # fmt: skip


def test_an_unsigned_checkpoint_is_not_believed(tmp_path: Path, tenant_a: Tenant) -> None:
    store = LocalStore(tmp_path)
    _history(tenant_a, 2)
    checkpoint = anchor_tenant(tenant_a, store)
    assert checkpoint is not None
    forged = {**checkpoint, "sequence": 1, "head_hash": "0" * 64}  # its code no longer matches
    folder = tmp_path / checkpoint_prefix(tenant_a.pk)
    (folder / "000000000000.json").write_text(json.dumps(forged))
    result = verify_tenant(tenant_a, store)
    assert [f.kind for f in result.findings] == ["FORGED"]
    assert result.anchored == checkpoint["sequence"]


# Anchoring ------------------------------------------------------------------------------------


def test_checkpoints_are_signed_and_written_under_object_lock_when_the_head_moves(
    archive: S3Store, tenant_a: Tenant
) -> None:
    _history(tenant_a, 2)
    first = anchor_tenant(tenant_a, archive)
    assert first is not None and first["sequence"] == _head(tenant_a)
    assert set(first) == {"kind", "tenant", "sequence", "head_hash", "time", "key_id", "mac"}
    assert first["key_id"] == "dev" and first["tenant"] == str(tenant_a.pk)
    assert anchor_tenant(tenant_a, archive) is None  # the head has not moved
    _history(tenant_a, 1)
    second = anchor_tenant(tenant_a, archive)
    assert second is not None and second["sequence"] == _head(tenant_a)
    keys = archive.keys(checkpoint_prefix(tenant_a.pk))
    assert len(keys) == 2
    newest = json.loads(archive.client.get_object(Bucket=archive.bucket, Key=keys[0])["Body"]
                        .read())  # fmt: skip
    assert newest["sequence"] == second["sequence"]  # listed first
    head = archive.client.head_object(Bucket=archive.bucket, Key=keys[0])
    assert head["ObjectLockMode"] == "COMPLIANCE"
    with pytest.raises(archive.client.exceptions.ClientError):
        archive.client.delete_object(Bucket=archive.bucket, Key=keys[0],
                                     VersionId=head["VersionId"])  # fmt: skip


def test_a_cut_chain_is_never_anchored_again(
    archive: S3Store, tenant_a: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    from audit.tasks import anchor_all_tenants

    _history(tenant_a, 3)
    assert anchor_all_tenants() == 1
    head = _head(tenant_a)
    _as_superuser(("DELETE FROM audit_auditentry WHERE tenant_id = %s AND sequence >= %s",
                   [tenant_a.pk, head - 1]))  # fmt: skip
    _history(tenant_a, 5)  # new entries reuse the numbers; the old checkpoint still disagrees
    with pytest.raises(AnchorRefusedError, match="no longer extends"):
        anchor_tenant(tenant_a, archive)
    with caplog.at_level(logging.ERROR, logger="parim.audit"):
        assert anchor_all_tenants() == 0
    assert any("not anchored" in r.getMessage() for r in caplog.records)
    code, lines = _audit_verify()
    assert code == 1
    assert f"alpha: REWRITTEN: entry {head} differs from the checkpoint" in "\n".join(lines)


def test_the_anchor_runs_on_the_beat_schedule() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["anchor-audit-chains"]
    assert entry == {"task": "audit.tasks.anchor_all_tenants", "schedule": 300}
    assert settings.AUDIT_ANCHOR_SECONDS == 300


# Keys -----------------------------------------------------------------------------------------


def test_keys_rotate_and_an_unknown_key_is_named(tmp_path: Path, tenant_a: Tenant) -> None:
    store = LocalStore(tmp_path)
    old = settings.AUDIT_CHAIN_KEYS[0]
    new = "2027:" + "n" * 40
    _history(tenant_a, 1)
    with override_settings(AUDIT_CHAIN_KEYS=[new, old]):
        _history(tenant_a, 1)
        assert verify_tenant(tenant_a, store).ok
        assert _entries(tenant_a)[-1].key_id == "2027"
    with override_settings(AUDIT_CHAIN_KEYS=[new]):  # the old key dropped too soon
        result = verify_tenant(tenant_a, store)
    assert [f.kind for f in result.findings] == ["REWRITTEN"]
    assert "signed with key 'dev', which is not in AUDIT_CHAIN_KEYS" in str(result.findings[0])
