"""What keeps the hostile-input walk complete: every URL is walked, and the parameter discovery
still finds what the views read."""

from __future__ import annotations

from tests.hostile import walker
from tests.hostile.discovery import EXTRA_PARAMS, WALKED_ROUTES, discover
from tests.hostile.html_forms import forms_of
from tests.hostile.values import CLASSES, DEEP, HOSTILE
from tests.isolation.urls import all_routes

ROUTES = {route.name: route for route in all_routes()}


def test_every_url_pattern_is_walked() -> None:
    missing = set(ROUTES) - WALKED_ROUTES
    assert not missing, (
        f"{sorted(missing)}: new URLs; add them to tests/hostile/discovery.WALKED_ROUTES, and to "
        "EXTRA_PARAMS whatever they read that their source and forms do not show"
    )


def test_no_stale_names_in_the_walker_lists() -> None:
    for names in (WALKED_ROUTES, EXTRA_PARAMS, walker.GET_WRITES, walker.SOURCE_BASELINES):
        assert set(names) <= set(ROUTES), set(names) - set(ROUTES)


def test_discovery_finds_what_views_read() -> None:
    # Query parameters read directly, through a filter form, and through a helper function.
    assert {"q", "page"} <= discover(ROUTES["people"]).get
    assert {"date_from", "date_to", "q", "before", "actor"} <= discover(ROUTES["audit-log"]).get
    assert "year" in discover(ROUTES["member-leave"]).get
    # Form fields, prefixed forms, and keys tested with `in`.
    assert {"apply-date_from", "apply-date_to", "action"} <= discover(
        ROUTES["pattern-rotation"]
    ).post
    assert {"remove", "add_weekly", "add_wish", "wish-strength"} <= discover(
        ROUTES["my-availability"]
    ).post
    # A class-based view's form.
    assert {"username", "password"} <= discover(ROUTES["login"]).post


def test_rendered_forms_are_read_with_their_values_and_kinds() -> None:
    html = """<form method="post" action="/x/"><input name="csrfmiddlewaretoken" value="t">
      <input type="date" name="day" value="2026-03-02"><select name="site"><option value="">-
      </option><option value="s1">One</option><option value="s2" selected>Two</option></select>
      <textarea name="note">hi</textarea><input type="checkbox" name="ok" value="1">
      <button name="action" value="save">Save</button></form>
      <form><input name="q"></form>"""
    post, get = forms_of(html, "/page/")
    assert (post.action, post.method) == ("/x/", "post")
    assert post.fields == {"day": ["2026-03-02"], "site": ["s2"], "note": ["hi"], "ok": []}
    assert post.kinds == {"day": "date", "site": "select", "note": "textarea", "ok": "checkbox"}
    assert post.buttons == [("action", "save")]
    assert (get.action, get.method, list(get.fields)) == ("/page/", "get", ["q"])


def test_every_issue_class_of_hostile_value_is_sent() -> None:
    issue = {"nul", "quotes", "long", "huge_number", "negative_number", "date_max", "date_min",
             "date_impossible", "uuid_malformed", "uuid_zero", "rtl_override"}  # fmt: skip
    assert issue <= set(HOSTILE)
    assert "list" in CLASSES
    assert len(HOSTILE["long"]) == 5000
    assert all(kind in CLASSES for kinds in DEEP.values() for kind in kinds)
