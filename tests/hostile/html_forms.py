"""The forms a page renders, read from its HTML: where each posts, and each field's name and the
value the page fills in. The walker starts from these values and makes one field hostile."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

SKIPPED = {"csrfmiddlewaretoken"}


@dataclass
class HtmlForm:
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type, select, textarea
    # <button name=... value=...>: which button was pressed selects a branch of the view.
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def add(self, name: str, value: str | None, kind: str = "text") -> None:
        self.kinds.setdefault(name, kind)
        values = self.fields.setdefault(name, [])
        if value is not None:
            values.append(value)


class _Parser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.forms: list[HtmlForm] = []
        self.current: HtmlForm | None = None
        self.by_id: dict[str, HtmlForm] = {}
        self.select: str | None = None
        self.select_form: HtmlForm | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def _target(self, attrs: dict[str, str | None]) -> HtmlForm | None:
        owner = attrs.get("form")
        if owner and owner in self.by_id:
            return self.by_id[owner]
        return self.current

    def handle_starttag(self, tag: str, raw: list[tuple[str, str | None]]) -> None:
        attrs = dict(raw)
        if tag == "form":
            self.current = HtmlForm(
                action=attrs.get("action") or attrs.get("hx-post") or self.url,
                method=(attrs.get("method") or ("post" if attrs.get("hx-post") else "get")).lower(),
            )
            self.forms.append(self.current)
            if attrs.get("id"):
                self.by_id[attrs["id"] or ""] = self.current
            return
        if tag == "option" and self.select and self.select_form is not None:
            value = attrs.get("value") or ""
            if self.select_first is None and value:
                self.select_first = value
            if "selected" in attrs and not self.select_chosen:
                self.select_form.fields[self.select].append(value)
                self.select_chosen = True
            return
        form = self._target(attrs)
        name = attrs.get("name")
        if form is None or not name or name in SKIPPED:
            return
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in {"submit", "button", "image"}:
                form.buttons.append((name, attrs.get("value") or ""))
            elif kind in {"checkbox", "radio"}:
                checked = (attrs.get("value") or "on") if "checked" in attrs else None
                form.add(name, checked, kind)
            elif kind != "file":
                form.add(name, attrs.get("value") or "", kind)
            else:
                form.add(name, None, kind)
        elif tag == "button":
            form.buttons.append((name, attrs.get("value") or ""))
        elif tag == "select":
            self.select, self.select_first, self.select_chosen = name, None, False
            self.select_form = form
            form.add(name, None, "select")
        elif tag == "textarea":
            self.textarea, self.text = name, []

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        form = self.current
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select:
            target = self.select_form
            if target and not self.select_chosen and self.select_first is not None:
                target.fields[self.select].append(self.select_first)
            self.select, self.select_form = None, None
        elif tag == "textarea" and self.textarea:
            target = form or (self.forms[-1] if self.forms else None)
            if target is not None:
                target.add(self.textarea, "".join(self.text), "textarea")
            self.textarea = None


def forms_of(html: str, url: str) -> list[HtmlForm]:
    parser = _Parser(url)
    parser.feed(html)
    return parser.forms
