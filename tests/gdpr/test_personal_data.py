"""The kinds of sensitive data a company keeps, personal details encrypted at rest, who may see
them (every view audited), and turning a kind off (erased after a confirmation)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from audit.models import AuditEntry
from gdpr import crypto, services
from gdpr.models import PersonalDetails
from tenancy.context import tenant_context
from tenancy.models import Membership, PrivacySettings, Role, SensitiveKind, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, tenant_with_roles

pytestmark = pytest.mark.django_db

ALL = list(SensitiveKind.values)
NEW_KEY = "new-key-0123456789abcdef0123456789"
VALUES = {
    "national_insurance": "QQ123456C",
    "bank_details": "A Person 12-34-56 12345678",
    "health_notes": "Asthma: inhaler in locker 4",
    "home_address": "1 Elm Row",
    "emergency_contact": "Pat, partner, 07700 900123",
    "right_to_work": "Passport 2031",
}


@pytest.fixture
def company() -> tuple[Tenant, Membership, Membership]:
    tenant = tenant_with_roles(name="Alpha Care", slug="alpha")
    admin = member(tenant, kind=RoleKind.ADMIN)
    employee = member(tenant, email="sam@alpha.test")
    services.data_settings_save(
        tenant=tenant,
        actor=admin,
        kinds=ALL,
        former_employee_retention_days=730,
        audit_retention_days=2555,
    )
    return tenant, admin, employee


def _client(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def _raw(tenant: Tenant, column: str) -> str:
    with tenant_context(tenant), connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM gdpr_personaldetails")
        return str(cursor.fetchone()[0])


def test_the_most_sensitive_values_are_encrypted_at_rest(company: Any) -> None:
    tenant, admin, employee = company
    services.details_save(tenant=tenant, actor=admin, membership=employee, values=VALUES)
    for column in ("national_insurance", "bank_details", "health_notes"):
        stored = _raw(tenant, column)
        assert stored.startswith("enc1:")
        assert VALUES[column] not in stored
    assert _raw(tenant, "home_address") == "1 Elm Row"  # not one of the encrypted kinds
    details = services.details_read(tenant=tenant, actor=admin, membership=employee, request=None)
    assert details.values["health_notes"] == VALUES["health_notes"]


def test_a_value_encrypted_with_another_key_does_not_decrypt() -> None:
    stored = crypto.encrypt("QQ123456C")
    other_key = override_settings(PERSONAL_DATA_KEYS=["a-completely-different-key-of-length"])
    with other_key, pytest.raises(ValueError, match="not in PERSONAL_DATA_KEYS"):
        crypto.decrypt(stored)
    with override_settings(PERSONAL_DATA_KEYS=[NEW_KEY, *settings.PERSONAL_DATA_KEYS]):
        rotated = crypto.reencrypt(stored)
        assert crypto.decrypt(rotated) == "QQ123456C"
    with override_settings(PERSONAL_DATA_KEYS=[NEW_KEY]):
        assert crypto.decrypt(rotated) == "QQ123456C"


def test_the_person_and_people_with_the_permission_see_details_and_each_view_is_audited(
    company: Any,
) -> None:
    tenant, admin, employee = company
    services.details_save(tenant=tenant, actor=employee, membership=employee, values=VALUES)
    assert "Asthma" in _client(employee).get("/alpha/my-details/").content.decode()
    page = _client(admin).get(f"/alpha/people/{employee.pk}/details/").content.decode()
    assert "Asthma" in page and "QQ123456C" in page
    manager = member(tenant, kind=RoleKind.MANAGER)
    denied = _client(manager).get(f"/alpha/people/{employee.pk}/details/")
    assert denied.status_code == 403 and "Asthma" not in denied.content.decode()
    with tenant_context(tenant):
        views = AuditEntry.objects.filter(event="personal_data.viewed")
        assert views.count() == 2
        changes = AuditEntry.objects.get(event="personal_data.changed")
        # The audit trail names the fields, never the values.
        assert "Asthma" not in str(changes.additional_data) + str(changes.changes)
        assert "health_notes" in changes.additional_data["fields"]


def test_forms_show_only_the_kinds_kept(company: Any) -> None:
    tenant, admin, employee = company
    services.data_settings_save(
        tenant=tenant,
        actor=admin,
        kinds=["home_address"],
        former_employee_retention_days=730,
        audit_retention_days=2555,
    )
    page = _client(employee).get("/alpha/my-details/").content.decode()
    assert 'name="home_address"' in page
    assert 'name="national_insurance"' not in page and 'name="health_notes"' not in page
    # A forged field of a kind not kept is not stored.
    _client(employee).post(
        "/alpha/my-details/", {"home_address": "3 Oak St", "health_notes": "forged"}
    )
    with tenant_context(tenant):
        row = PersonalDetails.objects.get()
    assert (row.home_address, row.health_notes) == ("3 Oak St", "")


def test_turning_a_kind_off_asks_first_then_erases_for_everyone(company: Any) -> None:
    tenant, admin, employee = company
    services.details_save(tenant=tenant, actor=admin, membership=employee, values=VALUES)
    other = member(tenant)
    services.details_save(
        tenant=tenant, actor=admin, membership=other, values={"health_notes": "Diabetic"}
    )
    client = _client(admin)
    kept = [k for k in ALL if k != "health_notes"]
    form = {"kinds": kept, "former_employee_retention_days": 730, "audit_retention_days": 2555}
    page = client.post("/alpha/settings/privacy/data/", form).content.decode()
    assert "erases what is stored for 2 people" in page
    with tenant_context(tenant):
        assert PersonalDetails.objects.exclude(health_notes="").count() == 2  # nothing yet
    response = client.post("/alpha/settings/privacy/data/", {**form, "confirmed": "True"})
    assert response.status_code == 302
    with tenant_context(tenant):
        assert PersonalDetails.objects.exclude(health_notes="").count() == 0
        assert PersonalDetails.objects.get(membership=employee).home_address == "1 Elm Row"
        entry = AuditEntry.objects.get(
            event="privacy.kinds_changed", additional_data__removed=["health_notes"]
        )
        assert entry.additional_data["people_erased"] == 2


def test_bad_retention_is_refused_and_nothing_changes(company: Any) -> None:
    tenant, admin, _employee = company
    response = _client(admin).post(
        "/alpha/settings/privacy/data/",
        {
            "kinds": ["home_address"],
            "former_employee_retention_days": 5,
            "audit_retention_days": 2555,
        },
    )
    assert response.status_code == 400
    with tenant_context(tenant):
        assert PrivacySettings.objects.get().kept_kinds == ALL


def test_a_custom_role_with_the_permission_sees_details(company: Any) -> None:
    tenant, _admin, employee = company
    hr = member(tenant, kind=RoleKind.EMPLOYEE)
    with tenant_context(tenant):
        hr.role = Role.objects.create(name="HR", permissions=["view_personal_data"])
        hr.save(update_fields=["role"])
    assert _client(hr).get(f"/alpha/people/{employee.pk}/details/").status_code == 200
