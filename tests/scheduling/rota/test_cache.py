"""The reuse of computed rota weeks (scheduling/rota/cache.py): a week is reused exactly while
nothing it was computed from has changed, whoever changed it and however.

These tests commit (transaction=True): an entry is stored only after its request's
transaction commits, and the change log is read across transactions, as in production."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from accounts.identity import account_scope
from scheduling.models import (
    SCHEDULE_SITE,
    Availability,
    AvailabilityException,
    LeaveRequest,
    LeaveType,
    Position,
    RotaChange,
    SchedulingSettings,
    Shift,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from scheduling.rota import cache as rota_cache
from scheduling.rota import views as rota_views
from scheduling.rules.stored import refresh_people
from scheduling.setup import services
from tenancy.context import tenant_context
from tenancy.models import Membership
from tenancy.object_permissions import object_permission_grant
from tenancy.permissions import RoleKind
from tests.builders import MONDAY, Rota, add_shift, at, build_rota, signed_in
from tests.factories import member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PAGE = f"/{{slug}}/rota/?week={MONDAY}"
ROWS = f"/{{slug}}/rota/rows/?week={MONDAY}&offset=0"
# Committed, as in production: a tenant page takes 5 (BEGIN, the company found with its and the
# account's settings, the account, the membership, COMMIT; the session is in a cache:
# tests/tenancy/test_page_transaction.py), the cached week's check one more, and a week
# computed afresh its 12 reads (tests/scheduling/rota/test_pages.py).
HIT_QUERIES = 6
MISS_QUERIES = 18
ROWS_MISS_QUERIES = MISS_QUERIES - 1  # no totals; everyone listed: only the rows' shifts and
# profiles (with a site or position shown, three more: who has a shift there, and everyone's
# profiles' positions and sites; tests/scheduling/rota/test_pages.py)


@pytest.fixture(autouse=True)
def _own_cache(settings: Any) -> Iterator[None]:
    """A cache of the test's own, whatever ROTA_CACHE_URL the environment names."""
    settings.CACHES = {
        **settings.CACHES,
        rota_cache.ALIAS: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "rota-tests",
        },
    }
    caches[rota_cache.ALIAS].clear()
    yield
    caches[rota_cache.ALIAS].clear()


def _get(client: Client, url: str) -> tuple[str, int]:
    """The page's grid (the counts and the table: nothing per session, such as a CSRF token)
    and how many queries it took."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    if "rota-summary" in body:
        start = body.index('<p class="rota-summary">')
        body = body[start : body.index('<dialog class="dialog" id="clear-dialog"', start)]
    return body, len(captured)


def _fresh(client: Client, url: str) -> str:
    with override_settings(ROTA_CACHE_SECONDS=0):
        return _get(client, url)[0]


def _week(people: int = 3, slug: str = "alpha") -> Rota:
    rota = build_rota(slug, people=people)
    for index, person in enumerate(rota.people):
        for day in range(5):
            add_shift(rota, person, at(MONDAY + dt.timedelta(days=day), 7 + index % 3))
    add_shift(rota, None, at(MONDAY, 9))
    return rota


def test_a_second_request_reuses_the_week_in_one_query() -> None:
    rota = _week()
    client = signed_in(rota.admin)
    for url, miss in ((PAGE, MISS_QUERIES), (ROWS, ROWS_MISS_QUERIES)):
        first, first_count = _get(client, url.format(slug="alpha"))
        second, second_count = _get(client, url.format(slug="alpha"))
        assert (first_count, second_count) == (miss, HIT_QUERIES), url
        assert second == first
        assert "Employee 000" in second


def test_a_reused_week_takes_the_same_queries_for_10_and_300_people() -> None:
    counts = []
    for slug, people in (("alpha", 10), ("bravo", 300)):
        rota = _week(people, slug)
        client = signed_in(rota.admin)
        for url in (PAGE, ROWS):
            _get(client, url.format(slug=slug))
            counts.append(_get(client, url.format(slug=slug))[1])
    assert counts == [HIT_QUERIES] * 4


def _shift_of(rota: Rota) -> Shift:
    with tenant_context(rota.tenant):
        return Shift.objects.filter(membership=rota.people[0]).order_by("start_at").first()  # type: ignore[return-value]


def _edit(rota: Rota, model: type[Any], **values: Any) -> None:
    with tenant_context(rota.tenant):
        model.objects.filter(tenant=rota.tenant).update(**values)


def _add_shift(rota: Rota) -> None:
    add_shift(rota, rota.people[1], at(MONDAY + dt.timedelta(days=5), 10))


def _move_shift(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Shift.objects.filter(pk=_shift_of(rota).pk).update(
            start_at=at(MONDAY, 13), end_at=at(MONDAY, 20)
        )


def _delete_shift(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Shift.objects.filter(pk=_shift_of(rota).pk).delete()


def _rename_person(rota: Rota) -> None:
    user = rota.people[0].user
    user.full_name = "Renamed Person"
    with account_scope(user.pk):
        user.save(update_fields=["full_name"])


def _person_leaves(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Membership.objects.filter(pk=rota.people[2].pk).update(status=Membership.Status.LEFT)


def _new_person(rota: Rota) -> None:
    person = member(rota.tenant, full_name="Newcomer Nina")
    services.work_profile_save(
        tenant=rota.tenant, actor=rota.admin, membership=person, positions=[rota.carer],
        sites=[rota.site], contracted_hours=Decimal(20), hourly_rate=None,
        max_hours_7_days=None, min_rest_hours=None,
    )  # fmt: skip


def _contract(rota: Rota) -> None:
    _edit(rota, WorkProfile, contracted_hours=Decimal(10))


def _unqualify(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        WorkProfilePosition.objects.filter(profile__membership=rota.people[0]).delete()
        # As the profile's service does: the stored rule breaks follow.
        refresh_people(rota.tenant, [rota.people[0].pk])


def _unsite(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        WorkProfileSite.objects.filter(profile__membership=rota.people[0]).delete()
        # As the profile's service does: the stored rule breaks follow.
        refresh_people(rota.tenant, [rota.people[0].pk])


def _rest_rule(rota: Rota) -> None:
    # Shifts 7:00-15:00 then 8:00-16:00 the next day: 16 hours' rest, under a 17-hour rule.
    with tenant_context(rota.tenant):
        services.settings_save(tenant=rota.tenant, actor=rota.admin, min_rest_hours=Decimal(17))


def _leave(rota: Rota, name: str = "Holiday") -> LeaveType:
    with tenant_context(rota.tenant):
        kind = LeaveType.objects.create(name=name)
        LeaveRequest.objects.create(
            membership=rota.people[1], leave_type=kind, start_date=MONDAY + dt.timedelta(days=2),
            end_date=MONDAY + dt.timedelta(days=2), status=LeaveRequest.Status.APPROVED,
        )  # fmt: skip
    return kind


def _approved_leave(rota: Rota) -> None:
    _leave(rota)


def _rename_leave_type(rota: Rota) -> None:
    _edit(rota, LeaveType, name="Sabbatical")


def _unavailable_weekly(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Availability.objects.create(
            membership=rota.people[1], weekday=3, start_time=dt.time(0), end_time=None
        )


def _unavailable_once(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        AvailabilityException.objects.create(
            membership=rota.people[1], date=MONDAY + dt.timedelta(days=4), note="Dentist"
        )


def _rename_site(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Site.objects.filter(pk=rota.site.pk).update(name="Rosewood House")


def _recolour_position(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        Position.objects.filter(pk=rota.carer.pk).update(colour="plum")


CHANGES: dict[str, Callable[[Rota], None]] = {
    "a shift added": _add_shift,
    "a shift moved": _move_shift,
    "a shift deleted": _delete_shift,
    "a person renamed (accounts_user)": _rename_person,
    "a person left": _person_leaves,
    "a person joined with a work profile": _new_person,
    "a contract changed": _contract,
    "a position taken off a profile": _unqualify,
    "a site taken off a profile": _unsite,
    "a working-time rule changed": _rest_rule,
    "leave approved": _approved_leave,
    "unavailable every Thursday": _unavailable_weekly,
    "unavailable one Friday": _unavailable_once,
    "a site renamed": _rename_site,
    "a position recoloured": _recolour_position,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_to_what_the_week_shows_is_shown_at_once(change: str) -> None:
    rota = _week()
    client = signed_in(rota.admin)
    url = PAGE.format(slug="alpha")
    before, _count = _get(client, url)
    assert _get(client, url) == (before, HIT_QUERIES)
    CHANGES[change](rota)
    after, count = _get(client, url)
    assert after != before, "the change must show on the rota, or this test proves nothing"
    assert (after, count) == (_fresh(client, url), MISS_QUERIES)
    assert _get(client, url) == (after, HIT_QUERIES)  # and that week is reused in turn


def test_a_renamed_leave_type_shows_at_once() -> None:
    rota = _week()
    _leave(rota)
    client = signed_in(rota.admin)
    url = PAGE.format(slug="alpha")
    before, _count = _get(client, url)
    assert "Holiday" in before
    _rename_leave_type(rota)
    after, _count = _get(client, url)
    assert "Sabbatical" in after and "Holiday" not in after


def test_a_manager_limited_to_sites_sees_a_newly_granted_site_at_once() -> None:
    rota = _week()
    manager = rota.manager
    services.member_sites_set(
        tenant=rota.tenant, actor=rota.admin, membership=manager, all_sites=False,
        sites=[rota.site],
    )  # fmt: skip
    with tenant_context(rota.tenant):
        manager.refresh_from_db()
        manager.user  # noqa: B018  (loaded as a member of the company: the account is not readable outside)
    client = signed_in(manager)
    url = PAGE.format(slug="alpha")
    before, _count = _get(client, url)
    assert "Carer · Rosewood" not in before  # one site: the chips need not name it
    with tenant_context(rota.tenant):
        object_permission_grant(
            tenant=rota.tenant, actor=rota.admin, membership=manager,
            permission=SCHEDULE_SITE, obj=rota.other_site,
        )  # fmt: skip
    after, count = _get(client, url)
    assert "Carer · Rosewood" in after  # two sites now: each chip says where
    assert count > HIT_QUERIES


def test_a_change_in_another_company_does_not_recompute_this_ones_week() -> None:
    alpha, bravo = _week(slug="alpha"), _week(slug="bravo")
    alpha_client, bravo_client = signed_in(alpha.admin), signed_in(bravo.admin)
    alpha_page, bravo_page = PAGE.format(slug="alpha"), PAGE.format(slug="bravo")
    alpha_week, _count = _get(alpha_client, alpha_page)
    _get(bravo_client, bravo_page)
    _rename_site(bravo)
    assert _get(alpha_client, alpha_page) == (alpha_week, HIT_QUERIES)
    assert "Rosewood House" in _get(bravo_client, bravo_page)[0]


def test_a_person_in_two_companies_renamed_shows_in_both() -> None:
    alpha, bravo = _week(slug="alpha"), _week(slug="bravo")
    shared = alpha.people[0].user
    both = member(bravo.tenant, user=shared)
    add_shift(bravo, both, at(MONDAY, 18))
    services.work_profile_save(
        tenant=bravo.tenant, actor=bravo.admin, membership=both, positions=[bravo.carer],
        sites=[bravo.site], contracted_hours=None, hourly_rate=None, max_hours_7_days=None,
        min_rest_hours=None,
    )  # fmt: skip
    clients = [(signed_in(alpha.admin), "alpha"), (signed_in(bravo.admin), "bravo")]
    for client, slug in clients:
        _get(client, PAGE.format(slug=slug))
    _rename_person(alpha)
    for client, slug in clients:
        assert "Renamed Person" in _get(client, PAGE.format(slug=slug))[0], slug


def test_the_key_keeps_apart_what_differs_between_viewers_and_days() -> None:
    rota = _week()
    admin = rota.admin
    ask = ("page", MONDAY, None, None, 60, True)
    with tenant_context(rota.tenant):
        keys = {
            rota_cache.cache_key(rota.tenant, admin, ask),
            rota_cache.cache_key(rota.tenant, admin, ("page", MONDAY, None, None, 60, False)),
            rota_cache.cache_key(rota.tenant, admin, ("rows", MONDAY, None, None, 0, True)),
            rota_cache.cache_key(
                rota.tenant, admin, ("page", MONDAY, rota.site.pk, None, 60, True)
            ),
        }
        limited = Membership(pk=rota.manager.pk, tenant=rota.tenant, all_sites=False)
        keys.add(rota_cache.cache_key(rota.tenant, limited, ask))
        elsewhere = rota.tenant
        elsewhere.time_zone = "America/New_York"
        keys.add(rota_cache.cache_key(elsewhere, admin, ask))
    assert len(keys) == 6
    assert all(key.startswith(f"rota:{rota.tenant.pk}:") for key in keys)


# The mechanism itself, on reuse_or_build directly ---------------------------------------------


class Builds:
    """A build function that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> int:
        self.calls += 1
        return self.calls


def _reuse(rota: Rota, build: Builds, inside: Callable[[], None] | None = None) -> int:
    with tenant_context(rota.tenant):
        value = rota_cache.reuse_or_build(
            tenant=rota.tenant, membership=rota.admin, what=("test",), build=build
        )
        if inside is not None:
            inside()
    return value


def _elsewhere(work: Callable[[], None]) -> None:
    """Run `work` on another database connection, committed when it returns."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert not errors, errors


def test_a_change_committed_while_the_week_was_computed_is_not_missed() -> None:
    rota = _week()
    build = Builds()

    def change_meanwhile() -> None:
        if build.calls == 1:  # while the first computation's transaction is still open
            _elsewhere(lambda: _rename_site(rota))

    def build_while_changed() -> int:
        value = build()
        change_meanwhile()
        return value

    with tenant_context(rota.tenant):
        rota_cache.reuse_or_build(
            tenant=rota.tenant, membership=rota.admin, what=("test",), build=build_while_changed
        )
    assert _reuse(rota, build) == 2  # stored with its snapshot, which could not see the change
    assert _reuse(rota, build) == 2


def test_a_change_still_uncommitted_elsewhere_keeps_the_week_until_it_commits() -> None:
    rota = _week()
    build = Builds()
    assert _reuse(rota, build) == 1
    started, go_on, done = threading.Event(), threading.Event(), threading.Event()

    def slow_change() -> None:
        with transaction.atomic():
            _rename_site(rota)
            started.set()
            go_on.wait(10)
        done.set()

    def run() -> None:
        try:
            slow_change()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert started.wait(10)
    try:
        assert _reuse(rota, build) == 1  # a fresh read would not see it either
    finally:
        go_on.set()
        thread.join()
    assert done.is_set()
    assert _reuse(rota, build) == 2


def test_a_rolled_back_request_stores_nothing() -> None:
    rota = _week()
    build = Builds()
    with pytest.raises(RuntimeError), transaction.atomic():
        _reuse(rota, build)
        raise RuntimeError("the request failed after computing the week")
    assert _reuse(rota, build) == 2
    assert _reuse(rota, build) == 2


def test_a_week_computed_after_a_write_in_the_same_transaction_is_not_reused() -> None:
    rota = _week()
    build = Builds()
    _reuse(rota, build, inside=None)
    with transaction.atomic():
        _rename_site(rota)
        assert _reuse(rota, build) == 2  # its own uncommitted change invalidates
    assert _reuse(rota, build) == 3  # stored with a snapshot that saw its own writer running
    assert _reuse(rota, build) == 3


def test_a_week_computed_by_a_transaction_that_had_already_written_is_not_kept() -> None:
    """PostgreSQL leaves a transaction's own id out of its snapshot's running list: once a
    later transaction has begun, that snapshot counts the request's own, later changes as
    seen. So a transaction with an id keeps nothing."""
    rota = _week()
    build = Builds()
    user = rota.admin.user
    with transaction.atomic():
        user.last_login = dt.datetime.now(dt.UTC)
        with account_scope(user.pk):
            user.save(update_fields=["last_login"])  # this transaction now has an id
        _elsewhere(lambda: _recolour_position(rota))  # a later transaction, committed
        assert _reuse(rota, build) == 1
        _rename_site(rota)  # a change after the week was computed, in this transaction
    assert _reuse(rota, build) == 2
    assert _reuse(rota, build) == 2


def test_the_page_keeps_a_few_row_counts_and_the_rows_their_offsets_only() -> None:
    assert [rota_views._rows_shown(n) for n in (0, 1, 60, 61, 360, 361)] == [
        60, 60, 60, 360, 360, 660,
    ]  # fmt: skip
    rota = _week()
    client = signed_in(rota.admin)
    page_counts = [_get(client, f"{PAGE}&rows={n}".format(slug="alpha"))[1] for n in (1, 59)]
    assert page_counts == [MISS_QUERIES, HIT_QUERIES]  # the same 60 rows, kept once
    offsets = {}
    for offset in (60, 61):
        url = ROWS.replace("offset=0", f"offset={offset}").format(slug="alpha")
        offsets[offset] = [_get(client, url)[1] for _ in range(2)]
    computed = offsets[60][0]
    assert offsets[60] == [computed, HIT_QUERIES]
    assert offsets[61] == [computed - 1] * 2  # computed each time, without the cache's check


def test_without_the_cache_every_request_computes() -> None:
    rota = _week()
    build = Builds()
    with override_settings(ROTA_CACHE_SECONDS=0):
        assert [_reuse(rota, build) for _ in range(3)] == [1, 2, 3]


@override_settings(
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        rota_cache.ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
)
def test_an_unreachable_cache_only_costs_the_computation() -> None:
    rota = _week()
    client = signed_in(rota.admin)
    url = PAGE.format(slug="alpha")
    assert "Employee 000" in _get(client, url)[0]
    assert "Employee 000" in _get(client, url)[0]


# The change log -----------------------------------------------------------------------------


def _changes(rota: Rota) -> list[RotaChange]:
    with tenant_context(rota.tenant):
        return list(RotaChange.objects.all())


def test_one_change_row_per_company_and_transaction_whatever_it_touched() -> None:
    rota = _week()
    with tenant_context(rota.tenant):
        RotaChange.objects.all().delete()
        with transaction.atomic():
            Shift.objects.update(break_minutes=15)  # every shift, one statement
            Site.objects.filter(pk=rota.site.pk).update(address="1 High Street")
    rows = _changes(rota)
    assert len(rows) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        assert rows[0].xid < cursor.fetchone()[0]


def test_a_rolled_back_savepoint_takes_its_change_row_with_it() -> None:
    rota = _week()
    with tenant_context(rota.tenant):
        RotaChange.objects.all().delete()
    with tenant_context(rota.tenant):
        with pytest.raises(RuntimeError), transaction.atomic():
            Site.objects.filter(pk=rota.site.pk).update(address="gone")
            raise RuntimeError
        assert not RotaChange.objects.exists()
        Site.objects.filter(pk=rota.site.pk).update(address="kept")  # logged after all
    assert len(_changes(rota)) == 1


def test_reads_and_unrelated_writes_log_nothing() -> None:
    rota = _week()
    with tenant_context(rota.tenant):
        RotaChange.objects.all().delete()
    client = signed_in(rota.admin)
    _get(client, PAGE.format(slug="alpha"))
    user = rota.people[0].user
    user.last_login = dt.datetime.now(dt.UTC)
    with account_scope(user.pk):
        user.save(update_fields=["last_login"])  # not the name or email: no rota shows it
    assert _changes(rota) == []


def test_the_settings_row_created_by_a_first_save_is_logged() -> None:
    rota = _week()
    with tenant_context(rota.tenant):
        assert not SchedulingSettings.objects.exists()
        RotaChange.objects.all().delete()
    _rest_rule(rota)
    assert len(_changes(rota)) == 1


def test_prune_deletes_only_rows_no_cached_week_can_need() -> None:
    rota = _week()
    store = caches[rota_cache.ALIAS]
    start = 1_000_000.0
    lifetime = (rota_cache.MAX_LIFETIME + rota_cache.REQUEST_MARGIN).total_seconds()
    with tenant_context(rota.tenant):
        RotaChange.objects.all().delete()
    assert rota_cache.rota_changes_prune(now=start) == 0  # no horizon yet: it records one
    recorded = store.get(rota_cache.HORIZON_KEY)
    assert recorded[1] == start
    _rename_site(rota)  # an older transaction
    (older,) = _changes(rota)
    _recolour_position(rota)  # a newer one
    # As if the first run had seen every transaction up to `older` ended (on a shared test
    # database, other workers' transactions hold the real oldest running one back).
    store.set(rota_cache.HORIZON_KEY, (older.xid + 1, start), None)
    assert rota_cache.rota_changes_prune(now=start + lifetime - 1) == 0  # too soon: kept
    assert store.get(rota_cache.HORIZON_KEY) == (older.xid + 1, start)
    assert len(_changes(rota)) == 2
    assert rota_cache.rota_changes_prune(now=start + lifetime) == 1
    (kept,) = _changes(rota)
    assert kept.xid > older.xid
    assert store.get(rota_cache.HORIZON_KEY)[1] == start + lifetime  # the next run's horizon


# Coverage: every table the week is read from has the trigger ---------------------------------

TABLE = re.compile(r'\b(?:FROM|JOIN)\s+"([a-z_]+)"')
# Tables the week reads that only migrations write (a deploy changes the code digest too).
STATIC_TABLES = {"auth_permission", "django_content_type"}


def _tables_read_after_the_snapshot(client: Client, url: str) -> set[str]:
    caches[rota_cache.ALIAS].clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    first = next(i for i, text in enumerate(sql) if "pg_current_snapshot" in text)
    return {table for text in sql[first + 1 :] for table in TABLE.findall(text)}


def _triggered_tables() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'scheduling_rota_%%' AND NOT t.tgisinternal"
        )
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
    return found


def test_every_table_the_week_is_read_from_logs_its_changes() -> None:
    rota = _week()
    _leave(rota)
    _unavailable_weekly(rota)
    _unavailable_once(rota)
    limited = member(rota.tenant, kind=RoleKind.MANAGER, full_name="Lim Ited")
    services.member_sites_set(
        tenant=rota.tenant, actor=rota.admin, membership=limited, all_sites=False,
        sites=[rota.site],
    )  # fmt: skip
    read: set[str] = set()
    for viewer in (rota.admin, limited):
        client = signed_in(viewer)
        for url in (
            PAGE, ROWS, f"{PAGE}&site={rota.site.pk}&position={rota.carer.pk}",
        ):  # fmt: skip
            read |= _tables_read_after_the_snapshot(client, url.format(slug="alpha"))
    triggered = _triggered_tables()
    assert "scheduling_shift" in read and "scheduling_siteuserobjectpermission" in read
    missing = read - set(triggered) - STATIC_TABLES
    assert not missing, f"the rota reads {missing}: add them to the triggers (migration 0010)"
    assert triggered["accounts_user"] == {"scheduling_rota_person"}
    per_statement = {
        "scheduling_rota_inserted",
        "scheduling_rota_updated",
        "scheduling_rota_deleted",
    }
    assert all(names == per_statement for t, names in triggered.items()
               if t != "accounts_user")  # fmt: skip


def test_rota_cache_clear_empties_the_cache() -> None:
    from io import StringIO

    from django.core.management import call_command

    rota = _week()
    client = signed_in(rota.admin)
    url = PAGE.format(slug="alpha")
    _get(client, url)
    assert _get(client, url)[1] == HIT_QUERIES
    out = StringIO()
    call_command("rota_cache_clear", stdout=out)
    assert "empty" in out.getvalue()
    assert _get(client, url)[1] == MISS_QUERIES
