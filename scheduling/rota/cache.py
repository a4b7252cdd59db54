"""Reuse a computed rota week while nothing it was computed from has changed.

A manager's rota is read far more often than it changes (every open, filter, refresh and htmx
reload), and computing a busy week (the shifts, everyone's rules, the grid) costs many times a
plain page. So the rendered grid is kept in the "rota" cache (Redis in production) together with
the PostgreSQL snapshot that was current when its computation began, and reused while the
company's change log (scheduling.RotaChange, written by triggers on every table the week is read
from: migrations 0005 and 0010) holds no transaction that this snapshot could not see and that
touched what the entry shows:

- a change committed after the snapshot, even by a transaction that began earlier, is not
  visible in it: the week is computed again, if the change touched the entry's days and people;
- a change not yet committed is not visible to a fresh computation either: the cached week is
  exactly what one would show;
- the entry is stored only once the request's transaction has committed (a rolled-back request
  stores nothing), and an older entry written over a newer one is simply computed again.

What a change touched: each change-log row (one per company and transaction) holds the span of
days its transaction touched (UTC dates, a day wider either side than the rows themselves; NULL:
every day) and the people (membership ids, with RotaChange.OPEN_SHIFTS for a shift with no one
on it; NULL: everyone); migration 0010 lists what each table's rows contribute. An entry
depends on the days its week is read over (`week`: the week and two days either side, as
scheduling.time.week_window reads it; None: every day) and on the people `held` says (by default
everyone). So:

- the page (the week's totals and counts, the first rows with the open shifts') depends on
  everyone in its week: any change to a shift, leave, wish or rule break of that week (or of the
  two days either side) recomputes it, and a change in another week does not;
- a rows request (the rows that follow) depends on its own people's rows (and the open shifts',
  when it holds the first rows), when everyone is listed (a viewer of every site, no site or
  position shown): then who is listed, and in what order, changes only with memberships and
  names. With a site or position shown, or for a manager of some sites, who is listed follows
  everyone's shifts and profiles: such a rows request depends on everyone in its week, like the
  page;
- a person's weekly availability or work profile (and its positions and sites) touches that
  person on every day;
- still company-wide (every cached week recomputed): sites, managers' site grants, positions,
  the rules and settings, memberships, leave types, a person's name or email, and any
  transaction that touched more than 200 people (a bulk change).

Everything else a week depends on, read before the snapshot, is part of the cache key: the
company (its id, address and time zone), the viewer's site scope, whether they see costs and
which of the page's buttons their permissions give (the page's content is kept rendered, with
a slot for each form's CSRF token, filled in per request: scheduling/rota/html.py), today's
date, the language, the code that computes and renders the week, and what was asked for (week,
filters, rows). The check is one query; without PostgreSQL (the embedded demo) or
with ROTA_CACHE_SECONDS=0 every request computes the week.

Entries expire after ROTA_CACHE_SECONDS (600 by default, a day at most) whether or not they
were replaced, so a changed or erased person's name is gone from the cache within that time.
The change log is pruned every few hours (`rota_changes_prune`).

Not seen by the triggers: TRUNCATE, and writes with `session_replication_role = replica`
(neither is used by the application); and restoring the database to an earlier point rewinds
transaction ids, which old snapshots would then count as seen. After any of those, empty the
rota cache (or turn it off for ROTA_CACHE_SECONDS)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.utils.translation import get_language

from scheduling.models import RotaChange
from scheduling.time import today_in, week_start_of, week_window
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant

if TYPE_CHECKING:
    from scheduling.rota.selectors import RotaWeek

logger = logging.getLogger(__name__)


ALIAS = "rota"


V = TypeVar("V")


# The snapshot this statement runs in, whether an entry made from it may be stored, and whether
# the company's change log holds a transaction that `entry` (an earlier snapshot) could not
# see and that touched the entry's days (`first` to `last`; NULL: every day) and people
# (`people`, ids; NULL: everyone). Only rows from the entry's oldest running transaction on can
# be invisible to it: the (tenant_id, xid) key finds them, and the few found are compared. A
# transaction that already has an id (it wrote something) stores nothing: PostgreSQL leaves a
# transaction's own id out of its snapshots' running list, so a snapshot taken after a later
# transaction began would count the request's own, later rota changes as seen.
CHECK_SQL = (
    "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL, EXISTS ("
    "SELECT 1 FROM scheduling_rotachange WHERE tenant_id = %(tenant)s"
    " AND xid >= pg_snapshot_xmin(%(entry)s::pg_snapshot)::text::bigint"
    " AND NOT pg_visible_in_snapshot(xid::text::xid8, %(entry)s::pg_snapshot)"
    " AND (first_day IS NULL OR %(first)s::date IS NULL"
    " OR (first_day <= %(last)s::date AND last_day >= %(first)s::date))"
    " AND (people IS NULL OR %(people)s::uuid[] IS NULL OR people && %(people)s::uuid[]))"
)


SNAPSHOT_SQL = "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned() IS NULL, NULL"


def enabled() -> bool:
    return settings.ROTA_CACHE_SECONDS > 0 and connection.vendor == "postgresql"


@functools.cache
def code_version() -> str:
    """A digest of the code that computes and renders the week (the project's own, with its
    templates, translations and URL map, and the versions of Django and of the time zone
    data), so that a new release never shows a grid rendered by the old one."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for folder in ("accounts", "tenancy", "audit", "scheduling", "parim", "templates"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in {".py", ".html", ".mo"} and "migrations" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    for package in ("django", "tzdata"):
        try:
            digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(package.encode())
    return digest.hexdigest()[:16]


def cache_key(tenant: Tenant, membership: Membership, what: tuple[Hashable, ...]) -> str:
    """Everything the week depends on that is read before its snapshot, and what was asked."""
    scope = "all" if membership.all_sites else f"member:{membership.pk}"
    parts = (
        code_version(), tenant.pk, tenant.slug, tenant.time_zone, scope,
        today_in(tenant).isoformat(), get_language(), *what,
    )  # fmt: skip
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"rota:{tenant.pk}:{digest}"


OPEN_SHIFTS = RotaChange.OPEN_SHIFTS


@dataclass
class Held:
    """Whose changes a computed value depends on, as its computation finds out: everyone (None,
    the default), or the people whose rows it holds (membership ids as text, with OPEN_SHIFTS
    for the open shifts' row)."""

    people: list[str] | None = None

    def rows_of(self, membership: Membership, rota: RotaWeek) -> None:
        """The rows of `rota` (a rows request's, built with rows_only): their own people's, and
        the open shifts' with the first, when everyone is listed; else everyone (who is listed
        then follows everyone's shifts and profiles). See the module's docstring."""
        if membership.all_sites and rota.site is None and rota.position is None:
            people = [row.member_id for row in rota.rows if row.member_id is not None]
            self.people = [*people, OPEN_SHIFTS] if rota.first == 0 else people
        else:
            self.people = None


def days_read(tenant: Tenant, week: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """The UTC dates `week` (a date in it) is read over, with its margin; None: every day."""
    if week is None:
        return None, None
    start, end = week_window(tenant, week_start_of(week))
    return start.astimezone(dt.UTC).date(), end.astimezone(dt.UTC).date()


def reuse_or_build(
    *,
    tenant: Tenant,
    membership: Membership,
    what: tuple[Hashable, ...],
    build: Callable[[], V],
    week: dt.date | None = None,
    held: Held | None = None,
) -> V:
    """The value `build` makes for `what`, from the cache while it is current, else built now
    (and stored when the transaction commits). Inside tenant_context(tenant). The value shows
    `week` (None: it may depend on any day), and `held` is whose changes it depends on, as
    `build` sets it (None: everyone's); only changes to those days and people recompute it."""
    if not enabled():
        return build()
    store = caches[ALIAS]
    key = cache_key(tenant, membership, what)
    try:
        entry = store.get(key)
    except Exception:  # the cache being down must never take the rota with it
        logger.warning("rota cache unavailable", exc_info=True)
        return build()
    with connection.cursor() as cursor:
        if entry is None:
            cursor.execute(SNAPSHOT_SQL)
        else:
            first, last = days_read(tenant, week)
            cursor.execute(
                CHECK_SQL,
                {"tenant": tenant.pk, "entry": entry[0], "first": first, "last": last,
                 "people": entry[2]},
            )  # fmt: skip
        snapshot, storable, changed = cursor.fetchone()
    if entry is not None and not changed:
        value: V = entry[1]
        return value
    if held is not None:
        held.people = None  # everyone, unless `build` finds out otherwise
    value = build()
    if not storable:
        return value
    people = None if held is None or held.people is None else list(held.people)

    def store_entry() -> None:
        try:
            store.set(key, (snapshot, value, people), settings.ROTA_CACHE_SECONDS)
        except Exception:
            logger.warning("rota cache unavailable", exc_info=True)

    transaction.on_commit(store_entry)
    return value


# The prune keeps the change log short. A row can matter only to an entry whose snapshot saw
# its transaction still running; every entry alive now was computed after (now - the longest
# an entry can live - the longest request). So each run deletes the rows of transactions that
# had all ended when an earlier run looked (the oldest transaction running then, its `xmin`),
# once that run is older than an entry can live, and records the oldest running now for a
# later run. An entry lives at most MAX_LIFETIME whatever ROTA_CACHE_SECONDS says now (the
# settings refuse more), so lowering it while longer-lived entries remain is safe.
HORIZON_KEY = "rota:prune-horizon"


MAX_LIFETIME = dt.timedelta(days=1)


REQUEST_MARGIN = dt.timedelta(hours=1)  # far longer than any request (gunicorn's timeout)


def rota_changes_prune(*, now: float | None = None) -> int:
    """Delete the change-log rows no cached week can need any more; returns how many."""
    if connection.vendor != "postgresql":
        return 0
    now = time.time() if now is None else now
    store = caches[ALIAS]
    previous = store.get(HORIZON_KEY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        oldest_running: int = cursor.fetchone()[0]
    lifetime = (MAX_LIFETIME + REQUEST_MARGIN).total_seconds()
    if previous is not None and previous[1] > now - lifetime:
        return 0  # the recorded horizon is still too young; keep it for a later run
    deleted = 0
    if previous is not None:
        for tenant in Tenant.objects.order_by("pk"):
            with tenant_context(tenant):
                deleted += RotaChange.objects.filter(xid__lt=previous[0]).delete()[0]
    store.set(HORIZON_KEY, (oldest_running, now), None)
    return deleted
