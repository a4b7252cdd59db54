"""Form widgets of the pages.

`PlainSelect` renders a select in Python instead of one template per option: the same HTML as
Django's `Select`, for long lists (the audit log's people and events, over 200 options), where the
per-option templates, and then Django's option dictionaries, were most of the page's rendering
time. Options are written straight from the choices, each label escaped once.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe


class PlainSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        # As Django's Select: the first option whose value is among the formatted values, and
        # only that one, is selected (a single select never marks two).
        wanted = set(self.format_value(value))
        choices = self.choices
        parts = list(
            choices.options if isinstance(choices, Choices) else _options(_frozen(choices))
        )
        for n, (text, html) in enumerate(parts):
            if text in wanted:  # its value is escaped, so its first '">' closes the value
                parts[n] = (text, html.replace('">', '" selected>', 1))
                break
        body = "".join(html for _text, html in parts)
        return format_html("<select{}>{}</select>", _attributes(final), mark_safe(body))  # noqa: S308 - every value and label escaped by _options


class Choices(BaseChoiceIterator):
    """Choices already in Django's normal form (value and label pairs; a group as its name and
    its pairs), kept as they are: a field or widget given them does not normalise them again,
    and `PlainSelect` writes their options once for as long as this object lives (the audit
    log's catalogue choices live as long as the process, one object per language)."""

    def __init__(self, pairs: Iterable[tuple[Any, Any]]) -> None:
        self.pairs = _frozen(pairs)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.pairs)

    @functools.cached_property
    def options(self) -> tuple[tuple[str | None, str], ...]:
        return _options(self.pairs)


def _frozen(choices: Iterable[tuple[Any, Any]]) -> tuple[tuple[Any, Any], ...]:
    return tuple(
        (value, _frozen(label) if isinstance(label, (list, tuple)) else label)
        for value, label in choices
    )


@functools.lru_cache(maxsize=256)
def _options(choices: tuple[tuple[Any, Any], ...]) -> tuple[tuple[str | None, str], ...]:
    """The options of `choices`, each as (its value, its HTML), an optgroup's opening and closing
    tags as pieces of their own (value None): written once per list of choices and reused while
    the same choices come again (the audit log's events, in one language, for every request)."""
    out: list[tuple[str | None, str]] = []
    for option_value, label in choices:
        if isinstance(label, tuple):
            out.append((None, f'<optgroup label="{conditional_escape(option_value)}">'))
            out.extend(_options(label))
            out.append((None, "</optgroup>"))
        else:
            text = "" if option_value is None else str(option_value)
            out.append((text, f'<option value="{conditional_escape(text)}">'
                              f"{conditional_escape(label)}</option>"))  # fmt: skip
    return tuple(out)


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """As Django's attrs.html writes them: in order, a true boolean as a bare name."""
    parts = [
        format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
        for key, value in attrs.items()
        if value is not None and value is not False
    ]
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped by format_html
