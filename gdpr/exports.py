"""The contents of a person's data export: everything one company holds about them, as JSON and
CSV files in a ZIP. Each section is a function of the person; a new kind of personal data gets
a section here, and the completeness test names every file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from audit.models import AuditEntry
from gdpr import services
from gdpr.models import ErasureRequest, PersonalDetails, PolicyAcceptance, PolicyVersion
from scheduling.models import (
    Availability,
    AvailabilityException,
    EmailPreferences,
    LeaveAllowance,
    LeaveRequest,
    Notification,
    Position,
    Shift,
    ShiftClaim,
    ShiftSwap,
    ShiftWish,
    Site,
    WorkProfile,
    WorkProfilePosition,
    WorkProfileSite,
)
from tenancy.context import tenant_context
from tenancy.models import Membership, SensitiveKind, Tenant
from tenancy.personal_data import personal_data_hooks

File = tuple[str, bytes]


@dataclass(frozen=True)
class Subject:
    """Whose data, in which company."""

    tenant: Tenant
    membership: Membership  # with user and role loaded

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.tenant.time_zone)


def _json(name: str, data: Any) -> File:
    def default(value: Any) -> str:
        if isinstance(value, dt.datetime | dt.date | dt.time):
            return value.isoformat()
        return str(value)

    text = json.dumps(data, indent=2, ensure_ascii=False, default=default, sort_keys=True)
    return name, text.encode("utf-8")


def _csv(name: str, header: list[str], rows: Iterable[Iterable[Any]]) -> File:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return name, buffer.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)
    # A spreadsheet must not run a formula found in the data (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _profile(subject: Subject) -> list[File]:
    m, user = subject.membership, subject.membership.user
    return [_json("profile.json", {
        "account": {"email": user.email, "full_name": user.full_name,
                    "account_created": user.date_joined},
        "membership": {"company": subject.tenant.name, "role": m.role.name,
                       "status": m.get_status_display(), "joined": m.created_at,
                       "left": m.left_at, "schedules_all_sites": m.all_sites},
    })]  # fmt: skip


def _personal_details(subject: Subject) -> list[File]:
    kinds = services.kept_kinds(subject.tenant)
    row = PersonalDetails.objects.filter(membership=subject.membership).first()
    labels = dict(SensitiveKind.choices)
    values = {str(labels[kind]): services.read_value(row, kind) for kind in kinds}
    return [_json("personal_details.json", values)]


def _work_profile(subject: Subject) -> list[File]:
    profile = WorkProfile.objects.filter(membership=subject.membership).first()
    if profile is None:
        return [_json("work_profile.json", {})]
    positions = Position.objects.filter(
        pk__in=WorkProfilePosition.objects.filter(profile=profile).values("position_id")
    ).order_by("name")
    sites = Site.objects.filter(
        pk__in=WorkProfileSite.objects.filter(profile=profile).values("site_id")
    ).order_by("name")
    return [_json("work_profile.json", {
        "positions": [p.name for p in positions], "sites": [s.name for s in sites],
        "contracted_weekly_hours": profile.contracted_hours, "hourly_rate": profile.hourly_rate,
        "max_hours_in_7_days": profile.max_hours_7_days,
        "min_rest_hours_between_shifts": profile.min_rest_hours,
        "calendar_feed_enabled": bool(profile.calendar_token_hash),
    })]  # fmt: skip


def _shifts(subject: Subject) -> list[File]:
    shifts = (
        Shift.objects.filter(membership=subject.membership, status=Shift.Status.PUBLISHED)
        .select_related("site", "position")
        .order_by("start_at")
    )
    header = ["date", "start", "end", "time_zone", "site", "position", "unpaid_break_minutes",
              "paid_hours", "notes"]  # fmt: skip
    rows = []
    for shift in shifts:
        zone = zoneinfo.ZoneInfo(shift.site.time_zone)
        start, end = shift.start_at.astimezone(zone), shift.end_at.astimezone(zone)
        hours = f"{shift.paid_minutes / 60:.2f}"
        rows.append([start.date(), start.strftime("%H:%M"), end.strftime("%Y-%m-%d %H:%M"),
                     shift.site.time_zone, shift.site.name, shift.position.name,
                     shift.break_minutes, hours, shift.notes])  # fmt: skip
    return [_csv("shifts.csv", header, rows)]


def _leave(subject: Subject) -> list[File]:
    requests = (
        LeaveRequest.objects.filter(membership=subject.membership)
        .select_related("leave_type")
        .order_by("start_date")
    )
    header = ["type", "first_day", "last_day", "from", "until", "amount", "unit", "status",
              "your_note", "decided_at", "comment"]  # fmt: skip
    rows = [[r.leave_type.name, r.start_date, r.end_date, r.start_time, r.end_time, r.amount,
             r.unit, r.get_status_display(), r.note, r.decided_at, r.decision_comment]
            for r in requests]  # fmt: skip
    allowances = LeaveAllowance.objects.filter(membership=subject.membership).order_by("year")
    return [
        _csv("leave.csv", header, rows),
        _json("leave_allowances.json",
              [{"year": a.year, "amount": a.amount, "unit": a.unit} for a in allowances]),
    ]  # fmt: skip


def _availability(subject: Subject) -> list[File]:
    weekly = Availability.objects.filter(membership=subject.membership)
    dates = AvailabilityException.objects.filter(membership=subject.membership)
    wishes = ShiftWish.objects.filter(membership=subject.membership)
    return [_json("availability.json", {
        "weekly": [{"weekday": w.weekday, "from": w.start_time, "until": w.end_time,
                    "kind": w.kind} for w in weekly],
        "dates": [{"date": d.date, "from": d.start_time, "until": d.end_time, "kind": d.kind,
                   "note": d.note} for d in dates],
        "shift_wishes": [{"date": w.date, "wish": w.kind, "strength": w.strength,
                          "from": w.start_time, "until": w.end_time, "note": w.note}
                         for w in wishes],
    })]  # fmt: skip


def _requests_and_messages(subject: Subject) -> list[File]:
    """Claims on open shifts, swaps the person took part in, the notifications they got (no
    colleague is named: who did what is an id-free "a colleague"), and their email choices."""
    me = subject.membership
    claims = ShiftClaim.objects.filter(membership=me).select_related("shift").order_by("created_at")
    claim_rows = [[c.shift.start_at, c.shift.end_at, c.get_status_display(), c.created_at,
                   c.decided_at, c.decision_comment] for c in claims]  # fmt: skip
    swaps = (
        ShiftSwap.objects.filter(Q(offered_by=me) | Q(offered_to=me) | Q(accepted_by=me))
        .select_related("shift", "return_shift")
        .order_by("created_at")
    )
    swap_rows = []
    for swap in swaps:
        role = ("offered" if swap.offered_by_id == me.pk
                else "accepted" if swap.accepted_by_id == me.pk else "offered to you")  # fmt: skip
        back = swap.return_shift
        swap_rows.append([role, swap.shift.start_at, swap.shift.end_at,
                          back.start_at if back else "", swap.get_status_display(), swap.note,
                          swap.created_at, swap.decided_at, swap.decision_comment])  # fmt: skip
    notifications = Notification.objects.filter(recipient=me).order_by("created_at")
    prefs = EmailPreferences.objects.filter(membership=me).first()
    return [
        _csv("open_shift_claims.csv",
             ["shift_start", "shift_end", "status", "claimed_at", "decided_at", "comment"],
             claim_rows),
        _csv("shift_swaps.csv",
             ["your_part", "shift_start", "shift_end", "shift_in_return_start", "status", "note",
              "created_at", "decided_at", "comment"], swap_rows),
        _csv("notifications.csv", ["received_at", "kind", "title", "text", "read_at"],
             [[n.created_at, n.get_kind_display(), n.title, n.body, n.read_at]
              for n in notifications]),
        _json("email_preferences.json", {
            "messages": prefs.messages if prefs else True,
            "requests_and_decisions": prefs.requests if prefs else True,
            "reminders": prefs.reminders if prefs else True,
            "schedule": prefs.schedule if prefs else True,
        }),
    ]  # fmt: skip


def _acceptances(subject: Subject) -> list[File]:
    accepted = list(
        PolicyAcceptance.objects.filter(membership=subject.membership).order_by("accepted_at")
    )
    versions = {
        v.pk: v
        for v in PolicyVersion.objects.filter(pk__in=[a.version_id for a in accepted])
        .defer("content")
        .select_related("policy")
    }
    header = ["policy", "version", "accepted_at", "ip_address", "document_sha256"]
    rows = [[versions[a.version_id].policy.title, versions[a.version_id].number,
             a.accepted_at, a.ip_address, a.sha256] for a in accepted]  # fmt: skip
    return [_csv("policy_acceptances.csv", header, rows)]


def _requests(subject: Subject) -> list[File]:
    requests = ErasureRequest.objects.filter(membership=subject.membership).order_by("requested_at")
    return [_json("erasure_requests.json", [
        {"requested_at": r.requested_at, "status": r.get_status_display(), "note": r.note,
         "answer_due_by": r.due_by, "decided_at": r.decided_at,
         "decline_reason": r.decline_reason}
        for r in requests
    ])]  # fmt: skip


def _audit(subject: Subject) -> list[File]:
    """Entries the person made, and entries about them. Another person's name or address is
    never included: an entry someone else made shows "another member"."""
    user = subject.membership.user
    entries = (
        AuditEntry.objects.filter(tenant=subject.tenant)
        .filter(_about(user_id=user.pk, membership_id=subject.membership.pk))
        .order_by("sequence")
        .iterator(2000)
    )
    header = ["time", "event", "made_by", "object_type", "object", "fields_changed",
              "ip_address", "user_agent"]  # fmt: skip
    rows = []
    for e in entries:
        own = e.actor_id == user.pk
        fields = sorted((e.changes or {}).keys()) if isinstance(e.changes, dict) else []
        rows.append([e.timestamp, e.event, "you" if own else ("another member" if e.actor_id
                     else "the system"), e.target_type, e.object_repr, " ".join(fields),
                     e.remote_addr if own else "", e.user_agent if own else ""])  # fmt: skip
    return [_csv("activity_log.csv", header, rows)]


def _about(*, user_id: Any, membership_id: Any) -> Any:
    from django.db.models import Q

    return (
        Q(actor_id=user_id)
        | Q(target_type="accounts.user", object_pk=str(user_id))
        | Q(target_type="tenancy.membership", object_pk=str(membership_id))
    )


README = """Your data at {company}
{line}

Prepared on {when} at your request (GDPR articles 15 and 20).

profile.json             your account and your membership of the company
personal_details.json    the personal details the company keeps about you
work_profile.json        the positions and sites you work, your hours and pay rate
shifts.csv               your published shifts, in each site's local time
leave.csv                your leave requests and their answers
leave_allowances.json    your yearly leave allowances
availability.json        the times you gave as unavailable or preferred
policy_acceptances.csv   the company policies you accepted, when and from which address
erasure_requests.json    your requests to erase your data, and their answers
activity_log.csv         the company's audit entries made by you or about you

Questions: the company's Data Protection Officer, {dpo}.
"""


def _readme(subject: Subject) -> list[File]:
    from tenancy.models import PrivacySettings

    privacy = PrivacySettings.objects.filter(tenant=subject.tenant).first()
    dpo = f"{privacy.dpo_name} <{privacy.dpo_email}>" if privacy else "not named yet"
    when = dt.datetime.now(subject.zone).strftime("%d %B %Y %H:%M %Z")
    title = f"Your data at {subject.tenant.name}"
    text = README.format(company=subject.tenant.name, line="=" * len(title), when=when, dpo=dpo)
    return [("README.txt", text.encode("utf-8"))]


SECTIONS: list[tuple[str, Callable[[Subject], list[File]]]] = [
    ("profile", _profile),
    ("personal details", _personal_details),
    ("work profile", _work_profile),
    ("shifts", _shifts),
    ("leave", _leave),
    ("availability", _availability),
    ("requests and messages", _requests_and_messages),
    ("policy acceptances", _acceptances),
    ("erasure requests", _requests),
    ("activity log", _audit),
    ("read me", _readme),
]


def sections() -> list[tuple[str, Callable[[Subject], list[File]]]]:
    """SECTIONS, with those of the apps above gdpr (tenancy.personal_data) before the read-me."""
    added = [
        (hook.label, lambda subject, hook=hook: hook.export(subject.tenant, subject.membership))
        for hook in personal_data_hooks()
    ]
    return [*SECTIONS[:-1], *added, SECTIONS[-1]]


def build_zip(subject: Subject, progress: Callable[[int], None] | None = None) -> bytes:
    """The ZIP of every section; `progress` hears the percentage done after each section."""
    buffer = io.BytesIO()
    every = sections()
    with (
        tenant_context(subject.tenant),
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for done, (_label, section) in enumerate(every, start=1):
            for name, content in section(subject):
                archive.writestr(name, content)
            if progress is not None:
                progress(int(done * 100 / len(every)))
    return buffer.getvalue()
