"""Data subjects' rights: the data export (complete, one person's only, expiring, audited),
erasure requests (one at a time, the deadline, decline with a reason, approval anonymises) and
the retention pass."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from accounts.identity import account_scope
from accounts.models import User
from audit.models import AuditEntry
from gdpr import policies, rights
from gdpr import services as gdpr_services
from gdpr.models import DataExport, ErasureRequest, PersonalDetails, PolicyAcceptance
from scheduling.models import (
    EmailPreferences,
    Notification,
    NotificationKind,
    Shift,
    ShiftSwap,
    WorkProfile,
)
from tenancy import services as tenancy_services
from tenancy.context import tenant_context
from tenancy.models import Membership, SensitiveKind, Tenant
from tenancy.permissions import RoleKind
from tests import builders
from tests.factories import member, tenant_with_roles

pytestmark = pytest.mark.django_db

IP = "203.0.113.77"
AGENT = "ErasureTestAgent/1.0"
OTHER_IP = "198.51.100.9"


class Company(builders.Company):
    """Samira (the data subject) and Colin, colleagues at Harbour View, with personal details,
    shifts three days ago and an accepted policy; Ada Admin runs the company."""

    def __init__(self) -> None:
        tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
        admin = member(tenant, kind=RoleKind.ADMIN, email="admin@alpha.test",
                       full_name="Ada Admin")  # fmt: skip
        self._adopt(tenant, admin)  # no manager: the admin is the only one who decides
        self.employee = self.new_person("Samira Subjectova", "sam.subject@alpha.test")
        self.colleague = self.new_person("Colin Colleague", "colin.colleague@alpha.test")
        gdpr_services.data_settings_save(
            tenant=self.tenant, actor=self.admin, kinds=list(SensitiveKind.values),
            former_employee_retention_days=730, audit_retention_days=2555,
        )  # fmt: skip
        gdpr_services.details_save(
            tenant=self.tenant, actor=self.employee, membership=self.employee,
            values={"home_address": "17 Quillby Lane", "national_insurance": "QQ123456C",
                    "emergency_contact": "Rafe Subjectov 07700 900999"},
        )  # fmt: skip
        gdpr_services.details_save(
            tenant=self.tenant, actor=self.colleague, membership=self.colleague,
            values={"home_address": "99 Colleague Close"},
        )  # fmt: skip
        self.site = self.new_site("Harbour View")
        self.position = self.new_position("Carer")
        start = timezone.now().replace(microsecond=0) - dt.timedelta(days=3)
        for who, note in ((self.employee, "Sam's handover"), (self.colleague, "Colin note")):
            self.shift(who, start, notes=note)
        self.profile(self.employee, [self.position], [self.site], hourly_rate=Decimal("12.75"))
        version = policies.policy_publish(
            tenant=self.tenant, actor=self.admin, policy=None, title="Code of conduct",
            file_name="code.md", content=b"# Be kind",
        )  # fmt: skip
        for who in (self.admin, self.employee, self.colleague):
            address = IP if who is self.employee else OTHER_IP
            policies.policies_accept(tenant=self.tenant, membership=who, version_ids={version.pk},
                                     ip_address=address)  # fmt: skip

    def client(self, membership: Membership) -> Client:  # from the subject's own address
        mine = membership is self.employee
        client = Client(REMOTE_ADDR=IP if mine else OTHER_IP,
                        HTTP_USER_AGENT=AGENT if mine else "OtherBrowser/2.0")  # fmt: skip
        client.force_login(membership.user)
        return client

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(name, kwargs={"tenant_slug": self.tenant.slug, **kwargs})


@pytest.fixture
def company() -> Company:
    return Company()


def _export(company: Company, who: Membership | None = None) -> DataExport:
    who = who or company.employee
    with TestCase.captureOnCommitCallbacks(execute=True):
        export = rights.export_request(tenant=company.tenant, membership=who)
    with tenant_context(company.tenant):
        export.refresh_from_db()
    return export


# Data export ---------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_person_and_nothing_of_anyone_else(
    company: Company,
) -> None:
    other = tenant_with_roles(name="Bravo Guards", slug="bravo")
    member(other, email="bravo.person@bravo.test", full_name="Bravo Person")
    company.client(company.employee).get(company.url("my-details"))  # an audited view
    with tenant_context(company.tenant):
        colins = Shift.objects.get(notes="Colin note")
        ShiftSwap.objects.create(shift=colins, offered_by=company.colleague,
                                 offered_to=company.employee, note="Cover my Tuesday?")  # fmt: skip
        for who in (company.employee, company.colleague):
            Notification.objects.create(recipient=who, actor=company.colleague,
                                        kind=NotificationKind.REQUEST,
                                        title=f"A swap is offered to {who.pk}")  # fmt: skip
        EmailPreferences.objects.create(membership=company.employee, reminders=False)
    export = _export(company)
    assert export.status == DataExport.Status.READY and export.progress == 100
    assert export.expires_at is not None
    assert export.expires_at - export.finished_at == rights.EXPORT_LIFETIME  # type: ignore[operator]
    assert b"Samira" not in bytes(export.content or b"")  # stored encrypted
    archive = zipfile.ZipFile(io.BytesIO(rights.export_content(export)))
    names = set(archive.namelist())
    assert names == {
        "README.txt", "profile.json", "personal_details.json", "work_profile.json",
        "shifts.csv", "policy_acceptances.csv", "erasure_requests.json", "activity_log.csv",
        "leave.csv", "leave_allowances.json", "availability.json", "open_shift_claims.csv",
        "shift_swaps.csv", "notifications.csv", "email_preferences.json",
        # attendance's, through the personal-data hook (tests/attendance/test_personal_data.py)
        "punches.csv", "timesheets.csv",
    }  # fmt: skip
    files = {name: archive.read(name).decode() for name in names}
    everything = "\n".join(files.values())
    profile = json.loads(files["profile.json"])
    assert profile["account"]["email"] == "sam.subject@alpha.test"
    assert profile["account"]["full_name"] == "Samira Subjectova"
    details = json.loads(files["personal_details.json"])
    assert details["National Insurance number"] == "QQ123456C"  # decrypted for its owner
    assert details["Home address"] == "17 Quillby Lane"
    work = json.loads(files["work_profile.json"])
    assert work["positions"] == ["Carer"] and work["hourly_rate"] == "12.75"
    assert "Harbour View" in files["shifts.csv"] and "Sam's handover" in files["shifts.csv"]
    assert IP in files["policy_acceptances.csv"] and "Code of conduct" in everything
    assert "personal_data.viewed" in files["activity_log.csv"]
    assert AGENT in files["activity_log.csv"]
    assert "Dana Protector" in files["README.txt"]
    assert "Cover my Tuesday?" in files["shift_swaps.csv"]
    assert "offered to you" in files["shift_swaps.csv"]
    notifications = files["notifications.csv"]
    assert f"A swap is offered to {company.employee.pk}" in notifications
    assert str(company.colleague.pk) not in notifications  # only the person's own copies
    assert json.loads(files["email_preferences.json"])["reminders"] is False
    for foreign in ("Colin", "colin.colleague", "99 Colleague Close", "admin@alpha.test",
                    "Ada Admin", "Bravo", "bravo"):  # fmt: skip
        assert foreign not in everything, foreign


def test_the_download_is_for_its_owner_only_until_it_expires_and_is_audited(
    company: Company,
) -> None:
    export = _export(company)
    url = company.url("export-download", export_id=export.pk)
    response = company.client(company.employee).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
    with tenant_context(company.tenant):
        assert AuditEntry.objects.filter(event="data_export.downloaded",
                                         object_pk=str(export.pk)).count() == 1  # fmt: skip
    assert company.client(company.colleague).get(url).status_code == 404
    assert company.client(company.admin).get(url).status_code == 404
    status_url = company.url("export-status", export_id=export.pk)
    assert company.client(company.colleague).get(status_url).status_code == 404
    with tenant_context(company.tenant):
        DataExport.objects.filter(pk=export.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    assert company.client(company.employee).get(url).status_code == 404


def test_the_page_shows_progress_while_preparing_and_a_link_when_ready(company: Company) -> None:
    client = company.client(company.employee)
    with TestCase.captureOnCommitCallbacks(execute=False):  # the task has not run yet
        response = client.post(company.url("export-new"))
    assert response.status_code == 302
    with tenant_context(company.tenant):
        export = DataExport.objects.get(membership=company.employee)
    page = client.get(company.url("my-data")).content.decode()
    assert "Preparing" in page and 'hx-trigger="every 1s"' in page
    rights.export_build(tenant=company.tenant, export_id=export.pk)
    row = client.get(company.url("export-status", export_id=export.pk)).content.decode()
    assert "Download ZIP" in row and "every 1s" not in row


def test_asking_twice_while_preparing_makes_one_export_and_the_daily_limit_holds(
    company: Company,
) -> None:
    with TestCase.captureOnCommitCallbacks(execute=False):
        first = rights.export_request(tenant=company.tenant, membership=company.employee)
        second = rights.export_request(tenant=company.tenant, membership=company.employee)
    assert first.pk == second.pk
    rights.export_build(tenant=company.tenant, export_id=first.pk)
    for _ in range(rights.EXPORTS_PER_DAY - 1):
        _export(company)
    with pytest.raises(ValidationError, match="copies in the last day"):
        rights.export_request(tenant=company.tenant, membership=company.employee)
    with tenant_context(company.tenant):
        assert DataExport.objects.count() == rights.EXPORTS_PER_DAY


def test_a_failed_build_is_shown_as_failed(company: Company, monkeypatch: Any) -> None:
    from gdpr import exports

    def broken(subject: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "SECTIONS", [("broken", broken)])
    with TestCase.captureOnCommitCallbacks(execute=False):
        export = rights.export_request(tenant=company.tenant, membership=company.employee)
    assert rights.export_build(tenant=company.tenant, export_id=export.pk) is None
    with tenant_context(company.tenant):
        export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
    page = company.client(company.employee).get(company.url("my-data")).content.decode()
    assert "Please ask again" in page


# Erasure requests ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (dt.date(2026, 12, 15), dt.date(2027, 1, 15)),
        (dt.date(2026, 11, 22), dt.date(2026, 12, 22)),
    ],
)
def test_the_deadline_is_one_calendar_month(day: dt.date, due: dt.date) -> None:
    assert rights.one_month_after(day) == due


def test_a_request_tells_the_privacy_team_and_a_second_one_is_refused(company: Company) -> None:
    client = company.client(company.employee)
    page = client.get(company.url("erasure-new")).content.decode()
    due = rights.due_date(company.tenant)
    assert f"{due.day} {due:%B %Y}" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(company.url("erasure-new"), {"note": "I have left the area."})
    assert response.status_code == 302
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["admin@alpha.test", "dpo@alpha.test"]
    assert "/alpha/privacy/erasure-requests/" in mail.outbox[0].body
    response = client.post(company.url("erasure-new"), {"note": "again"})
    assert response.status_code == 400
    assert "You already asked on" in response.content.decode()
    with tenant_context(company.tenant):
        assert ErasureRequest.objects.count() == 1
        request = ErasureRequest.objects.get()
        assert request.due_by == due
        assert AuditEntry.objects.filter(event="erasure.requested").count() == 1
    my_data = client.get(company.url("my-data")).content.decode()
    assert "must answer by" in my_data
    client.post(company.url("erasure-withdraw"))
    with tenant_context(company.tenant):
        request.refresh_from_db()
    assert request.status == ErasureRequest.Status.WITHDRAWN
    assert rights.erasure_pending(company.tenant, company.employee) is None


def test_declining_needs_a_reason_which_the_person_sees(company: Company) -> None:
    erasure = rights.erasure_request(tenant=company.tenant, membership=company.employee, note="")
    admin = company.client(company.admin)
    url = company.url("erasure-detail", request_id=erasure.pk)
    response = admin.post(url, {"action": "decline", "reason": "no"})
    assert response.status_code == 400
    with tenant_context(company.tenant):
        erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING
    reason = "We must keep payroll records until the end of the tax year."
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin.post(url, {"action": "decline", "reason": reason})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["sam.subject@alpha.test"] and reason in mail.outbox[-1].body
    page = company.client(company.employee).get(company.url("my-data")).content.decode()
    assert reason in page and "declined" in page
    # Answered once: a second answer is refused.
    with pytest.raises(ValidationError, match="already been answered"):
        rights.erasure_approve(tenant=company.tenant, actor=company.admin, erasure=erasure)


def test_only_the_privacy_team_sees_requests_and_nobody_answers_their_own(
    company: Company,
) -> None:
    erasure = rights.erasure_request(tenant=company.tenant, membership=company.admin, note="")
    assert company.client(company.employee).get(company.url("erasure-requests")).status_code == 403
    response = company.client(company.admin).post(
        company.url("erasure-detail", request_id=erasure.pk),
        {"action": "approve", "confirm": "on"},
    )
    assert response.status_code == 400
    assert "someone else who manages privacy must answer" in response.content.decode().lower()
    with tenant_context(company.tenant):
        erasure.refresh_from_db()
    assert erasure.status == ErasureRequest.Status.PENDING


def test_approving_needs_the_confirmation_box(company: Company) -> None:
    erasure = rights.erasure_request(tenant=company.tenant, membership=company.employee, note="")
    response = company.client(company.admin).post(
        company.url("erasure-detail", request_id=erasure.pk), {"action": "approve"}
    )
    assert response.status_code == 400
    assert "Tick the box to confirm." in response.content.decode()
    with tenant_context(company.tenant):
        assert Membership.objects.get(pk=company.employee.pk).anonymised_at is None


def _text_hits(values: list[str]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) where a value appears in any text-like column of any row,
    in every tenant (row-level security shows one tenant at a time) and in shared tables."""
    from django.db import connection

    from tenancy import rls

    hits: set[tuple[str, str, str]] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' AND c.data_type IN "
            "('text', 'character varying', 'json', 'jsonb', 'inet', 'bytea', 'character')"
        )
        columns = cursor.fetchall()
        tenant_ids = [str(pk) for pk in Tenant.objects.values_list("pk", flat=True)]
        for tenant_id in [*tenant_ids, ""]:
            cursor.execute("SELECT set_config(%s, %s, false)", [rls.TENANT_SETTING, tenant_id])
            for table, column, kind in columns:
                for value in values:
                    if kind == "bytea":
                        condition = f"position(convert_to(%s, 'UTF8') in \"{column}\") > 0"
                    else:
                        condition = f"\"{column}\"::text ILIKE '%%' || %s || '%%'"
                    cursor.execute(f'SELECT 1 FROM "{table}" WHERE {condition} LIMIT 1', [value])
                    if cursor.fetchone():
                        hits.add((table, column, value))
        cursor.execute("SELECT set_config(%s, '', false)", [rls.TENANT_SETTING])
    return sorted(hits)


@pytest.mark.postgres
def test_an_approved_erasure_leaves_no_personal_value_anywhere_in_the_database(
    company: Company,
) -> None:
    from axes.models import AccessLog

    from audit.services import verify_tenant
    from scheduling.models import SCHEDULE_SITE
    from tenancy.models import Invitation
    from tenancy.object_permissions import object_permission_grant

    employee = company.employee
    object_permission_grant(tenant=company.tenant, actor=company.admin, membership=employee,
                            permission=SCHEDULE_SITE, obj=company.site)  # fmt: skip
    client = company.client(employee)
    client.get(company.url("my-details"))  # audited, with the address and browser
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(company.url("export-new"))
    with tenant_context(company.tenant):
        now = timezone.now()
        Invitation.objects.create(email="Sam.Subject@alpha.test", role=employee.role,
                                  token_hash="f" * 64, invited_by=company.admin,
                                  expires_at=now, accepted_at=now)  # fmt: skip
    AccessLog.objects.create(username="sam.subject@alpha.test", ip_address=IP, user_agent=AGENT,
                             attempt_time=timezone.now())  # fmt: skip
    with tenant_context(company.tenant):  # free text about them in swaps and their inbox
        sams = Shift.objects.get(notes="Sam's handover")
        ShiftSwap.objects.create(shift=sams, offered_by=employee, offered_to=company.colleague,
                                 note="Samira has a hospital visit",
                                 decision_comment="Get well, Samira")  # fmt: skip
        Notification.objects.create(recipient=employee, kind=NotificationKind.MESSAGE,
                                    title="Hello", body="For Samira: 17 Quillby Lane")  # fmt: skip
        EmailPreferences.objects.create(membership=employee, messages=False)
    client.post(company.url("erasure-new"), {"note": "Please erase Samira Subjectova."})
    erased = ["sam.subject@alpha.test", "Samira", "Subjectova", "17 Quillby Lane",
              "Rafe Subjectov", IP, AGENT]  # fmt: skip
    assert _text_hits(erased), "the search must find the values before the erasure"
    with tenant_context(company.tenant):
        erasure = ErasureRequest.objects.get()
        hours_before = sum(s.paid_minutes for s in Shift.objects.filter(membership=employee))
    admin = company.client(company.admin)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin.post(company.url("erasure-detail", request_id=erasure.pk),
                              {"action": "approve", "confirm": "on"})  # fmt: skip
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["sam.subject@alpha.test"]  # told, before the address went
    assert _text_hits(erased) == []
    assert _text_hits([OTHER_IP, "Colin Colleague"])  # other people's values stay
    with account_scope(employee.user_id):
        user = User.objects.get(pk=employee.user_id)
    assert not user.is_active and not user.has_usable_password()
    assert user.full_name == rights.pseudonym_for(employee)
    with tenant_context(company.tenant):
        membership = Membership.objects.get(pk=employee.pk)
        assert membership.status == Membership.Status.LEFT and membership.anonymised_at
        assert not PersonalDetails.objects.filter(membership=employee).exists()
        assert not DataExport.objects.filter(membership=employee).exists()
        assert PolicyAcceptance.objects.filter(membership=employee, ip_address=None).exists()
        kept = sum(s.paid_minutes for s in Shift.objects.filter(membership=employee))
        assert kept == hours_before > 0  # shifts and hours stay, under the pseudonym
        assert WorkProfile.objects.get(membership=employee).hourly_rate == Decimal("12.75")
        assert AuditEntry.objects.filter(event="person.anonymised").count() == 1
        assert not Notification.objects.filter(recipient=employee).exists()
        assert not EmailPreferences.objects.filter(membership=employee).exists()
        assert ShiftSwap.objects.filter(offered_by=employee, note="").exists()
    assert verify_tenant(company.tenant).ok
    # The person's session has ended.
    response = client.get(company.url("my-shifts"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("status", [Membership.Status.ACTIVE, Membership.Status.SUSPENDED])
def test_a_person_still_held_elsewhere_keeps_their_account_and_vanishes_here(
    company: Company, status: str
) -> None:
    other = tenant_with_roles(name="Bravo Guards", slug="bravo")
    elsewhere = member(other, user=company.employee.user, status=status)
    pseudonym = rights.person_anonymise(tenant=company.tenant, membership=company.employee,
                                        reason="request")  # fmt: skip
    with account_scope(company.employee.user_id):
        user = User.objects.get(pk=company.employee.user_id)
    assert user.email == "sam.subject@alpha.test" and user.has_usable_password()
    with tenant_context(company.tenant):
        here = Membership.objects.select_related("user").get(pk=company.employee.pk)
    assert here.anonymised_at is not None
    assert here.user_id != user.pk and here.user.full_name == pseudonym  # a stand-in account
    assert not here.user.is_active
    people = company.client(company.admin).get(company.url("people")).content.decode()
    assert "Samira" not in people and "sam.subject" not in people and pseudonym in people
    with tenant_context(other):
        assert Membership.objects.get(pk=elsewhere.pk).status == status


def test_the_only_owner_cannot_be_erased(company: Company) -> None:
    owner = member(company.tenant, kind=RoleKind.OWNER)
    with pytest.raises(ValidationError, match="only owner"):
        rights.person_anonymise(tenant=company.tenant, membership=owner, reason="request")


# Retention -----------------------------------------------------------------------------------


def test_removing_someone_starts_their_retention_clock_and_reactivating_stops_it(
    company: Company,
) -> None:
    left = tenancy_services.membership_set_status(
        tenant=company.tenant, actor=company.admin, membership=company.employee, status="left"
    )
    assert left.left_at is not None
    back = tenancy_services.membership_set_status(
        tenant=company.tenant, actor=company.admin, membership=left, status="active"
    )
    assert back.left_at is None


def test_retention_anonymises_former_members_once_the_period_has_passed(
    company: Company,
) -> None:
    for who in (company.employee, company.colleague):
        tenancy_services.membership_set_status(
            tenant=company.tenant, actor=company.admin, membership=who, status="left"
        )
    with tenant_context(company.tenant):
        Membership.objects.filter(pk=company.employee.pk).update(
            left_at=timezone.now() - dt.timedelta(days=731)
        )
        Membership.objects.filter(pk=company.colleague.pk).update(
            left_at=timezone.now() - dt.timedelta(days=729)
        )
    export = _export(company, company.admin)
    with tenant_context(company.tenant):
        DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    result = rights.retention_apply(company.tenant)
    assert result.anonymised == 1 and result.exports_deleted == 1
    with account_scope(company.employee.user_id):
        assert not User.objects.get(pk=company.employee.user_id).is_active
    with account_scope(company.colleague.user_id):
        assert User.objects.get(pk=company.colleague.user_id).full_name == "Colin Colleague"
    assert rights.retention_apply(company.tenant).anonymised == 0  # once only


def test_retention_removes_archived_audit_entries_older_than_the_period(
    company: Company, monkeypatch: Any
) -> None:
    calls: list[dict[str, Any]] = []

    def purge(**kwargs: Any) -> int:
        calls.append(kwargs)
        return 3

    monkeypatch.setattr(rights, "retention_purge", purge)
    now = timezone.now()
    assert rights.retention_apply(company.tenant, now=now).audit_purged == 3
    assert calls == [{"tenant": company.tenant, "before": now - dt.timedelta(days=2555)}]


def test_the_beat_task_runs_every_company(company: Company) -> None:
    from gdpr.tasks import apply_retention_all_tenants

    tenancy_services.membership_set_status(
        tenant=company.tenant, actor=company.admin, membership=company.employee, status="left"
    )
    with tenant_context(company.tenant):
        Membership.objects.filter(pk=company.employee.pk).update(
            left_at=timezone.now() - dt.timedelta(days=800)
        )
    tenant_with_roles(name="Bravo Guards", slug="bravo")
    assert apply_retention_all_tenants() == 1
