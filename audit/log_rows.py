"""The audit log's table rows, written in Python: 50 rows of five cells each, where the
template's loop (a URL, two date filters and a translated phrase per row) was a third of the
page's time. The HTML is what templates/audit/log.html wrote with its loop."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from audit.models import AuditEntry
from audit.sentences import Words

_PLACEHOLDER = uuid.UUID(int=0)


def log_rows_html(tenant_slug: str, rows: Sequence[tuple[AuditEntry, Words]]) -> SafeString:
    if not rows:
        return mark_safe("")
    link = reverse("audit-entry", kwargs={"tenant_slug": tenant_slug, "entry_id": _PLACEHOLDER})
    details, of_entry = conditional_escape(_("Details")), _("of entry %(n)s")
    months: dict[tuple[int, int], str] = {}
    out: list[str] = []
    for entry, words in rows:
        local = timezone.localtime(entry.timestamp)
        month = months.get((local.year, local.month))
        if month is None:  # "Nov", translated: worded once per month shown
            month = months[(local.year, local.month)] = dateformat.format(local, "M Y")
        chip = (f'<span class="chip">{conditional_escape(words.category)}</span> '
                if words.category else "")  # fmt: skip
        sentence = (f'<span class="audit-log__sentence">{conditional_escape(words.sentence)}</span>'
                    if words.sentence != words.label else "")  # fmt: skip
        number = conditional_escape(of_entry % {"n": entry.sequence})
        out.append(
            f'<tr><td class="audit-log__number">{entry.sequence}</td>'
            f'<td class="audit-log__when"><time datetime="{local.isoformat()}">'
            f"{local.day} {conditional_escape(month)}, {local:%H:%M:%S}</time></td>"
            f'<td class="audit-log__what"><span class="audit-log__label">{chip}'
            f"<strong>{conditional_escape(words.label)}</strong></span>{sentence}</td>"
            f'<td class="audit-log__who">{conditional_escape(words.who)}</td>'
            f'<td><a href="{link.replace(str(_PLACEHOLDER), str(entry.pk))}">{details}'
            f'<span class="visually-hidden"> {number}</span></a></td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped above
