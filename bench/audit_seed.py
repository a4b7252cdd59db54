"""Seed one company's audit log with `count` entries for the audit growth tables: written by the
database itself (generate_series, in batches of 100,000), as the PostgreSQL superuser, after
whatever the company already has, a year of entries ending now (instants never decrease along
the chain, as the writer keeps them). The search words are written by the table's triggers.

The chain's hashes and keyed codes are placeholders (the benchmark reads and searches the log;
it does not verify it). Events are real catalogue codes with their object types, so the pages
and exports word them as they would real entries.

    python -m bench.audit_seed --admin-url postgresql://postgres@127.0.0.1:5432/parim_bench \
        --slug audit100k --count 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Any

import django
import psycopg

BATCH = 100_000
FIRST = ["Maria", "Grace", "Tomasz", "Aisha", "Liam", "Zoë", "Kwame", "Ingrid", "Ravi", "Chen"]
LAST = ["Rossi", "Chen", "Nowak", "Khan", "Murphy", "Ünal", "Mensah", "Berg", "Patel", "Wu"]
WHAT = ["Shift", "Leave request", "Availability", "Role", "Site", "Position", "Invitation"]
# Codes of the catalogue with the object type their entries are about, weighted by repetition.
EVENTS = [
    ("shift.created", "scheduling.shift"), ("shift.created", "scheduling.shift"),
    ("shift.updated", "scheduling.shift"), ("shift.updated", "scheduling.shift"),
    ("shift.updated", "scheduling.shift"), ("shift.deleted", "scheduling.shift"),
    ("auth.login", "accounts.user"), ("auth.login", "accounts.user"),
    ("rota.published", "tenancy.tenant"), ("role.updated", "tenancy.role"),
    ("site.updated", "scheduling.site"), ("membership.updated", "tenancy.membership"),
]  # fmt: skip

INSERT = """
INSERT INTO audit_auditentry (
    id, tenant_id, sequence, "timestamp", event, target_type, content_type_id, action,
    object_pk, object_repr, actor_id, actor_email, membership_id, changes, changes_text,
    additional_data, remote_addr, user_agent, cid, changes_digest, prev_hash, entry_hash,
    key_id, mac
)
SELECT
    gen_random_uuid(), %(tenant)s, %(start)s::bigint + g,
    %(first)s::timestamptz + (g - 1) * %(step)s::interval,
    (%(codes)s::text[])[1 + g %% %(events)s::int], (%(types)s::text[])[1 + g %% %(events)s::int],
    (%(ctypes)s::int[])[1 + g %% %(events)s::int], 1 + g %% 3,
    gen_random_uuid()::text,
    (%(what)s::text[])[1 + g %% 7] || ' for '
        || (%(firsts)s::text[])[1 + (g / 7) %% 10] || ' '
        || (%(lasts)s::text[])[1 + (g / 70) %% 10] || ' ' || (g %% 1000)::text,
    (%(users)s::uuid[])[1 + g %% %(people)s::int], (%(emails)s::text[])[1 + g %% %(people)s::int],
    (%(members)s::uuid[])[1 + g %% %(people)s::int],
    jsonb_build_object('notes', jsonb_build_array('', 'note ' || g)), '',
    NULL, ('192.0.2.' || (g %% 250)::text)::inet, 'Mozilla/5.0 (bench)', 'req-' || g::text,
    repeat('0', 64), repeat('0', 64), repeat('0', 64), '', ''
FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS g
"""


def _content_types(connection: psycopg.Connection[Any]) -> list[int]:
    ids = []
    for _, target_type in EVENTS:
        app_label, model = target_type.split(".")
        row = connection.execute(
            "SELECT id FROM django_content_type WHERE app_label = %s AND model = %s",
            [app_label, model],
        ).fetchone()
        if row is None:
            raise SystemExit(f"bench.audit_seed: no content type {target_type}")
        ids.append(row[0])
    return ids


def seed_audit(admin_url: str, slug: str, count: int) -> dict[str, Any]:
    started = time.perf_counter()
    with psycopg.connect(admin_url) as connection:
        tenant = connection.execute(
            "SELECT id FROM tenancy_tenant WHERE slug = %s", [slug]
        ).fetchone()
        if tenant is None:
            raise SystemExit(f"bench.audit_seed: no company {slug}")
        people = connection.execute(
            "SELECT m.user_id, u.email, m.id FROM tenancy_membership m "
            "JOIN accounts_user u ON u.id = m.user_id WHERE m.tenant_id = %s ORDER BY m.id",
            [tenant[0]],
        ).fetchall()
        if not people:
            raise SystemExit(f"bench.audit_seed: {slug} has no members")
        last = connection.execute(
            'SELECT coalesce(max(sequence), 0), max("timestamp") FROM audit_auditentry '
            "WHERE tenant_id = %s",
            [tenant[0]],
        ).fetchone()
        start, newest = (last[0], last[1]) if last else (0, None)
        first = connection.execute(
            "SELECT greatest(now() - interval '365 days', %s::timestamptz)", [newest]
        ).fetchone()
        params: dict[str, Any] = {
            "tenant": tenant[0], "start": start, "first": first[0] if first else None,
            "step": f"{365 * 86400 / max(count, 1):.6f} seconds",
            "codes": [code for code, _ in EVENTS], "types": [t for _, t in EVENTS],
            "ctypes": _content_types(connection), "events": len(EVENTS), "what": WHAT,
            "firsts": FIRST, "lasts": LAST, "people": len(people),
            "users": [p[0] for p in people], "emails": [p[1] for p in people],
            "members": [p[2] for p in people],
        }  # fmt: skip
        for low in range(1, count + 1, BATCH):
            params.update(low=low, high=min(count, low + BATCH - 1))
            connection.execute(INSERT, params)
            connection.commit()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE audit_auditentry")
        connection.execute("VACUUM ANALYZE audit_searchword")
    return {"slug": slug, "entries": count, "seconds": round(time.perf_counter() - started, 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--admin-url", required=True, help="a superuser connection to the DB")
    parser.add_argument("--slug", required=True, help="the company whose log is filled")
    parser.add_argument("--count", required=True, type=int, help="entries to add")
    args = parser.parse_args(argv)
    django.setup()
    result = seed_audit(args.admin_url, args.slug, args.count)
    print(f"{result['entries']:,} audit entries for {result['slug']} in {result['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
