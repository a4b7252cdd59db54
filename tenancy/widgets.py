"""Form widgets of the pages.

`PlainSelect` renders a select in Python instead of one template per option: the same HTML as
Django's `Select`, for long lists (the audit log's people and events, over 200 options), where the
per-option templates were most of the page's rendering time.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class PlainSelect(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = {"name": name, **self.build_attrs(self.attrs, attrs)}
        parts: list[str] = []
        for group, options, _index in self.optgroups(name, self.format_value(value), final):
            rows = format_html_join(
                "", '<option value="{}"{}>{}</option>',
                ((o["value"], mark_safe(" selected") if o["selected"] else "", o["label"])
                 for o in options),
            )  # fmt: skip
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', group, rows)
                         if group else rows)  # fmt: skip
        return format_html("<select{}>{}</select>", _attributes(final), mark_safe("".join(parts)))  # noqa: S308 - built from format_html parts


def _attributes(attrs: dict[str, Any]) -> SafeString:
    """As Django's attrs.html writes them: in order, a true boolean as a bare name."""
    parts = [
        format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
        for key, value in attrs.items()
        if value is not None and value is not False
    ]
    return mark_safe("".join(parts))  # noqa: S308 - each part escaped by format_html
