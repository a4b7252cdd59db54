"""PlainSelect: the same HTML as Django's Select, without a template per option."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms

from tenancy.widgets import Choices, PlainSelect

FLAT = [("", "Anyone"), ("a1", "Ana <Admin>"), ("b2", "Ben & Co")]
GROUPED: list[tuple[str, Any]] = [
    ("", "Any event"),
    ("Security", [("auth.login", "Signed in"), ("auth.logout", "Signed out")]),
    ("People", [("member.added", 'Person "added"')]),
]
# The same value twice (in two groups): Django marks only the first selected.
TWICE: list[tuple[str, Any]] = [("x", "X <first>"), ("G & H", [("x", "X again"), ("y", "Y")])]


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("choices", [FLAT, GROUPED, TWICE], ids=["flat", "grouped", "twice"])
@pytest.mark.parametrize("value", ["", "b2", "auth.logout", "x", None])
@pytest.mark.parametrize("ready", [False, True], ids=["list", "Choices"])
def test_it_renders_what_djangos_select_renders(
    choices: list[Any], value: str | None, ready: bool
) -> None:
    attrs = {"id": "id_who", "aria-describedby": "who_helptext"}
    widget = PlainSelect(choices=Choices(choices) if ready else choices)
    ours = widget.render("who", value, attrs)
    django = forms.Select(choices=choices).render("who", value, attrs)
    assert _normal(ours) == _normal(django)
    assert _normal(widget.render("who", value, attrs)) == _normal(django), "the same again"
    assert "&lt;" in ours or "&quot;added&quot;" in ours  # labels escaped


def test_a_field_given_ready_choices_validates_against_them() -> None:
    field = forms.ChoiceField(required=False, widget=PlainSelect)
    field.choices = Choices(GROUPED)
    assert field.clean("auth.logout") == "auth.logout"
    with pytest.raises(forms.ValidationError):
        field.clean("Security")  # a group's name is not a choice
