"""The audit log's text search: word prefixes from a table of the entries' words, kept by the
database's triggers, walked by index under row-level security."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from audit.forms import AuditFilterForm
from audit.models import AuditEntry, SearchWord
from audit.search import entry_words, event_codes, words
from audit.selectors import audit_entries, filter_choices
from audit.services import record, redact_person, retention_purge
from tenancy.context import tenant_context
from tenancy.models import Role, Tenant
from tests.audit.conftest import owner_connection
from tests.factories import member

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

NAMES = ["Night lead", "Zoë Ünal", "Grace Chen", "O'Brien-Smythe", "Café Nord", "Bar_Tender 7"]
EMAILS = ["grace@alpha.test", "zoe.unal@alpha.test", None, "ops+rota@alpha.test"]
EVENTS = ["role.updated", "rota.published", "shift.created", "auth.login"]


def _seed(
    tenant: Tenant, count: int, rng: random.Random, rare: dict[int, str] | None = None
) -> None:
    """`count` entries in chain order (chain fields are placeholders, as in the paging tests);
    entry n is about `rare[n]` where given."""
    ctype = ContentType.objects.get_for_model(Role)
    rare = rare or {}
    with tenant_context(tenant):
        start = (AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True)
                 .first() or 0)  # fmt: skip
        now = timezone.now()
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    tenant=tenant, sequence=start + n + 1, event=rng.choice(EVENTS), action=1,
                    target_type="tenancy.role", content_type=ctype, object_pk=str(uuid.uuid4()),
                    object_repr=rare.get(n) or f"{rng.choice(NAMES)} {n % 97}",
                    timestamp=now, changes_digest="0" * 64, entry_hash="0" * 64,
                    actor_email=rng.choice(EMAILS),
                )
                for n in range(count)
            ],
            batch_size=2000,
        )  # fmt: skip


def _stored(tenant: Tenant) -> dict[int, set[str]]:
    stored: dict[int, set[str]] = {}
    with tenant_context(tenant):
        for sequence, word in SearchWord.objects.filter(tenant=tenant).values_list(
            "sequence", "word"
        ):
            stored.setdefault(sequence, set()).add(word)
    return stored


def _plain_scan(tenant: Tenant, text: str) -> list[int]:
    """The search's rule applied in Python to every entry: each word typed begins one of the
    entry's words or is part of its event's code or label."""
    typed = words(text)
    labelled = {word: set(event_codes(word)) for word in typed}
    found = []
    with tenant_context(tenant):
        for entry in AuditEntry.objects.filter(tenant=tenant).order_by("-sequence"):
            own = entry_words(entry)
            if all(
                any(w.startswith(word) for w in own) or entry.event in labelled[word]
                for word in typed
            ):
                found.append(entry.sequence)
    return found


def _searched(tenant: Tenant, text: str) -> list[int]:
    with tenant_context(tenant):
        return list(audit_entries(tenant, {"q": text}).values_list("sequence", flat=True))


def test_the_triggers_store_the_words_python_names(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _seed(tenant_a, 300, random.Random(1))
    _seed(tenant_b, 20, random.Random(2))
    with tenant_context(tenant_a):
        entries = list(AuditEntry.objects.filter(tenant=tenant_a))
    assert len(entries) >= 300
    assert _stored(tenant_a) == {entry.sequence: entry_words(entry) for entry in entries}
    assert {"zoë", "ünal", "o", "brien", "smythe", "bar_tender", "rota.published"} <= set().union(
        *_stored(tenant_a).values()
    )


def test_search_finds_what_a_plain_scan_finds(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _seed(tenant_a, 400, random.Random(3))
    _seed(tenant_b, 400, random.Random(4))  # the other company's entries are never found
    queries = [
        "night", "NIGHT lead", "zo", "zoë ün", "ünal", "café", "brien", "o'brien-smythe",
        "grace@alpha.test", "ops+rota", "bar_t", "tender", "published", "rota PUBLISHED",
        "shift.created", "role", "l", "7", "96", "nobody", "night zoë", "alpha test 5",
    ]  # fmt: skip
    nonempty = 0
    for text in queries:
        expected = _plain_scan(tenant_a, text)
        assert _searched(tenant_a, text) == expected, text
        nonempty += bool(expected)
    assert nonempty >= len(queries) - 3
    with tenant_context(tenant_a):
        pk = AuditEntry.objects.order_by("sequence").values_list("object_pk", "sequence")[5]
    assert _searched(tenant_a, pk[0]) == [pk[1]]  # an object's id finds its entries


def test_erasure_and_the_retention_purge_keep_the_words_in_step(
    tenant_a: Tenant, tmp_path: Path
) -> None:
    from audit.archive import LocalStore, archive_tenant

    person = member(tenant_a, email="leaving@example.test", full_name="Lee Leaving")
    record("auth.login", tenant=tenant_a, target=person.user, actor=person.user)
    with tenant_context(tenant_a):
        for i in range(5):
            Role.objects.create(name=f"Keeper {i}", permissions=["build_rota"])
    assert _searched(tenant_a, "leaving")
    redact_person(tenant=tenant_a, user=person.user)
    assert _searched(tenant_a, "leaving") == []
    assert "leaving" not in set().union(*_stored(tenant_a).values())
    with tenant_context(tenant_a):
        entries = list(AuditEntry.objects.filter(tenant=tenant_a))
    assert _stored(tenant_a) == {entry.sequence: entry_words(entry) for entry in entries}

    with override_settings(AUDIT_ARCHIVE_BATCH_SIZE=4):
        assert archive_tenant(tenant_a, LocalStore(tmp_path)) is not None  # entries 1 to 4
    assert retention_purge(tenant=tenant_a, before=timezone.now() + timedelta(seconds=1)) == 4
    with tenant_context(tenant_a):
        kept = list(AuditEntry.objects.filter(tenant=tenant_a))
    assert min(_stored(tenant_a)) == 5
    assert _stored(tenant_a) == {entry.sequence: entry_words(entry) for entry in kept}


@pytest.mark.parametrize(
    ("text", "message"),
    [("--- !!", "Search for words or numbers."), ("a b c d e f g h i", "at most 8 words")],
)
def test_a_search_without_words_or_with_too_many_is_refused(
    tenant_a: Tenant, text: str, message: str
) -> None:
    with tenant_context(tenant_a):
        form = AuditFilterForm({"q": text}, **filter_choices([]))
    assert not form.is_valid()
    assert message in str(form.errors["q"])


def _plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _analyze() -> None:
    """Fresh statistics, as the tables' owner (who sees the committed rows of every company
    through no policy: ANALYZE samples the table itself)."""
    with owner_connection() as owner:
        owner.execute("ANALYZE audit_auditentry")
        owner.execute("ANALYZE audit_searchword")


@pytest.mark.django_db(transaction=True)
def test_search_reads_the_word_index_as_the_application_role(tenant_a: Tenant) -> None:
    """With a large log's statistics, a rare word is found through the words' B-tree (a range
    of the (tenant_id, word, sequence) key) and a common one by walking the entries newest first
    and probing each one's words: never a scan of either table. The results are a plain scan's."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)  # bound by row-level security
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'audit_searchword'::regclass AND attname = 'word'"
        )
        assert cursor.fetchone() == (1000,)  # migration 0004: a rare word's estimate stays small
    count = 30_000
    rare = {n: f"Quartermaster {n}" for n in range(7, count, 5_000)}  # 6 entries of 30,000
    _seed(tenant_a, count, random.Random(5), rare)
    _analyze()
    with tenant_context(tenant_a):
        for text in ("quarterm", "quartermaster 7", "zo", "grace", "rota published"):
            sql, params = audit_entries(tenant_a, {"q": text})[:51].query.sql_with_params()
            plan = _plan(sql, params)
            assert "Seq Scan" not in plan, plan
            assert "Bitmap Heap Scan on audit_auditentry" not in plan, plan
            assert "audit_searchword_pkey" in plan or "audit_word_entry" in plan, plan
            if text.startswith("quarterm"):
                assert "using audit_searchword_pkey" in plan, plan
                assert "(word >= 'quarterm" in plan, plan
    assert len(_searched(tenant_a, "quarterm")) == len(rare) == 6
    with tenant_context(tenant_a):
        about, sequence = AuditEntry.objects.values_list("object_pk", "sequence")[100]
        sql, params = audit_entries(tenant_a, {"q": about})[:51].query.sql_with_params()
        assert "audit_entry_object_pk" in _plan(sql, params)
    assert _searched(tenant_a, about.upper()) == [sequence]
    for text in ("quarterm", "quartermaster 7", "zoë gr"):
        assert _searched(tenant_a, text) == _plain_scan(tenant_a, text), text
