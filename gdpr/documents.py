"""A Markdown policy as people read it: formatted, sanitised text.

The document is rendered by markdown-it-py with raw HTML switched off (HTML in the source shows as
text, it is never interpreted), then cleaned by nh3 (the ammonia sanitiser) to an allow-list of
tags, attributes and link schemes as a second line of defence. Headings move down two levels so
that the document sits under the page's own h1 and the policy's h2.
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_PARSER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)
_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}  # no style: the CSP allows none inline
_SHIFT = 2


def render_markdown(text: str) -> SafeString:
    """The HTML to show for a Markdown document, safe to put in a page."""
    tokens = _PARSER.parse(text)
    for token in tokens:
        if token.type in {"heading_open", "heading_close"}:
            token.tag = f"h{min(int(token.tag[1]) + _SHIFT, 6)}"
    html = _PARSER.renderer.render(tokens, _PARSER.options, {})
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 to the allow-list above
