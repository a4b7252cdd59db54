"""The rota: the week grid, shift dialogs (htmx), moving, copying, clearing and publishing a
week, and the payroll export. Every page here needs "build rota" (publishing: "publish rota";
payroll: "export payroll"), and sees only the sites the member schedules."""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.events import Event, emit
from scheduling import time as scheduling_time
from scheduling.access import sites_for_member
from scheduling.fields import FIRST_DAY, LAST_DAY
from scheduling.models import Position, Shift, Site
from scheduling.rota import cache as rota_cache
from scheduling.rota import payroll as rota_payroll
from scheduling.rota import selectors as rota_selectors
from scheduling.rota import services
from scheduling.rota.forms import DayForm, PayrollForm, PublishForm, ShiftForm, WeekForm
from scheduling.rota.html import CSRF_SLOT, GRID_SLOT, RotaGrid, RotaPage, RotaRows
from scheduling.rota.payroll import csv_download
from scheduling.rules import checks as rules_checks
from tenancy.access import tenant_object_get_or_404
from tenancy.forms import add_service_errors
from tenancy.http import TenantRequest, require_permission, tenant_reverse, tenant_view
from tenancy.models import Membership
from tenancy.permissions import Permission

PAYROLL_COLUMNS = [
    "employee_id", "employee", "date", "site", "position", "shifts", "scheduled_hours",
    "break_minutes", "paid_hours", "hourly_rate", "cost", "currency",
]  # fmt: skip


def _week_params(
    request: TenantRequest, *, strict: bool = False
) -> tuple[dt.date, uuid.UUID | None, uuid.UUID | None]:
    """The week, site and position asked for. A query string that does not parse shows this
    week at every site; with `strict` (an action, not a view) it is a 404 instead."""
    form = WeekForm(request.GET)
    if not form.is_valid():
        if strict:
            raise Http404
        return scheduling_time.week_start_of(scheduling_time.today_in(request.tenant)), None, None
    week = form.cleaned_data["week"] or scheduling_time.today_in(request.tenant)
    return (
        scheduling_time.week_start_of(week),
        form.cleaned_data["site"],
        form.cleaned_data["position"],
    )


def rota_url(
    request: TenantRequest,
    week: dt.date,
    site: Any = None,
    position: Any = None,
    *,
    view: str = "rota",
) -> str:
    query = {"week": week.isoformat()}
    if site:
        query["site"] = str(site)
    if position:
        query["position"] = str(position)
    return f"{tenant_reverse(view, request.tenant.slug)}?{urlencode(query)}"


# A large company's week comes in parts, so that the page is quick to show: the page brings
# the rows of the first ROWS_AT_ONCE people (a few screens), and when the table scrolls to
# their end, one more request brings the rows of up to ROWS_AFTER more, reading only their
# shifts (in all, the whole week takes little more work than in one request).
ROWS_AT_ONCE = 60


ROWS_AFTER = 300


def _rows_shown(asked: int) -> int:
    """At least `asked` people's rows, counted as the page and its loads bring them (the first
    ROWS_AT_ONCE, then ROWS_AFTER at a time): so that any count is one of a few cached weeks."""
    if asked <= ROWS_AT_ONCE:
        return ROWS_AT_ONCE
    return ROWS_AT_ONCE + math.ceil((asked - ROWS_AT_ONCE) / ROWS_AFTER) * ROWS_AFTER


def _number(request: TenantRequest, name: str) -> int:
    """A count from the query string: a whole number of at most six digits, else 0."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) <= 6 else 0


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def rota(request: TenantRequest) -> HttpResponse:
    """The week: people as rows, days as columns; the totals and counts are the whole week's,
    the rows of the first ROWS_AT_ONCE people come with it (?rows=N: N, when htmx refreshes
    the grid with more loaded) and rota_rows sends the rest. htmx refreshes only the grid.
    The page's content is reused while nothing it shows has changed (scheduling/rota/cache.py):
    only the layout around it is rendered per request."""
    week, site_id, position_id = _week_params(request)
    shown = _rows_shown(_number(request, "rows"))
    membership = request.membership
    show_cost = membership.has(Permission.VIEW_PERSONAL_DATA)
    # What the content shows besides the week: the buttons these permissions give.
    can_publish = membership.has(Permission.PUBLISH_ROTA)
    can_manage = membership.has(Permission.MANAGE_SETTINGS)

    def build() -> RotaPage:
        rota_week = rota_selectors.rota_week(
            membership, week, site_id=site_id, position_id=position_id, rows=slice(0, shown)
        )
        grid = RotaGrid.of(
            rota_week, _rota_rows(request, rota_week, show_cost, site=site_id, position=position_id)
        )
        today = scheduling_time.today_in(request.tenant)
        context = {
            "rota": grid.rota,
            "rows": grid,
            # The day view opens on today when today is in this week, else on its Monday.
            "day_view_date": today
            if 0 <= (today - grid.rota.week_start).days < 7
            else grid.rota.week_start,
            "show_cost": show_cost,
            "here": rota_url(request, week, site_id, position_id),
            "previous_url": rota_url(request, grid.rota.previous_week, site_id, position_id),
            "next_url": rota_url(request, grid.rota.next_week, site_id, position_id),
            "today_url": rota_url(request, today, site_id, position_id),
            "tenant_slug": request.tenant.slug,
            "can_publish": can_publish,
            "can_manage": can_manage,
            "csrf_token": CSRF_SLOT,
        }
        # Kept for every viewer with the same key: rendered from this context alone (all in the
        # key), without the request, so without the person, the session or the messages.
        grid_html = render_to_string("scheduling/rota/partials/grid.html", context)
        context["grid_html"] = GRID_SLOT
        content = render_to_string("scheduling/rota/partials/page.html", context)
        return RotaPage.of(grid.rota.week_start, content, grid_html)

    what = ("page", week, site_id, position_id, shown, show_cost, can_publish, can_manage)
    page = rota_cache.reuse_or_build(
        tenant=request.tenant, membership=membership, what=what, build=build, week=week
    )
    if getattr(request, "htmx", None) and request.htmx.target == "rota-grid":  # type: ignore[attr-defined]
        return HttpResponse(page.grid_alone(request))
    context = {"week_start": page.week_start, "content": page.content(request)}
    return TemplateResponse(request, "scheduling/rota/rota.html", context)


def _rota_rows(
    request: TenantRequest,
    rota_week: rota_selectors.RotaWeek,
    show_cost: bool,
    *,
    site: Any,
    position: Any,
) -> RotaRows:
    """The rows of `rota_week`, the week and filters as the request asked for them."""
    rows_url = rota_url(request, rota_week.week_start, site, position, view="rota-rows")
    return RotaRows(rota_week, tenant_slug=request.tenant.slug, show_cost=show_cost,
                    rows_url=rows_url)  # fmt: skip


@dataclass
class Bar:
    """A shift on the day timeline: its card, and where it lies in the day, in minutes from
    midnight on the site's clock (a shift that ends the next day stops at 24:00 here)."""

    card: rota_selectors.ShiftCard
    starts: int
    ends: int
    next_day: bool
    # Overlapping bars of one line sit side by side: this bar's lane of the line's `lanes`.
    lane: int = 0
    lanes: int = 1


def _bars(cards: list[rota_selectors.ShiftCard]) -> list[Bar]:
    """The cards (in start order) as bars, each overlapping group laid out in lanes: a bar takes
    the first lane free at its start, and every bar of the group knows how many lanes it has."""
    bars: list[Bar] = []
    group: list[Bar] = []
    lane_ends: list[int] = []  # the end of the last bar in each lane of the current group
    group_end = -1

    def close_group() -> None:
        for bar in group:
            bar.lanes = len(lane_ends)

    for card in cards:
        starts = card.start.hour * 60 + card.start.minute
        next_day = card.crosses_midnight
        ends = max(24 * 60 if next_day else card.end.hour * 60 + card.end.minute, starts + 1)
        if starts >= group_end:  # overlaps nothing before it: a new group
            close_group()
            group, lane_ends = [], []
        lane = next((i for i, end in enumerate(lane_ends) if end <= starts), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(ends)
        else:
            lane_ends[lane] = ends
        bar = Bar(card=card, starts=starts, ends=ends, next_day=next_day, lane=lane)
        group.append(bar)
        bars.append(bar)
        group_end = max(group_end, ends)
    close_group()
    return bars


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def rota_day(request: TenantRequest) -> HttpResponse:
    """One day as a timeline: a line per person working that day (and the open shifts'), each
    shift a bar from its start to its end on the site's clock, linked to the shift."""
    form = DayForm(request.GET)
    today = scheduling_time.today_in(request.tenant)
    day, site_id, position_id = today, None, None
    if form.is_valid():
        day = form.cleaned_data["date"] or today
        site_id, position_id = form.cleaned_data["site"], form.cleaned_data["position"]
    rota_week = rota_selectors.rota_week(
        request.membership, day, site_id=site_id, position_id=position_id, judge_everyone=False
    )
    index = (day - rota_week.week_start).days
    lines = [(row.name, _bars(row.days[index])) for row in rota_week.rows if row.days[index]]
    open_bars = _bars(rota_week.open_row.days[index])

    def day_url(date: dt.date) -> str:
        query: dict[str, str] = {"date": date.isoformat()}
        if site_id:
            query["site"] = str(site_id)
        if position_id:
            query["position"] = str(position_id)
        return f"{tenant_reverse('rota-day', request.tenant.slug)}?{urlencode(query)}"

    context = {
        "rota": rota_week,
        "day": day,
        "lines": lines,
        "open_bars": open_bars,
        "hours": range(0, 24, 3),
        "previous_url": day_url(day - dt.timedelta(days=1)),
        "next_url": day_url(day + dt.timedelta(days=1)),
        "today_url": day_url(today),
        "week_url": rota_url(request, rota_week.week_start, site_id, position_id),
    }
    return TemplateResponse(request, "scheduling/rota/day.html", context)


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def rota_rows(request: TenantRequest) -> HttpResponse:
    """The rota's rows of up to ROWS_AFTER more people from ?offset= (the same week and filters
    as the page's), then the row that asks for the next ones, if any: table rows for htmx to
    swap in. The offsets the page asks for are reused like the page (rota_cache)."""
    week, site_id, position_id = _week_params(request)
    offset = _number(request, "offset")
    show_cost = request.membership.has(Permission.VIEW_PERSONAL_DATA)
    held = rota_cache.Held()  # whose rows these are (for the cache), as build finds them

    def build() -> str:
        rota_week = rota_selectors.rota_week(
            request.membership, week, site_id=site_id, position_id=position_id,
            rows=slice(offset, offset + ROWS_AFTER), judge_everyone=False, rows_only=True,
        )  # fmt: skip
        held.rows_of(request.membership, rota_week)
        return _rota_rows(request, rota_week, show_cost, site=site_id, position=position_id).html()

    if offset != 0 and offset != _rows_shown(offset):
        return HttpResponse(build())  # not an offset the page asks for: nothing to keep
    html = rota_cache.reuse_or_build(
        tenant=request.tenant, membership=request.membership,
        what=("rows", week, site_id, position_id, offset, show_cost), build=build,
        week=week, held=held,
    )  # fmt: skip
    return HttpResponse(html)


def _form_lists(request: TenantRequest) -> tuple[list[Site], list[Position], list[Membership]]:
    sites = list(sites_for_member(request.membership))
    positions = list(Position.objects.filter(tenant=request.tenant).order_by("name"))
    members = list(
        Membership.objects.filter(tenant=request.tenant, status=Membership.Status.ACTIVE)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    return sites, positions, members


def _shift_for_member_or_404(request: TenantRequest, shift_id: str) -> Shift:
    """One of the tenant's shifts at a site the member schedules; 404 for any other."""
    shift = tenant_object_get_or_404(Shift, tenant=request.tenant, id=shift_id)
    if not sites_for_member(request.membership).filter(pk=shift.site_id).exists():
        raise Http404
    return shift


def _initial_from(shift: Shift) -> dict[str, Any]:
    import zoneinfo

    zone = zoneinfo.ZoneInfo(shift.site.time_zone)
    start, end = shift.start_at.astimezone(zone), shift.end_at.astimezone(zone)
    return {
        "site": str(shift.site_id), "position": str(shift.position_id),
        "membership": str(shift.membership_id or ""), "date": start.date(),
        "start_time": start.time(), "end_time": end.time(),
        "ends_next_day": end.date() > start.date(), "break_minutes": shift.break_minutes,
        "notes": shift.notes, "version": shift.version, "locked": shift.locked,
    }  # fmt: skip


def _changed(message: str) -> HttpResponse:
    """The answer to a successful htmx change: no content, and an event that closes the dialog,
    refreshes the grid and announces `message`."""
    response = HttpResponse(status=204)
    response["HX-Trigger"] = json.dumps({"rota-changed": {"message": message}})
    return response


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def shift_new(request: TenantRequest) -> HttpResponse:
    """The new-shift dialog, pre-filled from the cell clicked (date, person, site) or from a
    shift being duplicated (?copy=<id>)."""
    initial: dict[str, Any] = {"start_time": dt.time(9), "end_time": dt.time(17),
                               "break_minutes": 30}  # fmt: skip
    copy_of = request.GET.get("copy")
    if copy_of:
        source = _shift_for_member_or_404(request, copy_of)
        initial = _initial_from(source) | {"version": None}
    for key in ("date", "membership", "site", "position"):
        if request.GET.get(key):
            initial[key] = request.GET[key]
    return _shift_form(request, None, initial)


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def shift_edit(request: TenantRequest, shift_id: str) -> HttpResponse:
    shift = _shift_for_member_or_404(request, shift_id)
    return _shift_form(request, shift, _initial_from(shift))


def _shift_form(
    request: TenantRequest, shift: Shift | None, initial: dict[str, Any]
) -> HttpResponse:
    sites, positions, members = _form_lists(request)
    form = ShiftForm(sites, positions, members, request.POST or None, initial=initial)
    blocked: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.shift_save(
                tenant=request.tenant, actor=request.membership, shift=shift,
                data=services.ShiftInput(
                    site=data["site_object"], position=data["position_object"],
                    membership=data["membership_object"], start_at=data["start_at"],
                    end_at=data["end_at"], break_minutes=data["break_minutes"],
                    notes=data["notes"], locked=data["locked"],
                ),
                version=data.get("version"), override_reason=data.get("override_reason", ""),
            )  # fmt: skip
        except services.RulesBlockedError as error:
            blocked = [v for found in error.violations.values() for v in found]
            form.add_error(None, error.messages[0])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            message = _("Shift saved.") if shift else _("Shift added.")
            broken = rules_checks.shift_violations(request.tenant, saved)
            if broken:
                return _saved_with_breaks(request, saved, broken, message)
            if request.htmx:  # type: ignore[attr-defined]
                return _changed(message)
            messages.success(request, message)
            return redirect(_back_to_rota(request, saved))
    violations = []
    if shift is not None and not form.is_bound:
        violations = rules_checks.shift_violations(request.tenant, shift)
    context = {"form": form, "shift": shift, "blocked": blocked, "violations": violations,
               "can_override": request.membership.has(Permission.OVERRIDE_RULES),
               "in_dialog": bool(request.htmx),  # type: ignore[attr-defined]
               "back_to_day": request.GET.get("back") == "day"}  # fmt: skip
    if request.htmx:  # type: ignore[attr-defined]
        response = TemplateResponse(request, "scheduling/rota/partials/shift_form.html", context)
        if form.errors:  # errors go back into the dialog, which stays open
            response["HX-Retarget"] = "#shift-dialog-body"
            response["HX-Reswap"] = "innerHTML"
        return response
    return TemplateResponse(request, "scheduling/rota/shift_page.html", context,
                            status=400 if form.errors else 200)  # fmt: skip


def _saved_with_breaks(
    request: TenantRequest, saved: Shift, broken: list[Any], message: str
) -> HttpResponse:
    """The shift is saved, but it breaks rules: say which and why, and offer to change it or
    keep it as it is (a draft that blocks publishing until it is fixed). In the dialog, the
    grid behind refreshes while the dialog stays open."""
    hard = any(v.hard for v in broken)
    if not request.htmx:  # type: ignore[attr-defined]
        reasons = " ".join(v.message for v in broken)
        messages.warning(request, f"{message} {reasons}")
        return redirect(_back_to_rota(request, saved))
    context = {"shift": saved, "violations": broken, "hard": hard, "message": message}
    response = TemplateResponse(request, "scheduling/rota/partials/shift_saved.html", context)
    response["HX-Retarget"] = "#shift-dialog-body"
    response["HX-Reswap"] = "innerHTML"
    response["HX-Trigger"] = json.dumps({"rota-refresh": {}})
    return response


def _back_to_rota(request: TenantRequest, shift: Shift) -> str:
    """Where a change made on its own page (no script, or from the day view on a phone) goes
    back to: the shift's week on the rota, or its day when it came from the day view
    (?back=day)."""
    day = scheduling_time.local_date(shift, {shift.site_id: _zone(shift)})
    if request.GET.get("back") == "day":
        return f"{tenant_reverse('rota-day', request.tenant.slug)}?date={day.isoformat()}"
    return rota_url(request, day)


def _zone(shift: Shift) -> Any:
    import zoneinfo

    return zoneinfo.ZoneInfo(shift.site.time_zone)


def _version(request: TenantRequest) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _htmx_error(request: TenantRequest, message: str, fallback: str) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps({"rota-error": {"message": message}})
        return response
    messages.error(request, message)
    return redirect(fallback)


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def shift_move(request: TenantRequest, shift_id: str) -> HttpResponse:
    """Drag and drop: POST membership ("" for open) and date. The keyboard way is the shift
    dialog, whose employee and date fields do the same."""
    shift = _shift_for_member_or_404(request, shift_id)  # first: another's id is a 404
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    fallback = _back_to_rota(request, shift)
    member_id = request.POST.get("membership", "")
    membership = None
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
        if member_id:
            membership = Membership.objects.filter(
                tenant=request.tenant, pk=uuid.UUID(member_id), status=Membership.Status.ACTIVE
            ).first()
            if membership is None:
                raise ValueError(member_id)
    except ValueError:
        return _htmx_error(request, _("Choose a day and a person on the rota."), fallback)
    try:
        services.shift_move(tenant=request.tenant, actor=request.membership, shift=shift,
                            membership=membership, day=day, version=_version(request))  # fmt: skip
    except ValidationError as error:
        return _htmx_error(request, " ".join(error.messages), fallback)
    if request.htmx:  # type: ignore[attr-defined]
        return _changed(_("Shift moved."))
    return redirect(fallback)


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def shift_delete(request: TenantRequest, shift_id: str) -> HttpResponse:
    shift = _shift_for_member_or_404(request, shift_id)
    if request.method != "POST":
        in_dialog = bool(request.htmx)  # type: ignore[attr-defined]
        shift = Shift.objects.select_related("site", "position").get(pk=shift.pk)
        partial = "scheduling/rota/partials/shift_delete.html"
        return TemplateResponse(
            request, partial if in_dialog else "scheduling/rota/shift_page.html",
            {"shift": shift, "in_dialog": in_dialog, "template_name": partial},
        )  # fmt: skip
    fallback = _back_to_rota(request, shift)
    try:
        services.shift_delete(tenant=request.tenant, actor=request.membership, shift=shift,
                              version=_version(request))  # fmt: skip
    except ValidationError as error:
        return _htmx_error(request, " ".join(error.messages), fallback)
    if request.htmx:  # type: ignore[attr-defined]
        return _changed(_("Shift deleted."))
    messages.success(request, _("Shift deleted."))
    return redirect(fallback)


def _post_week(request: TenantRequest) -> tuple[dt.date, Site | None]:
    try:
        week = dt.date.fromisoformat(request.POST.get("week", ""))
    except ValueError:
        raise Http404 from None
    if not FIRST_DAY <= week <= LAST_DAY:  # a week after 9999-12-31 cannot be computed
        raise Http404
    site = None
    if request.POST.get("site"):
        site = tenant_object_get_or_404(Site, tenant=request.tenant, id=request.POST["site"])
    return scheduling_time.week_start_of(week), site


def _week_action(
    request: TenantRequest, act: Callable[[dt.date, Site | None], str]
) -> HttpResponse:
    """POST week (and site): run `act`, show the message it returns (or the refusal), and go
    back to that week of the rota."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    week, site = _post_week(request)
    try:
        messages.success(request, act(week, site))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(rota_url(request, week, site.pk if site else None))


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def week_copy(request: TenantRequest) -> HttpResponse:
    def copy(week: dt.date, site: Site | None) -> str:
        result = services.week_copy_previous(
            tenant=request.tenant, actor=request.membership, week_start=week, site=site
        )
        message = ngettext(
            "%(count)d shift copied from the previous week as a draft.",
            "%(count)d shifts copied from the previous week as drafts.", result.created,
        ) % {"count": result.created}  # fmt: skip
        if result.skipped:
            message += " " + _(
                "%(count)d were not copied: the clock change would move or stretch them."
            ) % {"count": result.skipped}  # fmt: skip
        return message

    return _week_action(request, copy)


@tenant_view
@require_permission(Permission.BUILD_ROTA)
def week_clear(request: TenantRequest) -> HttpResponse:
    def clear(week: dt.date, site: Site | None) -> str:
        count = services.week_clear_drafts(
            tenant=request.tenant, actor=request.membership, week_start=week, site=site
        )
        return ngettext(
            "%(count)d draft shift deleted.", "%(count)d draft shifts deleted.", count
        ) % {"count": count}

    return _week_action(request, clear)


@tenant_view
@require_permission(Permission.PUBLISH_ROTA)
def week_publish(request: TenantRequest) -> HttpResponse:
    """Review the week's drafts and every rule break, then publish (all sites or one)."""
    # A forged week or site in a POST never falls back to this week at every site.
    week, site_id, _position = _week_params(request, strict=request.method == "POST")
    site = None
    if site_id:
        site = sites_for_member(request.membership).filter(pk=site_id).first()
        if site is None:  # not one of this company's sites, or not one the member schedules
            raise Http404
    form = PublishForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            publication = services.week_publish(
                tenant=request.tenant, actor=request.membership, week_start=week, site=site,
                override_reason=form.cleaned_data["override_reason"],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, ngettext(
                "%(count)d shift published. Everyone concerned is being told their shifts.",
                "%(count)d shifts published. Everyone concerned is being told their shifts.",
                publication.shift_count,
            ) % {"count": publication.shift_count})  # fmt: skip
            return redirect(rota_url(request, week, site_id))
    drafts = services.week_drafts(
        tenant=request.tenant, actor=request.membership, week_start=week, site=site
    )
    # What blocks: hard breaks on the drafts, and on published shifts that only break a rule
    # because of the drafts (listed separately, since they are not in the table of drafts).
    violations, blocking = rules_checks.publish_review(request.tenant, drafts)
    rows = [(shift, violations.get(shift.pk, [])) for shift in drafts]
    draft_ids = {shift.pk for shift in drafts}
    # Published shifts the drafts would break a rule for: named with their person and time.
    knock_on_ids = [pk for pk in blocking if pk not in draft_ids]
    published = {
        s.pk: s
        for s in Shift.objects.filter(tenant=request.tenant, pk__in=knock_on_ids).select_related(
            "membership__user", "site", "position"
        )
    } if knock_on_ids else {}  # fmt: skip
    knock_on = [(published[pk], blocking[pk]) for pk in knock_on_ids if pk in published]
    context = {
        "form": form, "week": week, "site": site, "rows": rows, "knock_on": knock_on,
        "hard": sum(len(found) for found in blocking.values()),
        "soft": sum(1 for _s, found in rows for v in found if not v.hard),
        "can_override": request.membership.has(Permission.OVERRIDE_RULES),
        "back_url": rota_url(request, week, site_id),
        "zones": {s.site_id: _zone(s) for s in drafts},
    }  # fmt: skip
    return TemplateResponse(request, "scheduling/rota/publish.html", context,
                            status=400 if form.errors else 200)  # fmt: skip


@tenant_view
@require_permission(Permission.EXPORT_PAYROLL)
def payroll(request: TenantRequest) -> HttpResponse | StreamingHttpResponse:
    """The payroll export form; with dates, a CSV of scheduled hours, breaks and cost per
    employee and day (published shifts only), streamed, and audited."""
    form = PayrollForm(request.GET or None)
    if not form.is_valid():
        return TemplateResponse(request, "scheduling/rota/payroll.html", {"form": form},
                                status=400 if form.errors else 200)  # fmt: skip
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    with_pay = request.membership.has(Permission.VIEW_PERSONAL_DATA)
    rows = rota_payroll.payroll_rows(request.membership, start, end, with_pay=with_pay)
    emit(Event.PAYROLL_EXPORTED, tenant=request.tenant, user=request.user, request=request,
         data={"from": start.isoformat(), "to": end.isoformat()})  # fmt: skip

    name = f"payroll-{request.tenant.slug}-{start.isoformat()}-{end.isoformat()}.csv"
    return csv_download(name, PAYROLL_COLUMNS, rows)
