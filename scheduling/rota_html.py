"""The rota grid's rows, rendered in Python.

A busy week is 300 rows x 7 days and 2,000 shift chips; through the template engine (a lookup,
a filter and a URL reversal per attribute) that alone took most of a second. Here each URL is
reversed once and each label translated once per request, and every value that comes from the
database goes through `escape`. The markup is the same as a template would make; the page
around it stays a template (scheduling/partials/rota_grid.html)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from html import escape

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from scheduling.selectors import Cell, RotaWeek, Row, ShiftCard
from scheduling.templatetags.scheduling import hours, money

PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


class RotaRows:
    def __init__(self, rota: RotaWeek, *, tenant_slug: str, show_cost: bool) -> None:
        self.rota = rota
        self.show_cost = show_cost
        self.currency = rota.settings.currency
        edit = reverse("shift-edit", kwargs={"tenant_slug": tenant_slug, "shift_id": PLACEHOLDER})
        move = reverse("shift-move", kwargs={"tenant_slug": tenant_slug, "shift_id": PLACEHOLDER})
        self.edit_url = edit.split(PLACEHOLDER)
        self.move_url = move.split(PLACEHOLDER)
        query = ""
        if rota.site:
            query += f"&site={rota.site.pk}"
        if rota.position:
            query += f"&position={rota.position.pk}"
        self.new_url = reverse("shift-new", kwargs={"tenant_slug": tenant_slug})
        self.new_query = query
        self.show_site = rota.site is None and len(rota.sites) > 1
        self.labels = {
            "draft": escape(_("Draft")),
            "blocks": escape(_("Blocks publishing:")),
            "warning": escape(_("Warning:")),
            "next_day": escape(_("ends the next day"), quote=True),
            "open": _("an open shift"),
        }
        self.days = {
            cell.date: (cell.date.isoformat(), date_format(cell.date, "l j F"))
            for cell in rota.open_row.cells
        }

    def html(self) -> SafeString:
        return mark_safe("".join(self._rows()))  # noqa: S308 (every value is escaped below)

    def _rows(self) -> Iterator[str]:
        rota = self.rota
        yield '<tr class="rota__open"><th scope="row" class="rota__person">'
        yield escape(_("Open shifts"))
        yield '<span class="muted rota__meta">' + escape(_("anyone qualified can claim"))
        yield "</span></th>"
        yield from self._cells(rota.open_row, None, self.labels["open"])
        yield '<td class="rota__total">—</td>'
        if self.show_cost:
            yield '<td class="rota__total">—</td>'
        yield "</tr>"
        for row in rota.rows:
            assert row.membership is not None  # noqa: S101 (only the open row has none)
            name = row.membership.user.display_name
            yield '<tr><th scope="row" class="rota__person">' + escape(name)
            if row.contracted_hours:
                contract = _("%(hours)s h contract") % {"hours": hours(row.contracted_hours)}
                yield '<span class="muted rota__meta">' + escape(contract) + "</span>"
            yield "</th>"
            yield from self._cells(row, str(row.membership.pk), name)
            over = row.contracted_hours is not None and row.hours > row.contracted_hours
            yield f'<td class="rota__total{" is-over" if over else ""}">{hours(row.hours)}</td>'
            if self.show_cost:
                yield f'<td class="rota__total">{escape(money(row.cost, self.currency))}</td>'
            yield "</tr>"

    def _cells(self, row: Row, member_id: str | None, name: str) -> Iterator[str]:
        for cell in row.cells:
            yield from self._cell(cell, member_id, name)

    def _cell(self, cell: Cell, member_id: str | None, name: str) -> Iterator[str]:
        iso, long_day = self.days[cell.date]
        yield (f'<td class="rota__cell" data-drop-date="{iso}" '
               f'data-drop-member="{member_id or ""}">')  # fmt: skip
        for card in cell.cards:
            yield self._chip(card)
        query = f"?date={iso}" + (f"&membership={member_id}" if member_id else "")
        url = escape(self.new_url + query + self.new_query, quote=True)
        label = _("Add a shift on %(day)s for %(name)s") % {"day": long_day, "name": name}
        yield (f'<button type="button" class="cell-add" hx-get="{url}" '
               f'hx-target="#shift-dialog-body" data-dialog-open="shift-dialog">+'
               f'<span class="visually-hidden"> {escape(label)}</span></button></td>')  # fmt: skip

    def _chip(self, card: ShiftCard) -> str:
        shift = card.shift
        pk = str(shift.pk)
        classes = f"shift shift--{shift.position.colour}"
        if shift.status == shift.Status.DRAFT:
            classes += " shift--draft"
        if card.hard:
            classes += " shift--blocked"
        elif card.violations:
            classes += " shift--warned"
        described = f' aria-describedby="v-{pk}"' if card.violations else ""
        times = f"{_hhmm(card.start)}\u2013{_hhmm(card.end)}"
        if card.crosses_midnight:
            times += f'<abbr title="{self.labels["next_day"]}">+1</abbr>'
        where = escape(shift.position.name)
        if self.show_site:
            where += " · " + escape(shift.site.name)
        parts = [
            f'<button type="button" class="{classes}" draggable="true" data-shift="{pk}" '
            f'data-version="{shift.version}" data-move-url="{pk.join(self.move_url)}" '
            f'hx-get="{pk.join(self.edit_url)}" hx-target="#shift-dialog-body" '
            f'data-dialog-open="shift-dialog"{described}>',
            f'<span class="shift__time">{times}</span>',
            f'<span class="shift__position">{where}</span>',
        ]
        if shift.status == shift.Status.DRAFT:
            parts.append(f'<span class="shift__tag">{self.labels["draft"]}</span>')
        if card.violations:
            parts.append(f'<span class="shift__flag" aria-hidden="true">⚠ {len(card.violations)}'
                         "</span>")  # fmt: skip
            said = " ".join(
                f"{self.labels['blocks'] if v.hard else self.labels['warning']} {escape(v.message)}"
                for v in card.violations
            )
            parts.append(f'<span class="visually-hidden" id="v-{pk}">{said}</span>')
        parts.append("</button>")
        return "".join(parts)


def _hhmm(moment: dt.datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"
