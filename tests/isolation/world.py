"""Two tenants with every tenant model populated, for the isolation suite.

Tenant B's text carries MARKER so that any page, export or feed of tenant A that shows one of
B's values is caught. A new tenant model must be populated here (test_meta checks it), and a new
URL keyword argument must say here which of a tenant's objects it names."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core import serializers
from django.utils import timezone

from attendance.kiosk import services as kiosk_services
from attendance.models import (
    AttendanceSettings,
    Break,
    Punch,
    PunchEdit,
    SiteLocation,
    Timesheet,
)
from audit.models import ArchiveBatch, AuditEntry
from billing.models import Subscription
from gdpr import policies, rights
from gdpr import services as gdpr_services
from planning.models import (
    BuildRun,
    BuildRunWeek,
    CoverageException,
    CoverageRow,
    PlanningSettings,
)
from scheduling.employee import services as employee_services
from scheduling.leave import services as availability
from scheduling.leave import services as leave
from scheduling.models import (
    SCHEDULE_SITE,
    EmailPreferences,
    Message,
    Notification,
    NotificationKind,
    Publication,
    RotationMember,
    RotationPattern,
    RuleBreak,
    SchedulingSettings,
    ShiftClaim,
    ShiftSwap,
    WeekTemplate,
    WeekTemplateShift,
)
from tenancy import services
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, SensitiveKind, Tenant, TenantModel
from tenancy.object_permissions import object_permission_grant
from tenancy.permissions import ALL_PERMISSIONS, RoleKind
from tests.builders import Company
from tests.factories import member, tenant_with_roles

MARKER = "BRAVOMARKER"


@dataclass
class Side:
    tenant: Tenant
    owner: Membership
    objects: dict[str, TenantModel] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    a: Side
    b: Side


def _populate(tenant: Tenant, label: str) -> Side:
    owner = member(tenant, kind=RoleKind.OWNER, email=f"owner@{tenant.slug}.test",
                   full_name=f"{label} Owner")  # fmt: skip
    company = Company.around(tenant, admin=owner)
    other = company.new_person(f"{label} Staff", f"staff@{tenant.slug}.test")
    site = company.new_site(f"{label} Site", address=f"1 {label} Street")
    position = company.new_position(f"{label} Position")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    shift = company.shift(other, start, notes=f"{label} shift note")
    open_shift = company.shift(None, start + dt.timedelta(days=2), 6,
                               notes=f"{label} open shift note")  # fmt: skip
    with tenant_context(tenant):
        role = Role.objects.create(name=f"{label} Custom Role", permissions=sorted(ALL_PERMISSIONS))
        invitation, token = services.invitation_create(
            tenant=tenant, actor=owner, email=f"{label.lower()}-invitee@example.test", role=role,
            accept_url_for=lambda token: f"https://example.test/{token}",
        )  # fmt: skip
        SchedulingSettings.objects.create(currency="GBP")
        Publication.objects.create(week_start=start.date(), site=site, published_by=owner,
                                   shift_count=1, override_reason=f"{label} reason")  # fmt: skip
        Subscription.objects.create(
            stripe_subscription_id=f"sub_{label}", status="active", quantity=2
        )
        ArchiveBatch.objects.create(
            first_sequence=1, last_sequence=1, count=1, object_key=f"{label}/batch.jsonl.gz",
            sha256="0" * 64, chain_head="0" * 64,
        )  # fmt: skip
        other.all_sites = False
        other.save(update_fields=["all_sites"])
        claim = ShiftClaim.objects.create(shift=open_shift, membership=other,
                                          decision_comment=f"{label} claim comment")  # fmt: skip
        swap = ShiftSwap.objects.create(shift=shift, offered_by=other, offered_to=owner,
                                        note=f"{label} swap note")  # fmt: skip
        template = WeekTemplate.objects.create(name=f"{label} Template", created_by=owner)
        WeekTemplateShift.objects.create(
            template=template, weekday=0, start_time=dt.time(9), end_time=dt.time(17),
            site=site, position=position, membership=other, notes=f"{label} template note",
        )  # fmt: skip
        rotation = RotationPattern.objects.create(
            name=f"{label} Rotation", site=site, position=position, start_time=dt.time(7),
            end_time=dt.time(19), cycle="11110000", anchor_date=start.date(), created_by=owner,
        )  # fmt: skip
        RotationMember.objects.create(pattern=rotation, membership=other, offset=0)
        message = Message.objects.create(sender=owner, subject=f"{label} subject",
                                         body=f"{label} message body", audience=f"{label} Site",
                                         recipient_count=1)  # fmt: skip
        notification = Notification.objects.create(
            recipient=owner, kind=NotificationKind.MESSAGE, actor=owner,
            title=f"{label} subject", body=f"{label} message body", message=message,
        )  # fmt: skip
        EmailPreferences.objects.create(membership=owner, reminders=False)
        coverage_row = CoverageRow.objects.create(site=site, position=position,
                                                  start_time=dt.time(8), end_time=dt.time(16),
                                                  mon=1)  # fmt: skip
        coverage_exception = CoverageException.objects.create(
            row=coverage_row, date=start.date(), people=2, note=f"{label} coverage note"
        )
        build_run = BuildRun.objects.create(
            site=site, week_start=start.date() - dt.timedelta(days=start.weekday()),
            created_by=owner, status=BuildRun.Status.DONE,
            result={"gaps": [{"group": "g", "label": f"{label} gap", "missing": 1,
                              "reason": f"{label} reason"}]},
        )  # fmt: skip
        BuildRunWeek.objects.create(run=build_run, site=site, week_start=build_run.week_start,
                                    active=False)  # fmt: skip
        PlanningSettings.objects.create(wish=7 if label == "Alpha" else 9)
        # Attendance: a punch with a break, corrected by a manager, on a timesheet.
        AttendanceSettings.objects.create(pay_period="weekly")
        SiteLocation.objects.create(site=site, latitude=Decimal("51.5"), longitude=Decimal("-0.1"))
        clocked = start - dt.timedelta(days=3)
        punch = Punch.objects.create(membership=other, site=site, clock_in_at=clocked,
                                     clock_out_at=clocked + dt.timedelta(hours=8),
                                     in_place="outside", in_distance_m=900)  # fmt: skip
        Break.objects.create(punch=punch, start_at=clocked + dt.timedelta(hours=3),
                             end_at=clocked + dt.timedelta(hours=3, minutes=30))  # fmt: skip
        PunchEdit.objects.create(punch=punch, editor=owner, reason=f"{label} punch reason",
                                 before_in=clocked, after_in=clocked)  # fmt: skip
        Timesheet.objects.create(membership=other, period_start=clocked.date(),
                                 period_end=clocked.date() + dt.timedelta(days=6),
                                 answer_note=f"{label} timesheet note")  # fmt: skip
    object_permission_grant(
        tenant=tenant, actor=owner, membership=other, permission=SCHEDULE_SITE, obj=site
    )
    company.profile(other, [position], [site], hourly_rate=Decimal("12.50"))
    kiosk = kiosk_services.kiosk_create(tenant=tenant, actor=owner, site=site,
                                        name=f"{label} Kiosk")  # fmt: skip
    # An enrolled tablet (its device cookie's token), then a fresh one-time enrolment link.
    code = kiosk_services.kiosk_enrolment_start(tenant=tenant, actor=owner, kiosk=kiosk)
    enrolled = kiosk_services.kiosk_enrol(tenant=tenant, code=code)
    assert enrolled is not None
    kiosk_code = kiosk_services.kiosk_enrolment_start(tenant=tenant, actor=owner, kiosk=kiosk)
    kiosk_services.pin_set(tenant=tenant, membership=other, pin="4821")
    feed_token = employee_services.calendar_feed_renew(tenant=tenant, membership=other)
    gdpr_services.data_settings_save(
        tenant=tenant, actor=owner, kinds=list(SensitiveKind.values),
        former_employee_retention_days=730, audit_retention_days=2555,
    )  # fmt: skip
    version = policies.policy_publish(
        tenant=tenant, actor=owner, policy=None, title=f"{label} Policy",
        file_name="policy.md", content=f"# {label} policy".encode(),
    )  # fmt: skip
    for person in (owner, other):
        policies.policies_accept(tenant=tenant, membership=person, version_ids={version.pk},
                                 ip_address="192.0.2.1")  # fmt: skip
    gdpr_services.details_save(
        tenant=tenant, actor=owner, membership=other,
        values={"home_address": f"2 {label} Road", "health_notes": f"{label} health note",
                "national_insurance": "QQ123456C", "emergency_contact": f"{label} Contact"},
    )  # fmt: skip
    annual = next(t for t in leave.leave_types(tenant) if t.deducts)
    leave.allowance_set(tenant=tenant, actor=owner, membership=other, year=start.year,
                        amount=Decimal(25), unit="days")  # fmt: skip
    day = dt.date(start.year, 3, 2)
    leave.leave_request(tenant=tenant, membership=other, leave_type_id=annual.pk, start=day,
                        end=day + dt.timedelta(days=1), note=f"{label} leave note")  # fmt: skip
    availability.weekly_add(tenant=tenant, membership=other, weekday=6, start=dt.time(0),
                            end=None, kind="unavailable")  # fmt: skip
    availability.exception_add(tenant=tenant, membership=other, day=start.date(),
                               kind="available", note=f"{label} swap",
                               today=start.date())  # fmt: skip
    availability.wish_save(tenant=tenant, membership=other, day=start.date(), kind="off",
                           strength=3, note=f"{label} wish note", today=start.date())  # fmt: skip
    export = rights.export_request(tenant=tenant, membership=owner)
    rights.export_build(tenant=tenant, export_id=export.pk)
    erasure = rights.erasure_request(tenant=tenant, membership=other, note=f"{label} note")
    with tenant_context(tenant):  # a stored rule break (the shift itself breaks none)
        RuleBreak.objects.create(
            membership=other, shift=shift, starts_at=shift.start_at, code="rest", hard=True,
            message=f"{label} rule break",
        )  # fmt: skip
    with tenant_context(tenant):
        audit_entry = AuditEntry.objects.order_by("-sequence").first()
        assert audit_entry is not None
    return Side(
        tenant=tenant,
        owner=owner,
        objects={
            "role": role,
            "membership": other,
            "invitation": invitation,
            "site": site,
            "position": position,
            "shift": shift,
            "policy": version.policy,
            "policy_version": version,
            "audit_entry": audit_entry,
            "data_export": export,
            "erasure_request": erasure,
            "open_shift": open_shift,
            "claim": claim,
            "swap": swap,
            "week_template": template,
            "rotation": rotation,
            "message": message,
            "notification": notification,
            "coverage_row": coverage_row,
            "coverage_exception": coverage_exception,
            "build_run": build_run,
            "kiosk": kiosk,
        },
        secrets={
            "token": token,
            "feed_token": feed_token,
            "kiosk_code": kiosk_code,
            "kiosk_device": enrolled[1],
        },
    )


def build_world() -> World:
    a = tenant_with_roles(name="Alpha Care", slug="alpha")
    b = tenant_with_roles(name=f"Bravo {MARKER} Guards", slug="bravo")
    return World(a=_populate(a, "Alpha"), b=_populate(b, MARKER))


# URL keyword argument -> which of a side's objects it names.
URL_KWARG_OBJECTS: dict[str, Callable[[Side], uuid.UUID | str]] = {
    "role_id": lambda side: side.objects["role"].pk,
    "membership_id": lambda side: side.objects["membership"].pk,
    "invitation_id": lambda side: side.objects["invitation"].pk,
    "site_id": lambda side: side.objects["site"].pk,
    "position_id": lambda side: side.objects["position"].pk,
    "shift_id": lambda side: side.objects["shift"].pk,
    "policy_id": lambda side: side.objects["policy"].pk,
    "version_id": lambda side: side.objects["policy_version"].pk,
    "feed_token": lambda side: side.secrets["feed_token"],
    "enrol_code": lambda side: side.secrets["kiosk_code"],
    "entry_id": lambda side: side.objects["audit_entry"].pk,
    "export_id": lambda side: side.objects["data_export"].pk,
    "request_id": lambda side: side.objects["erasure_request"].pk,
    "claim_id": lambda side: side.objects["claim"].pk,
    "swap_id": lambda side: side.objects["swap"].pk,
    "template_id": lambda side: side.objects["week_template"].pk,
    "pattern_id": lambda side: side.objects["rotation"].pk,
    "message_id": lambda side: side.objects["message"].pk,
    "notification_id": lambda side: side.objects["notification"].pk,
    "row_id": lambda side: side.objects["coverage_row"].pk,
    "exception_id": lambda side: side.objects["coverage_exception"].pk,
    "run_id": lambda side: side.objects["build_run"].pk,
    "fmt": lambda side: "csv",
    "token": lambda side: side.secrets["token"],
}

# URL keyword arguments that name no object of a tenant (the same for every tenant).
PLAIN_URL_KWARGS = {"fmt"}

# URL names outside /<tenant_slug>/, each with the reason it holds no tenant's data.
PUBLIC_URLS: dict[str, str] = {
    "healthz": "health check for load balancers: database up or down, nothing else",
    "security-txt": "RFC 9116 contact details for reporting vulnerabilities",
    "login": "the sign-in form",
    "login-verify": "the second-factor step of the person signing in",
    "logout": "sign-out (POST)",
    "tenant-picker": "lists only the signed-in person's own memberships (test_picker_*)",
    "account": "the signed-in person's own account page",
    "profile-update": "the signed-in person's own name",
    "password-change": "the signed-in person's own password",
    "email-change": "the signed-in person's own email address",
    "sign-out-everywhere": "the signed-in person's own sessions",
    "two-factor-setup": "the signed-in person's own authenticator",
    "two-factor-confirm": "the signed-in person's own authenticator",
    "two-factor-disable": "the signed-in person's own authenticator",
    "backup-codes": "the signed-in person's own backup codes",
    "password_reset": "asks for an email address; answers alike whether or not it exists",
    "password_reset_done": "a static page",
    "password_reset_confirm": "opened with a signed one-time token for one account",
    "password_reset_complete": "a static page",
    "signup": "the company sign-up form; answers alike whether or not the email is registered",
    "signup-sent": "a static page",
    "signup-verify": "opened with a one-time sign-up token; no company exists until it is used",
    "stripe-webhook": "Stripe's signed events; matched to a tenant only by its stored customer id",
}


def tenant_models() -> list[type[TenantModel]]:
    return [m for m in apps.get_models() if issubclass(m, TenantModel) and not m._meta.abstract]


def snapshot(tenant: Tenant) -> str:
    """Every row of every tenant model of `tenant`, serialised in a stable order."""
    parts: list[Any] = []
    with tenant_context(tenant):
        for model in tenant_models():
            rows = model.objects.order_by("pk")
            parts.append(serializers.serialize("json", rows))
    return "\n".join(parts)
