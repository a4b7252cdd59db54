"""The data subject's rights in one company: a copy of their data (export), erasure on request,
and erasure when the retention period after someone leaves has run out. Every step is audited.

Anonymising a person erases what identifies them and keeps, under a pseudonym, what the company
must keep (shifts and pay figures for payroll and tax records); audit entries stay in the chain
with the person's values removed (audit.services.redact_person), so the chain still verifies."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import uuid
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.events import Event, emit
from accounts.services import user_create, user_erase
from audit.services import redact_person, retention_purge
from gdpr.models import DataExport, ErasureRequest, PersonalDetails, PolicyAcceptance
from scheduling.models import (
    AvailabilityException,
    EmailPreferences,
    LeaveRequest,
    Notification,
    ShiftClaim,
    ShiftSwap,
    ShiftWish,
    WorkProfile,
)
from scheduling.rules.stored import refresh_people
from tenancy import outbox
from tenancy.context import tenant_context
from tenancy.models import Invitation, Membership, PrivacySettings, Role, Tenant
from tenancy.permissions import Permission, RoleKind
from tenancy.personal_data import personal_data_hooks
from tenancy.selectors import other_companies_holding

logger = logging.getLogger("parim.gdpr")

EXPORT_LIFETIME = dt.timedelta(days=7)
EXPORTS_PER_DAY = 5
# A build that has not finished after this long is taken to have died (a worker restart).
EXPORT_STALE_AFTER = dt.timedelta(minutes=30)


# Data export ---------------------------------------------------------------------------------


def exports_of(tenant: Tenant, membership: Membership) -> list[DataExport]:
    """The person's recent exports, newest first, without their contents."""
    with tenant_context(tenant):
        return list(
            DataExport.objects.filter(tenant=tenant, membership=membership)
            .defer("content")
            .order_by("-requested_at")[:5]
        )


def export_request(
    *, tenant: Tenant, membership: Membership, request: HttpRequest | None = None
) -> DataExport:
    """Ask for a copy of one's data: a Celery task builds it after commit. While one is being
    prepared, asking again returns that one; at most EXPORTS_PER_DAY a day."""
    from gdpr.tasks import build_data_export

    now = timezone.now()
    with tenant_context(tenant), transaction.atomic():
        # One person's requests are serialised, so a double click makes one export.
        Membership.objects.select_for_update().filter(pk=membership.pk).first()
        mine = DataExport.objects.filter(tenant=tenant, membership=membership)
        running = mine.filter(
            status=DataExport.Status.PENDING, requested_at__gt=now - EXPORT_STALE_AFTER
        ).first()
        if running is not None:
            return running
        if mine.filter(requested_at__gt=now - dt.timedelta(days=1)).count() >= EXPORTS_PER_DAY:
            raise ValidationError(
                _("You have asked for %(count)d copies in the last day. Please use one of "
                  "those, or try again tomorrow.") % {"count": EXPORTS_PER_DAY}
            )  # fmt: skip
        export = DataExport.objects.create(membership=membership)
        emit(Event.DATA_EXPORT_REQUESTED, tenant=tenant, user=membership.user, request=request,
             target=export)  # fmt: skip
        # Through the outbox: built after commit, and still built if the broker is down now.
        outbox.enqueue(build_data_export.name, str(tenant.pk), str(export.pk), tenant=tenant)
    return export


def export_build(*, tenant: Tenant, export_id: uuid.UUID | str) -> DataExport | None:
    """Build the ZIP (the Celery task's work). Each section reads in its own short transaction
    and the progress is committed after each, so the person's page sees it move; the ZIP is
    stored encrypted (it holds the decrypted sensitive values). A failure marks the export
    failed (logged with its traceback) and returns None."""
    from gdpr import crypto, exports

    with tenant_context(tenant):
        export = (
            DataExport.objects.defer("content")
            .select_related("membership__user", "membership__role")
            .filter(tenant=tenant, pk=export_id, status=DataExport.Status.PENDING)
            .first()
        )
    if export is None:
        return None  # already built, or deleted meanwhile

    def progress(percent: int) -> None:
        with tenant_context(tenant):
            DataExport.objects.filter(pk=export.pk).update(progress=min(percent, 99))

    try:
        content = exports.build_zip(exports.Subject(tenant, export.membership), progress)
    except Exception:
        logger.exception("data export failed", extra={"export_id": str(export.pk)})
        with tenant_context(tenant):
            DataExport.objects.filter(pk=export.pk).update(
                status=DataExport.Status.FAILED, finished_at=timezone.now()
            )
        return None
    now = timezone.now()
    with tenant_context(tenant):
        export.content, export.size = crypto.encrypt_bytes(content), len(content)
        export.status, export.progress = DataExport.Status.READY, 100
        export.finished_at, export.expires_at = now, now + EXPORT_LIFETIME
        export.save(update_fields=["content", "size", "status", "progress", "finished_at",
                                   "expires_at"])  # fmt: skip
        # Prepared by a task, not by the person (whose export it is: the target says so).
        emit(Event.DATA_EXPORT_READY, tenant=tenant, target=export,
             data={"bytes": len(content)})  # fmt: skip
    return export


def export_content(export: DataExport) -> bytes:
    """The ZIP of a ready export, decrypted."""
    from gdpr import crypto

    return crypto.decrypt_bytes(bytes(export.content or b""))


def export_for_download(
    *, tenant: Tenant, membership: Membership, export_id: uuid.UUID | str
) -> DataExport | None:
    """The export if it is this person's and has not expired; otherwise None (a 404)."""
    with tenant_context(tenant):
        export = DataExport.objects.filter(
            tenant=tenant, pk=export_id, membership=membership,
            status=DataExport.Status.READY, expires_at__gt=timezone.now(),
        ).first()  # fmt: skip
    return export


def export_downloaded(*, tenant: Tenant, export: DataExport, request: HttpRequest) -> None:
    with tenant_context(tenant):
        DataExport.objects.filter(pk=export.pk).update(download_count=F("download_count") + 1)
        emit(Event.DATA_EXPORT_DOWNLOADED, tenant=tenant, user=request.user, request=request,
             target=export, data={"bytes": export.size})  # fmt: skip


# Erasure requests ----------------------------------------------------------------------------


def one_month_after(day: dt.date) -> dt.date:
    """The statutory deadline: the same day next month, or that month's last day."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(tenant: Tenant) -> dt.date:
    """The answer's deadline for a request made today (in the company's time zone)."""
    return one_month_after(timezone.localdate(timezone=zoneinfo.ZoneInfo(tenant.time_zone)))


def erasure_pending(tenant: Tenant, membership: Membership) -> ErasureRequest | None:
    with tenant_context(tenant):
        return ErasureRequest.objects.filter(
            tenant=tenant, membership=membership, status=ErasureRequest.Status.PENDING
        ).first()


def erasure_latest(tenant: Tenant, membership: Membership) -> ErasureRequest | None:
    with tenant_context(tenant):
        return (
            ErasureRequest.objects.filter(tenant=tenant, membership=membership)
            .order_by("-requested_at")
            .first()
        )


def erasure_request(
    *, tenant: Tenant, membership: Membership, note: str, request: HttpRequest | None = None,
    inbox_url: str = "",
) -> ErasureRequest:  # fmt: skip
    """Ask the company to erase one's data. The Data Protection Officer and everyone who manages
    privacy are told by email; the answer is due within one month."""
    note = note.strip()
    with tenant_context(tenant):
        pending = erasure_pending(tenant, membership)
        if pending is not None:
            raise ValidationError(_already_pending(pending))
        erasure = ErasureRequest(membership=membership, note=note, due_by=due_date(tenant))
        erasure.full_clean(exclude=["membership"])
        try:
            with transaction.atomic():
                erasure.save()
        except IntegrityError:  # a second request at the same moment: the constraint holds
            pending = erasure_pending(tenant, membership)
            raise ValidationError(_already_pending(pending)) from None
        emit(Event.ERASURE_REQUESTED, tenant=tenant, user=membership.user, request=request,
             target=erasure, data={"due_by": erasure.due_by.isoformat()})  # fmt: skip
        _notify_privacy_team(tenant, erasure, inbox_url)
    return erasure


def _already_pending(pending: ErasureRequest | None) -> str:
    if pending is None:
        return _("You already have a request waiting for an answer.")
    return _(
        "You already asked on %(asked)s; the answer is due by %(due)s. You can withdraw that "
        "request, but not make a second one."
    ) % {"asked": f"{pending.requested_at:%d %B %Y}", "due": f"{pending.due_by:%d %B %Y}"}


def privacy_team_emails(tenant: Tenant) -> list[str]:
    """The DPO's address and those of the active members who manage privacy."""
    with tenant_context(tenant):
        privacy = PrivacySettings.objects.filter(tenant=tenant).first()
        # Roles are few: pick those with the permission here (SQLite has no JSON containment).
        roles = [
            r.pk for r in Role.objects.filter(tenant=tenant) if r.has(Permission.MANAGE_PRIVACY)
        ]
        team = Membership.objects.filter(
            tenant=tenant, status=Membership.Status.ACTIVE, user__is_active=True, role__in=roles
        ).values_list("user__email", flat=True)
        emails = {email.lower() for email in team}
    if privacy is not None:
        emails.add(privacy.dpo_email.lower())
    return sorted(emails)


def _notify_privacy_team(tenant: Tenant, erasure: ErasureRequest, url: str) -> None:
    subject = _("Erasure request at %(company)s: answer by %(due)s") % {
        "company": tenant.name, "due": f"{erasure.due_by:%d %B %Y}"}  # fmt: skip
    body = render_to_string("emails/erasure_requested.txt",
                            {"tenant": tenant, "erasure": erasure, "url": url})  # fmt: skip
    for email in privacy_team_emails(tenant):
        # Through the outbox: a mail server or broker failure never fails the saved request.
        outbox.email(subject, body, [email], tenant=tenant)


def erasure_withdraw(*, tenant: Tenant, membership: Membership, request: HttpRequest) -> bool:
    with tenant_context(tenant), transaction.atomic():
        erasure = (
            ErasureRequest.objects.select_for_update()
            .filter(tenant=tenant, membership=membership, status=ErasureRequest.Status.PENDING)
            .first()
        )
        if erasure is None:
            return False
        erasure.status, erasure.decided_at = ErasureRequest.Status.WITHDRAWN, timezone.now()
        erasure.save(update_fields=["status", "decided_at"])
        emit(Event.ERASURE_WITHDRAWN, tenant=tenant, user=membership.user, request=request,
             target=erasure)  # fmt: skip
    return True


def _pending_locked(tenant: Tenant, erasure: ErasureRequest) -> ErasureRequest:
    locked = (
        ErasureRequest.objects.select_for_update()
        .select_related("membership__user", "membership__role")
        .get(tenant=tenant, pk=erasure.pk)
    )
    if locked.status != ErasureRequest.Status.PENDING:
        raise ValidationError(
            _("This request has already been answered (%(status)s).")
            % {"status": locked.get_status_display().lower()}
        )
    return locked


def erasure_decline(
    *, tenant: Tenant, actor: Membership, erasure: ErasureRequest, reason: str,
    request: HttpRequest | None = None,
) -> ErasureRequest:  # fmt: skip
    """Decline with a reason, which the person sees on their page and by email."""
    reason = reason.strip()
    if len(reason) < 10:
        message = _("Say why, in a sentence the person will understand (the law requires one).")
        raise ValidationError({"reason": message})
    with tenant_context(tenant), transaction.atomic():
        locked = _pending_locked(tenant, erasure)
        if locked.membership_id == actor.pk:
            raise ValidationError(
                _("Someone else who manages privacy must answer your own request.")
            )
        locked.status, locked.decline_reason = ErasureRequest.Status.DECLINED, reason
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
        emit(Event.ERASURE_DECLINED, tenant=tenant, user=actor.user, request=request, target=locked)
        body = render_to_string("emails/erasure_declined.txt",
                                {"tenant": tenant, "erasure": locked})  # fmt: skip
        subject = _("Your erasure request at %(company)s") % {"company": tenant.name}
        outbox.email(subject, body, [locked.membership.user.email], tenant=tenant)
    return locked


def erasure_approve(
    *, tenant: Tenant, actor: Membership, erasure: ErasureRequest,
    request: HttpRequest | None = None,
) -> str:  # fmt: skip
    """Anonymise the person who asked. Returns the pseudonym they are kept under."""
    with tenant_context(tenant), transaction.atomic():
        # The person's row first, then the audit chain (via emit): the order export_request
        # takes them in, so the two cannot deadlock.
        Membership.objects.select_for_update().filter(pk=erasure.membership_id).first()
        locked = _pending_locked(tenant, erasure)
        if locked.membership_id == actor.pk:
            raise ValidationError(
                _("Someone else who manages privacy must answer your own request.")
            )
        email = locked.membership.user.email
        locked.status = ErasureRequest.Status.APPROVED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save(update_fields=["status", "decided_by", "decided_at"])
        emit(Event.ERASURE_APPROVED, tenant=tenant, user=actor.user, request=request, target=locked)
        pseudonym = person_anonymise(tenant=tenant, membership=locked.membership,
                                     reason="request")  # fmt: skip
        body = render_to_string("emails/erasure_done.txt", {"tenant": tenant})
        subject = _("Your data at %(company)s has been erased") % {"company": tenant.name}
        # Through the outbox: a mail server or broker failure never fails the saved answer.
        outbox.email(subject, body, [email], tenant=tenant)
    return pseudonym


def erasure_requests_pending(tenant: Tenant) -> list[ErasureRequest]:
    """Requests waiting for an answer, the soonest deadline first."""
    with tenant_context(tenant):
        return list(
            ErasureRequest.objects.filter(tenant=tenant, status=ErasureRequest.Status.PENDING)
            .select_related("membership__user")
            .order_by("due_by", "requested_at")
        )


def erasure_requests_answered(tenant: Tenant) -> QuerySet[ErasureRequest]:
    """Answered and withdrawn requests, newest first (the caller pages them)."""
    return (
        ErasureRequest.objects.filter(tenant=tenant)
        .exclude(status=ErasureRequest.Status.PENDING)
        .select_related("membership__user", "decided_by__user")
        .order_by("-requested_at")
    )


# Anonymisation -------------------------------------------------------------------------------


def pseudonym_for(membership: Membership) -> str:
    return _("Former member %(code)s") % {"code": membership.pk.hex[-6:].upper()}


def person_anonymise(*, tenant: Tenant, membership: Membership, reason: str) -> str:
    """Erase what identifies a member in this company. Shifts, pay rates, hours and leave stay,
    under the pseudonym; the membership stays "left". If no other company still holds the
    person (in any status), their account is erased too; otherwise the account stays for those
    companies and this company's membership moves to a new, inactive account that carries only
    the pseudonym, so nothing here names them any more. Idempotent. Returns the pseudonym."""
    from scheduling.models import SiteUserObjectPermission

    pseudonym = pseudonym_for(membership)
    with tenant_context(tenant), transaction.atomic():
        m = (
            Membership.objects.select_for_update()
            .select_related("user", "role")
            .get(tenant=tenant, pk=membership.pk)
        )
        if m.anonymised_at is not None:
            return pseudonym
        if m.role.kind == RoleKind.OWNER and m.status == Membership.Status.ACTIVE:
            owners = Membership.objects.filter(
                tenant=tenant, role__kind=RoleKind.OWNER, status=Membership.Status.ACTIVE
            ).exclude(pk=m.pk)
            if not owners.exists():
                raise ValidationError(
                    _("This person is the company's only owner: make someone else owner first.")
                )
        user = m.user
        PersonalDetails.objects.filter(tenant=tenant, membership=m).delete()
        DataExport.objects.filter(tenant=tenant, membership=m).defer("content").delete()
        acceptances = PolicyAcceptance.objects.filter(tenant=tenant, membership=m)
        acceptance_ids = [str(pk) for pk in acceptances.values_list("pk", flat=True)]
        acceptances.update(ip_address=None)
        ErasureRequest.objects.filter(tenant=tenant, membership=m).update(note="")
        WorkProfile.objects.filter(tenant=tenant, membership=m).update(calendar_token_hash="")
        # Free text they wrote or that was written to them; the dates and amounts stay.
        LeaveRequest.objects.filter(tenant=tenant, membership=m).update(
            note="", decision_comment=""
        )
        AvailabilityException.objects.filter(tenant=tenant, membership=m).update(note="")
        # The stored rule breaks quote those notes ("unavailable (Dentist)"): written again.
        refresh_people(tenant, [m.pk])
        ShiftWish.objects.filter(tenant=tenant, membership=m).delete()  # wishes for their future
        ShiftClaim.objects.filter(tenant=tenant, membership=m).update(decision_comment="")
        ShiftSwap.objects.filter(
            Q(offered_by=m) | Q(offered_to=m) | Q(accepted_by=m), tenant=tenant
        ).update(note="", decision_comment="")
        # Their own copies of messages, requests and reminders, and their email choices.
        Notification.objects.filter(tenant=tenant, recipient=m).delete()
        EmailPreferences.objects.filter(tenant=tenant, membership=m).delete()
        permissions = SiteUserObjectPermission.objects.filter(tenant=tenant, user=user)
        permission_ids = [str(pk) for pk in permissions.values_list("pk", flat=True)]
        permissions.delete()
        # The apps above gdpr that hold personal data (attendance's punches) erase theirs.
        redacted: dict[str, list[str]] = {}
        for hook in personal_data_hooks():
            redacted |= hook.erase(tenant, m)
        m.status = Membership.Status.LEFT
        m.left_at = m.left_at or timezone.now()
        m.anonymised_at = timezone.now()
        m.save(update_fields=["status", "left_at", "anonymised_at"])
        # After every change above, so that their entries are redacted too; before the
        # invitations' addresses change, which is how the redaction finds them.
        redact_person(tenant=tenant, user=user, also={
            "scheduling.siteuserobjectpermission": permission_ids,
            "gdpr.policyacceptance": acceptance_ids, **redacted,
        })  # fmt: skip
        Invitation.objects.filter(tenant=tenant, email__iexact=user.email).update(
            email=f"erased-{m.pk.hex}@erased.invalid",
            revoked_at=Coalesce(F("revoked_at"), Value(timezone.now())),
        )
        account_erased = other_companies_holding(user, besides=tenant.pk) == 0
        if account_erased:
            user_erase(user=user, pseudonym=pseudonym)
        else:
            stand_in = user_create(email=f"erased-{m.pk.hex}@erased.invalid", password=None,
                                   full_name=pseudonym, active=False)  # fmt: skip
            Membership.objects.filter(pk=m.pk).update(user=stand_in)
        emit(Event.PERSON_ANONYMISED, tenant=tenant, target=m,
             data={"reason": reason, "account_erased": account_erased})  # fmt: skip
    return pseudonym


# Retention -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int
    audit_purged: int
    exports_deleted: int


def retention_apply(tenant: Tenant, *, now: dt.datetime | None = None) -> RetentionResult:
    """The daily retention pass for one company: anonymise former members whose period has
    run out (each in their own transaction: one failure is logged and the others go ahead),
    remove archived audit entries older than the audit period, and delete expired exports.
    Periods come from the privacy settings (their defaults until those are saved)."""
    now = now or timezone.now()
    with tenant_context(tenant):
        privacy = PrivacySettings.objects.filter(tenant=tenant).first() or PrivacySettings()
        cutoff = now - dt.timedelta(days=privacy.former_employee_retention_days)
        due = list(
            Membership.objects.filter(
                tenant=tenant, status=Membership.Status.LEFT, left_at__lt=cutoff,
                anonymised_at__isnull=True,
            ).order_by("left_at")[:500]
        )  # fmt: skip
    anonymised = 0
    for membership in due:
        try:
            person_anonymise(tenant=tenant, membership=membership, reason="retention")
        except Exception:
            logger.exception("retention could not anonymise a member",
                             extra={"membership_id": str(membership.pk)})  # fmt: skip
        else:
            anonymised += 1
    purged = retention_purge(
        tenant=tenant, before=now - dt.timedelta(days=privacy.audit_retention_days)
    )
    with tenant_context(tenant):
        expired, _ = (
            DataExport.objects.filter(tenant=tenant, expires_at__lt=now).defer("content").delete()
        )
        # A build that never finished (its worker died) is shown as failed, to ask again.
        DataExport.objects.filter(
            tenant=tenant, status=DataExport.Status.PENDING,
            requested_at__lt=now - EXPORT_STALE_AFTER,
        ).update(status=DataExport.Status.FAILED, finished_at=now)  # fmt: skip
    return RetentionResult(anonymised=anonymised, audit_purged=purged, exports_deleted=expired)
