"""The rota grid's rows, rendered in Python.

A busy week is 300 rows x 7 days and 2,000 shift chips; through the template engine (a lookup,
a filter and a URL reversal per attribute) that alone took most of a second. Here every label
is translated and every name escaped once per request, and each chip and cell carries only what
differs from the next: the shift's id and version, the person's id once per row, each day's date
once in its column's header. The table names the URLs (`urls`), and static/js/parim.js builds a
shift's dialog, move and new-shift requests from them. The page around the rows stays a template
(scheduling/rota/partials/grid.html), and RotaPage keeps the page's content rendered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from scheduling.rota.selectors import RotaSummary, RotaWeek, Row, ShiftCard
from scheduling.templatetags.scheduling import hours, money
from tenancy.http import tenant_reverse

PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


NAME = "\x00"  # stands for a person's name in a translated sentence, split around it once


class RotaRows:
    """The rows of `rota`: the open shifts' with the first people, then theirs, then, when more
    people follow, a row that loads them from `rows_url` as it scrolls into view (htmx)."""

    def __init__(self, rota: RotaWeek, *, tenant_slug: str, show_cost: bool, rows_url: str) -> None:
        self.rota = rota
        self.show_cost = show_cost
        self.rows_url = rows_url
        self.currency = rota.settings.currency
        query = ""
        if rota.site:
            query += f"&site={rota.site.pk}"
        if rota.position:
            query += f"&position={rota.position.pk}"
        # What the table's data attributes hold; "{id}" stands for a shift's id.
        self.urls = {
            "shift": tenant_reverse("shift-edit", tenant_slug, shift_id=PLACEHOLDER),
            "move": tenant_reverse("shift-move", tenant_slug, shift_id=PLACEHOLDER),
            "new": tenant_reverse("shift-new", tenant_slug) + query.replace("&", "?", 1),
        }
        self.urls = {key: url.replace(PLACEHOLDER, "{id}") for key, url in self.urls.items()}
        self.show_site = rota.site is None and len(rota.sites) > 1
        self.draft = f'<span class="shift__tag">{escape(_("Draft"))}</span>'
        # A locked shift: a small mark, and its meaning for screen readers.
        self.locked = (
            '<span class="shift__lock" aria-hidden="true">\U0001f512</span>'
            f'<span class="visually-hidden">{escape(_("Locked"))}</span>'
        )
        self.blocks = escape(_("Blocks publishing:"))
        self.warning = escape(_("Warning:"))
        self.contract = _("%(hours)s h contract")  # translated once, not for every row
        self.next_day = f'<abbr title="{escape(_("ends the next day"))}">+1</abbr>'
        # "Add a shift on <day> for <name>", translated once per day, split around the name.
        sentence = _("Add a shift on %(day)s for %(name)s")
        self.add: list[tuple[str, str]] = []
        for day in rota.days:
            before, _name, after = (
                sentence % {"day": date_format(day.date, "l j F"), "name": NAME}
            ).partition(NAME)
            self.add.append((
                '<button class="cell-add">+<span class="visually-hidden"> ' + escape(before),
                escape(after) + "</span></button></td>",
            ))  # fmt: skip
        # By the objects' identity: every card holds these very Position and Site objects.
        self.where = {
            (id(position), id(site)): escape(position.name)
            + (" · " + escape(site.name) if self.show_site else "")
            for position in rota.positions
            for site in rota.sites
        }

    def head(self) -> SafeString:
        """The header row: a column per day (today's marked), then the totals'."""
        cells = [f'<th scope="col" class="rota__person">{escape(_("Employee"))}</th>']
        for day in self.rota.days:
            today = ' class="is-today" aria-current="date"' if day.is_today else ""
            weekday, date = escape(date_format(day.date, "D")), escape(date_format(day.date, "j M"))
            cells.append(
                f'<th scope="col" data-date="{day.date.isoformat()}"{today}>'
                f'<span class="rota__dow">{weekday}</span> {date}</th>'
            )
        cells.append(f'<th scope="col" class="rota__total">{escape(_("Hours"))}</th>')
        if self.show_cost:
            cells.append(f'<th scope="col" class="rota__total">{escape(_("Cost"))}</th>')
        return mark_safe(f"<tr>{''.join(cells)}</tr>")  # noqa: S308 (every value is escaped)

    def foot(self) -> SafeString:
        """The totals row: each day's hours (and cost), then the week's."""
        rota, currency = self.rota, self.currency
        cells = [f'<th scope="row">{escape(_("Total"))}</th>']
        for day in rota.days:
            cost = ""
            if self.show_cost:
                cost = f'<br><span class="muted">{escape(money(day.cost, currency))}</span>'
            cells.append(f"<td>{hours(day.hours)} h{cost}</td>")
        cells.append(f'<td class="rota__total"><strong>{hours(rota.hours)} h</strong></td>')
        if self.show_cost:
            total = escape(money(rota.cost, currency))
            cells.append(f'<td class="rota__total"><strong>{total}</strong></td>')
        return mark_safe(f"<tr>{''.join(cells)}</tr>")  # noqa: S308 (every value is escaped)

    def html(self) -> SafeString:
        rota = self.rota
        parts = [self._open_row()] if rota.first == 0 else []
        parts.extend(map(self._row, rota.rows))
        if rota.rest > 0:
            parts.append(self._more(rota.first + len(rota.rows)))
        return mark_safe("".join(parts))  # noqa: S308 (every value is escaped)

    def _more(self, offset: int) -> str:
        """The row standing for the people from `offset` on, which htmx replaces with theirs
        when it scrolls into view (or when the page asks for every row, to print)."""
        url = escape(f"{self.rows_url}&offset={offset}")
        columns = 10 if self.show_cost else 9
        text = escape(_("Loading the next people…"))
        return (
            f'<tr class="rota__more" hx-get="{url}" hx-trigger="revealed, rota-more" '
            f'hx-swap="outerHTML"><td colspan="{columns}" class="muted">{text}</td></tr>'
        )

    def _open_row(self) -> str:
        total = '<td class="rota__total">—</td>'
        return (
            '<tr class="rota__open" data-member=""><th scope="row" class="rota__person">'
            f'{escape(_("Open shifts"))}<span class="muted rota__meta">'
            f"{escape(_('anyone qualified can claim'))}</span></th>"
            f"{self._cells(self.rota.open_row, escape(_('an open shift')))}"
            f"{total}{total if self.show_cost else ''}</tr>"
        )

    def _row(self, row: Row) -> str:
        name = escape(row.name)
        meta = ""
        if row.contracted_hours:
            contract = self.contract % {"hours": hours(row.contracted_hours)}
            meta = f'<span class="muted rota__meta">{escape(contract)}</span>'
        contracted = row.contracted_hours
        over = " is-over" if contracted is not None and row.hours > contracted else ""
        cost = ""
        if self.show_cost:
            cost = f'<td class="rota__total">{escape(money(row.cost, self.currency))}</td>'
        return (
            f'<tr data-member="{row.member_id}"><th scope="row" class="rota__person">{name}{meta}'
            f'</th>{self._cells(row, name)}<td class="rota__total{over}">{hours(row.hours)}</td>'
            f"{cost}</tr>"
        )

    def _cells(self, row: Row, name: str) -> str:
        chip = self._chip
        if row.away is not None:  # leave or unavailability shows first in its days' cells
            return "".join([
                f"<td>{''.join(map(self._away, away))}{''.join(map(chip, cards))}"
                f"{before}{name}{after}"
                for (before, after), cards, away in zip(self.add, row.days, row.away, strict=True)
            ])  # fmt: skip
        return "".join([
            f"<td>{''.join(map(chip, cards))}{before}{name}{after}" if cards
            else f"<td>{before}{name}{after}"
            for (before, after), cards in zip(self.add, row.days, strict=True)
        ])  # fmt: skip

    @staticmethod
    def _away(mark: tuple[str, str]) -> str:
        kind, label = mark
        return f'<span class="away away--{kind}">{escape(label)}</span>'

    def _chip(self, card: ShiftCard) -> str:
        pk = card.id
        classes = "shift shift--" + card.position.colour
        if card.draft:
            classes += " shift--draft"
        described = ""
        said = ""
        if card.violations:
            classes += " shift--blocked" if card.hard else " shift--warned"
            described = f' aria-describedby="v-{pk}"'
            # The reasons: read out with the chip (aria-describedby), and shown beside it on
            # hover and keyboard focus (static/css: .shift__why).
            said = (
                f'<span class="shift__flag" aria-hidden="true">⚠ {len(card.violations)}</span>'
                f'<span class="shift__why" id="v-{pk}" role="tooltip">'
                + "".join(
                    f'<span class="shift__why-line"><strong>'
                    f"{self.blocks if v.hard else self.warning}</strong> {escape(v.message)}</span>"
                    for v in card.violations
                )
                + "</span>"
            )
        start, end = card.start, card.end
        times = f"{start.hour:02d}:{start.minute:02d}\u2013{end.hour:02d}:{end.minute:02d}"
        if end.day != start.day:
            times += self.next_day
        return (
            f'<button class="{classes}" draggable="true" data-shift="{pk}" '
            f'data-version="{card.version}"{described}><span class="shift__time">{times}</span>'
            f'<span class="shift__position">{self.where[id(card.position), id(card.site)]}</span>'
            f"{self.draft if card.draft else ''}{self.locked if card.locked else ''}{said}</button>"
        )


@dataclass(frozen=True)
class RotaGrid:
    """The rota page's grid, rendered: the summary around it and the table's header, rows and
    totals as HTML, for scheduling/rota/partials/grid.html (no per-person or per-session value
    such as a CSRF token is in it)."""

    rota: RotaSummary
    head: SafeString
    html: SafeString
    foot: SafeString
    urls: dict[str, str]

    @classmethod
    def of(cls, rota: RotaWeek, rows: RotaRows) -> RotaGrid:
        return cls(
            rota=rota.summary(), head=rows.head(), html=rows.html(), foot=rows.foot(),
            urls=rows.urls,
        )  # fmt: skip


# Where each form's CSRF token goes in a kept page: the token is the session's, so it is filled
# in per request. A NUL character cannot come from any saved value (PostgreSQL's text refuses
# it, and Django's forms refuse it too), so only the CSRF tag writes it.
CSRF_SLOT = mark_safe("\x00csrf\x00")


# Where the grid goes in the kept content: kept once, not twice (alone too, for htmx's refresh).
GRID_SLOT = mark_safe("\x00grid\x00")


@dataclass(frozen=True)
class RotaPage:
    """The rota page's main content, rendered, with CSRF_SLOT for each form's token: what
    scheduling/rota/cache.py keeps for a week. The grid is kept once, alone (htmx refreshes it
    by itself), with the content before and after it (`after` None: the content has no grid,
    as when there are no sites)."""

    week_start: dt.date  # for the page's title; plain values only, quick to unpickle
    before: str
    grid: str
    after: str | None

    @classmethod
    def of(cls, week_start: dt.date, content: str, grid: str) -> RotaPage:
        """From `content` rendered with GRID_SLOT where the grid goes (at most once)."""
        before, *rest = content.split(GRID_SLOT)
        if len(rest) > 1:
            raise ValueError("the rota's content shows its grid more than once")
        return cls(week_start, before, grid, rest[0] if rest else None)

    def content(self, request: HttpRequest) -> SafeString:
        whole = self.before if self.after is None else f"{self.before}{self.grid}{self.after}"
        return _filled(request, whole)

    def grid_alone(self, request: HttpRequest) -> SafeString:
        return _filled(request, self.grid)


def _filled(request: HttpRequest, html: str) -> SafeString:
    return mark_safe(html.replace(CSRF_SLOT, get_token(request)))  # noqa: S308 (rendered)
