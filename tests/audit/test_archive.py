"""Shipping audit entries to S3 (moto's S3 server over HTTP) with Object Lock and a manifest."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from audit.archive import ArchiveError, LocalStore, S3Store, archive_tenant
from audit.models import ArchiveBatch, AuditEntry
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant
from tests.audit.conftest import s3_client as _client

pytestmark = pytest.mark.django_db


def _history(tenant: Tenant, n: int) -> None:
    with tenant_context(tenant):
        start = Role.objects.count()
        for i in range(start, start + n):
            Role.objects.create(name=f"Archived role {i}")


def _entry_count(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return AuditEntry.objects.count()


def _batches(tenant: Tenant) -> list[ArchiveBatch]:
    with tenant_context(tenant):
        return list(ArchiveBatch.objects.order_by("first_sequence"))


def _keys(s3: Any) -> list[str]:
    listed = s3.list_objects_v2(Bucket=s3.bucket_name)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_entries_ship_as_gzipped_json_lines_with_a_manifest_under_object_lock(
    s3: Any, tenant_a: Tenant
) -> None:
    _history(tenant_a, 3)
    batch = archive_tenant(tenant_a, S3Store(s3, s3.bucket_name))
    assert batch is not None and batch.status == "confirmed"
    assert batch.count == _entry_count(tenant_a)

    body = s3.get_object(Bucket=s3.bucket_name, Key=batch.object_key)["Body"].read()
    lines = [json.loads(line) for line in gzip.decompress(body).decode().splitlines()]
    assert [line["sequence"] for line in lines] == list(range(1, batch.count + 1))
    manifest_key = batch.object_key.replace(".jsonl.gz", ".manifest.json")
    manifest = json.loads(s3.get_object(Bucket=s3.bucket_name, Key=manifest_key)["Body"].read())
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest() == batch.sha256
    assert manifest["count"] == batch.count
    assert (manifest["first_sequence"], manifest["last_sequence"]) == (1, batch.count)
    assert manifest["chain_head"] == lines[-1]["entry_hash"]

    head = s3.head_object(Bucket=s3.bucket_name, Key=batch.object_key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] > timezone.now() + dt.timedelta(days=2500)
    version = head["VersionId"]
    with pytest.raises(s3.exceptions.ClientError):
        s3.delete_object(Bucket=s3.bucket_name, Key=batch.object_key, VersionId=version)


def test_running_again_ships_nothing_twice(s3: Any, tenant_a: Tenant) -> None:
    _history(tenant_a, 2)
    store = S3Store(s3, s3.bucket_name)
    assert archive_tenant(tenant_a, store) is not None
    keys = _keys(s3)
    assert archive_tenant(tenant_a, store) is None
    assert _keys(s3) == keys
    _history(tenant_a, 1)
    later = archive_tenant(tenant_a, store)
    assert later is not None and later.first_sequence == _batches(tenant_a)[0].last_sequence + 1


def test_an_outage_ships_nothing_and_a_later_run_ships_it_once(s3: Any, tenant_a: Tenant) -> None:
    _history(tenant_a, 2)
    unreachable = S3Store(_client("http://127.0.0.1:9"), s3.bucket_name)
    with pytest.raises(ArchiveError):
        archive_tenant(tenant_a, unreachable)
    (pending,) = _batches(tenant_a)
    assert pending.status == "pending" and pending.attempts == 1 and pending.last_error
    assert _keys(s3) == []

    shipped = archive_tenant(tenant_a, S3Store(s3, s3.bucket_name))
    assert shipped is not None and shipped.pk == pending.pk and shipped.status == "confirmed"
    assert shipped.attempts == 2
    assert len(_keys(s3)) == 2  # the object and its manifest, once
    assert archive_tenant(tenant_a, S3Store(s3, s3.bucket_name)) is None


def test_an_upload_that_does_not_match_its_checksum_is_not_confirmed(
    s3: Any, tenant_a: Tenant
) -> None:
    class CorruptingStore(S3Store):
        def put(
            self, key: str, body: bytes, sha256: str, retain_until: dt.datetime, *,
            batch: bool = False,
        ) -> None:  # fmt: skip
            corrupt = body + b"!"
            super().put(key, corrupt, hashlib.sha256(corrupt).hexdigest(), retain_until)

    _history(tenant_a, 1)
    with pytest.raises(ArchiveError, match="does not match"):
        archive_tenant(tenant_a, CorruptingStore(s3, s3.bucket_name))
    assert _batches(tenant_a)[0].status == "pending"


def test_the_beat_task_ships_every_tenant(
    s3: Any, s3_endpoint: str, tenant_a: Tenant, tenant_b: Tenant, monkeypatch: Any
) -> None:
    from audit.tasks import archive_all_tenants

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with override_settings(AUDIT_ARCHIVE_BUCKET=s3.bucket_name, AWS_S3_ENDPOINT_URL=s3_endpoint):
        assert archive_all_tenants.delay().get() == 2
    assert all(b.status == "confirmed" for b in _batches(tenant_a) + _batches(tenant_b))


def test_the_demo_archive_is_a_local_folder(tmp_path: Path, tenant_a: Tenant) -> None:
    _history(tenant_a, 1)
    batch = archive_tenant(tenant_a, LocalStore(tmp_path))
    assert batch is not None
    stored = tmp_path / batch.object_key
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == batch.sha256


def test_the_lifecycle_command_sets_the_glacier_rule(
    s3: Any, s3_endpoint: str, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with override_settings(AWS_S3_ENDPOINT_URL=s3_endpoint):
        call_command(
            "audit_archive_lifecycle", "--bucket", s3.bucket_name, "--glacier-after-days", "30",
            "--expire-after-days", "2555", stdout=StringIO(),
        )  # fmt: skip
    glacier, expiry = s3.get_bucket_lifecycle_configuration(Bucket=s3.bucket_name)["Rules"]
    assert glacier["Transitions"] == [{"Days": 30, "StorageClass": "GLACIER"}]
    # Only batches move to GLACIER: manifests and checkpoints stay readable for audit_verify.
    assert glacier["Filter"]["And"]["Tags"] == [{"Key": "parim-archive", "Value": "batch"}]
    assert expiry["Filter"] == {"Prefix": "tenants/"}
    assert expiry["Expiration"] == {"Days": 2555}
    assert glacier["Status"] == expiry["Status"] == "Enabled"


def test_the_home_panel_counts_the_entries_waiting_for_the_next_archive(
    tmp_path: Path, tenant_a: Tenant
) -> None:
    """The auditor's home panel works the number out from the last entry's sequence: it must
    equal a count of the entries after the last archived, before any archive, after one, and
    after the retention purge has deleted archived entries."""
    from types import SimpleNamespace

    from audit.home_panels import audit_overview
    from audit.services import retention_purge

    def shown_and_counted() -> tuple[int, int]:
        with tenant_context(tenant_a):
            data = audit_overview(SimpleNamespace(tenant=tenant_a))  # type: ignore[arg-type]
            assert data is not None
            batch = data["last_batch"]
            after = batch.last_sequence if batch else 0
            return data["waiting"], AuditEntry.objects.filter(sequence__gt=after).count()

    _history(tenant_a, 3)
    shown, counted = shown_and_counted()
    assert shown == counted >= 3
    assert archive_tenant(tenant_a, LocalStore(tmp_path)) is not None
    assert shown_and_counted() == (0, 0)
    _history(tenant_a, 2)
    shown, counted = shown_and_counted()
    assert shown == counted >= 2
    assert retention_purge(tenant=tenant_a, before=timezone.now() + dt.timedelta(days=1)) > 0
    shown, counted = shown_and_counted()
    assert shown == counted >= 3  # the two, and the purge's own checkpoint entry
