"""Every URL of the project, as every role, with hostile values in every parameter and form
field it reads (and in its path): no 5xx, no traceback, no cut-off download, and nothing
changed by a read or by refused input. See tests/hostile/walker.py for how the parameters are
found and tests/hostile/test_meta.py for what keeps the walk complete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from tests.hostile import walker
from tests.hostile.values import CLASSES, DEEP, HOSTILE_HEADERS, value_of
from tests.isolation.urls import Route, all_routes

ROUTES = all_routes()

# The check for writes reads PostgreSQL's per-transaction row counters; NUL, which PostgreSQL
# text refuses, is one of the hostile classes.
pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[walker.Seeded]:
    with django_db_blocker.unblock(), transaction.atomic():
        state = walker.seed()
        walker.crawl(state)
        yield state
        transaction.set_rollback(True)


def _latin(
    base: walker.Baseline, rounds: range | list[int]
) -> Iterator[tuple[dict[str, Any], str]]:
    """Latin-square rounds over the fields: in round k field j carries class (j + k), so over
    all len(CLASSES) rounds every field carries every class once."""
    fields = sorted(base.kinds)
    start = {k: v for k, v in base.data.items() if v}
    for k in rounds:
        data: dict[str, Any] = dict(start)
        for j, name in enumerate(fields):
            data[name] = value_of(CLASSES[(j + k) % len(CLASSES)])
        yield data, f"round {k}"


def _deep(base: walker.Baseline) -> Iterator[tuple[dict[str, Any], str]]:
    """One field at a time, every other field as the page fills it in, with the classes its
    kind could accept as valid."""
    start = {k: v for k, v in base.data.items() if v}
    for name in sorted(base.kinds):
        for kind in DEEP.get(base.kinds[name], []):
            yield {**start, name: value_of(kind)}, f"{name}={kind}"


def _sets(base: walker.Baseline, role: str) -> Iterator[tuple[dict[str, Any], str]]:
    if not base.kinds:
        yield {k: v for k, v in base.data.items() if v}, "as rendered"
        return
    index = walker.ROLES.index(role)
    if role == "owner" and base.thorough:
        yield from _latin(base, range(len(CLASSES)))
        yield from _deep(base)
    else:  # one round per other role, a different one each: role-specific branches
        yield from _latin(base, [(index * 3) % len(CLASSES)])


def probes(route: Route, state: walker.Seeded, role: str) -> Iterator[walker.Probe]:
    url = walker.url_of(route, walker.own_kwargs(route, state))
    index = walker.ROLES.index(role)
    for i, (what, address) in enumerate(walker.path_variants(route, state)):
        if role == "owner" or i % (len(walker.ROLES) - 1) == index - 1:
            for method in ("get", "post"):
                yield walker.Probe(route.name, role, method, address, None, what)
    yield walker.Probe(route.name, role, "get", url, None, "plain")
    if role in {"owner", "anonymous"}:
        for i, headers in enumerate(HOSTILE_HEADERS):
            for method in ("get", "post"):
                yield walker.Probe(route.name, role, method, url, None, f"headers {i}", headers)
    get, posts = walker.params_of(route, state, role)
    if get.kinds:
        for data, what in _sets(get, role):
            yield walker.Probe(route.name, role, "get", url, data, what)
    for base in posts:
        for data, what in _sets(base, role):
            yield walker.Probe(route.name, role, "post", url, data, what)


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_no_hostile_input_reaches_a_500(
    seeded: walker.Seeded, django_db_blocker: Any, route: Route
) -> None:
    failures: list[str] = []
    with django_db_blocker.unblock():
        for role in walker.ROLES:
            client = walker.client_for(seeded, role)
            for probe in probes(route, seeded, role):
                problem = walker.send(client, seeded, probe)
                if problem:
                    failures.append(f"{probe}: {problem}")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
