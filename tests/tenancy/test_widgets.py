"""PlainSelect: the same HTML as Django's Select, without a template per option."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms

from tenancy.widgets import PlainSelect

FLAT = [("", "Anyone"), ("a1", "Ana <Admin>"), ("b2", "Ben & Co")]
GROUPED: list[tuple[str, Any]] = [
    ("", "Any event"),
    ("Security", [("auth.login", "Signed in"), ("auth.logout", "Signed out")]),
    ("People", [("member.added", 'Person "added"')]),
]


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("choices", [FLAT, GROUPED], ids=["flat", "grouped"])
@pytest.mark.parametrize("value", ["", "b2", "auth.logout", None])
def test_it_renders_what_djangos_select_renders(choices: list[Any], value: str | None) -> None:
    attrs = {"id": "id_who", "aria-describedby": "who_helptext"}
    ours = PlainSelect(choices=choices).render("who", value, attrs)
    django = forms.Select(choices=choices).render("who", value, attrs)
    assert _normal(ours) == _normal(django)
    assert "&lt;Admin&gt;" in ours or "&quot;added&quot;" in ours  # labels escaped
