"""The scheduling panels of the home page (tenancy.home): a manager's today and tomorrow per
site, approvals waiting, weeks still in draft; an employee's next shift, this week, requests
and leave. Each reads a fixed number of queries, whatever the size of the company."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from scheduling.access import sites_for_member
from scheduling.columns import Epoch, UuidText, any_id
from scheduling.leave.selectors import allowance_of
from scheduling.marketplace.selectors import claims_waiting, swaps_waiting
from scheduling.models import LeaveRequest, Shift, ShiftClaim, ShiftSwap, Site, WorkProfile
from scheduling.rules.stored import stored_violations
from scheduling.templatetags.scheduling import times_text
from scheduling.time import WEEK, local_midnight, today_in, week_start_of
from tenancy.http import TenantRequest, tenant_reverse
from tenancy.models import Membership, Tenant
from tenancy.permissions import Permission

# How many people a day's list shows at one site before "and N more" (the day view has all).
PEOPLE_SHOWN = 8
# How many weeks ahead the drafts panel looks, this week included.
WEEKS_AHEAD = 4
# A day's margin either side, for sites in other time zones than the company's.
MARGIN = dt.timedelta(days=1)


def _sites(request: TenantRequest) -> list[Site]:
    """The sites the member schedules, read once per request for every panel."""
    cached: list[Site] | None = getattr(request, "_home_sites", None)
    if cached is None:
        cached = list(sites_for_member(request.membership))
        request._home_sites = cached  # type: ignore[attr-defined]
    return cached


@dataclass(frozen=True, slots=True)
class DayShift:
    """A shift as the panel shows it, in plain values: a large company has a thousand shifts
    over the days read, and model instances with their person, user and position cost more
    than the rest of the home page."""

    start: float  # seconds since 1970 (scheduling.columns.Epoch)
    end: float
    zone: zoneinfo.ZoneInfo  # its site's
    position: str
    member_id: str | None  # whose it is (as text); None for an open shift
    person: str = ""  # their name, for the shifts shown

    @property
    def times(self) -> str:
        """Like "22:00-06:00 (+1)", at its site."""
        zone = self.zone
        return times_text(dt.datetime.fromtimestamp(self.start, zone),
                          dt.datetime.fromtimestamp(self.end, zone))  # fmt: skip


@dataclass
class SiteDay:
    date: dt.date
    label: str
    on: list[DayShift] = field(default_factory=list)
    open: list[DayShift] = field(default_factory=list)
    drafts: int = 0

    @property
    def more(self) -> int:
        return max(0, len(self.on) - PEOPLE_SHOWN)

    @property
    def shown(self) -> list[DayShift]:
        return self.on[:PEOPLE_SHOWN]


def today_and_tomorrow(request: TenantRequest) -> Mapping[str, Any] | None:
    """Per site the member schedules: today's and tomorrow's published shifts (who is on),
    the open shifts (gaps) and how many drafts. Three queries: the sites, the shifts, and the
    names of the people shown (none when nobody is on). Read with the shifts, the names cost a
    look-up of a person and an account for every shift: at the bench's 300-employee company,
    about 900 shifts, 15 of the query's 24 ms."""
    sites = _sites(request)
    tenant = request.tenant
    today = today_in(tenant)
    days = [(today, _("Today")), (today + dt.timedelta(days=1), _("Tomorrow"))]
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    shifts = (
        Shift.objects.filter(
            tenant=tenant, site_id__in=[s.pk for s in sites],
            start_at__gte=local_midnight(today, zone) - MARGIN,
            start_at__lt=local_midnight(today + dt.timedelta(days=2), zone) + MARGIN,
        )
        .order_by("start_at", "id")
        .values_list("site_id", "status", Epoch("start_at"), Epoch("end_at"), "position__name",
                     UuidText("membership_id"))
    )  # fmt: skip
    zones = {s.pk: zoneinfo.ZoneInfo(s.time_zone) for s in sites}
    board = {s.pk: [SiteDay(date, label) for date, label in days] for s in sites}
    draft = Shift.Status.DRAFT
    for site_id, status, start, end, position, member_id in shifts if sites else ():
        site_zone = zones[site_id]
        day = (dt.datetime.fromtimestamp(start, site_zone).date() - today).days
        if not 0 <= day < len(days):
            continue
        slot = board[site_id][day]
        if status == draft:
            slot.drafts += 1
        elif member_id is None:  # nobody's: an open shift
            slot.open.append(DayShift(start, end, site_zone, position, None))
        else:
            slot.on.append(DayShift(start, end, site_zone, position, member_id))
    _name_the_shown([slot for slots in board.values() for slot in slots], tenant)
    return {
        "sites": [(site, board[site.pk]) for site in sites],
        "day_url": tenant_reverse("rota-day", tenant.slug),
        "today": today,
    }


def _name_the_shown(slots: list[SiteDay], tenant: Tenant) -> None:
    """Put the names of the people on the shifts shown (each day's first PEOPLE_SHOWN at each
    site) on those shifts: one query, none when nobody is shown."""
    wanted = {shift.member_id for slot in slots for shift in slot.shown}
    if not wanted:
        return
    people = Membership.objects.filter(any_id("id", wanted), tenant=tenant).values_list(
        UuidText("id"), "user__full_name", "user__email"
    )
    names = {member_id: full_name or email for member_id, full_name, email in people}
    for slot in slots:
        slot.on[:PEOPLE_SHOWN] = [
            replace(shift, person=names.get(cast(str, shift.member_id), "")) for shift in slot.shown
        ]


def waiting_for_you(request: TenantRequest) -> Mapping[str, Any] | None:
    """The approvals waiting for the member: leave requests (if they approve leave), claims on
    open shifts and swaps at the sites they schedule (if they publish the rota). One query
    for each kind they may decide; nothing for someone who decides nothing."""
    member, slug = request.membership, request.tenant.slug
    items = []
    if member.has(Permission.APPROVE_LEAVE):
        count = LeaveRequest.objects.filter(
            tenant=request.tenant, status=LeaveRequest.Status.PENDING
        ).count()
        items.append((_("Leave requests"), count, tenant_reverse("leave-requests", slug)))
    if member.has(Permission.PUBLISH_ROTA):
        claims = claims_waiting(member).count()
        swaps = swaps_waiting(member).count()
        items.append((_("Claims on open shifts"), claims, tenant_reverse("open-shifts", slug)))
        items.append((_("Shift swaps"), swaps, tenant_reverse("swaps", slug)))
    if not items:
        return None
    return {"items": items, "total": sum(count for _label, count, _url in items)}


@dataclass
class DraftWeek:
    week_start: dt.date
    drafts: int = 0
    hard: int = 0  # drafts with a rule break that blocks publishing (this and next week)
    url: str = ""


def weeks_in_draft(request: TenantRequest) -> Mapping[str, Any] | None:
    """This week and the next ones with drafts still to publish at the member's sites, and
    for this week and next how many drafts break a rule that blocks publishing. Two queries,
    and one for their stored rule breaks when there are drafts in the next two weeks."""
    sites = _sites(request)
    tenant = request.tenant
    monday = week_start_of(today_in(tenant))
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    drafts = Shift.objects.filter(
        tenant=tenant, status=Shift.Status.DRAFT, site_id__in=[s.pk for s in sites],
        start_at__gte=local_midnight(monday, zone) - MARGIN,
        start_at__lt=local_midnight(monday + WEEKS_AHEAD * WEEK, zone) + MARGIN,
    ).values_list(UuidText("id"), "site_id", Epoch("start_at"))  # fmt: skip
    zones = {s.pk: zoneinfo.ZoneInfo(s.time_zone) for s in sites}
    rota = tenant_reverse("rota", tenant.slug)
    weeks = {
        monday + n * WEEK: DraftWeek(monday + n * WEEK, url=f"{rota}?week={monday + n * WEEK}")
        for n in range(WEEKS_AHEAD)
    }
    soon: list[tuple[str, DraftWeek]] = []
    for pk, site_id, start in drafts:
        week = weeks.get(week_start_of(dt.datetime.fromtimestamp(start, zones[site_id]).date()))
        if week is None:
            continue
        week.drafts += 1
        if week.week_start < monday + 2 * WEEK:
            soon.append((pk, week))
    found = stored_violations(tenant, [pk for pk, _week in soon], text_ids=True) if soon else {}
    for pk, week in soon:
        if any(v.hard for v in found.get(pk, ())):
            week.hard += 1
    return {"weeks": [w for w in weeks.values() if w.drafts], "monday": monday}


def next_shifts(request: TenantRequest) -> Mapping[str, Any] | None:
    """The member's next published shift, then the rest of their next seven days; nothing for
    someone who neither works shifts (no work profile) nor has one coming. Three queries."""
    member = request.membership
    now = timezone.now()
    mine = Shift.objects.filter(
        tenant=request.tenant, membership=member, status=Shift.Status.PUBLISHED, end_at__gt=now
    ).select_related("site", "position").order_by("start_at", "id")  # fmt: skip
    next_one = mine.first()
    works_shifts = WorkProfile.objects.filter(tenant=request.tenant, membership=member).exists()
    if next_one is None and not works_shifts:
        return None
    week = list(mine.filter(start_at__lt=now + dt.timedelta(days=7))[:14])
    return {
        "next": next_one,
        "later": [s for s in week if next_one is None or s.pk != next_one.pk],
        "now": now,
        "my_shifts": tenant_reverse("my-shifts", request.tenant.slug),
        "open_shifts": tenant_reverse("open-shifts", request.tenant.slug),
    }


def my_requests(request: TenantRequest) -> Mapping[str, Any] | None:
    """The member's leave requests waiting or decided in the last 30 days, their claims and
    swaps still open, and this year's leave balance. Five queries."""
    member, tenant = request.membership, request.tenant
    recent = timezone.now() - dt.timedelta(days=30)
    leave = list(
        LeaveRequest.objects.filter(tenant=tenant, membership=member)
        .filter(Q(status=LeaveRequest.Status.PENDING) | Q(decided_at__gte=recent))
        .select_related("leave_type")
        .order_by("-created_at")[:5]
    )
    claims = list(
        ShiftClaim.objects.filter(
            tenant=tenant, membership=member, status=ShiftClaim.Status.PENDING
        ).select_related("shift__site", "shift__position").order_by("shift__start_at")[:5]
    )  # fmt: skip
    swaps = list(
        ShiftSwap.objects.filter(
            Q(offered_by=member) | Q(accepted_by=member) | Q(offered_to=member),
            tenant=tenant, status__in=[ShiftSwap.Status.OFFERED, ShiftSwap.Status.ACCEPTED],
        ).select_related("shift__site", "shift__position").order_by("shift__start_at")[:5]
    )  # fmt: skip
    year = today_in(tenant).year
    allowance = allowance_of(tenant, member, year)
    used = LeaveRequest.objects.filter(
        tenant=tenant, membership=member, leave_type__deducts=True, start_date__year=year,
        unit=allowance.unit if allowance else "", status=LeaveRequest.Status.APPROVED,
    ).aggregate(total=Sum("amount"))["total"]  # fmt: skip
    balance = None
    if allowance is not None:
        taken = used or Decimal(0)
        balance = {"left": allowance.amount - taken, "taken": taken, "unit": allowance.unit,
                   "year": year}  # fmt: skip
    return {
        "leave": leave, "claims": claims, "swaps": swaps, "balance": balance,
        "leave_url": tenant_reverse("my-leave", tenant.slug),
        "swaps_url": tenant_reverse("swaps", tenant.slug),
        "open_shifts_url": tenant_reverse("open-shifts", tenant.slug),
    }  # fmt: skip
