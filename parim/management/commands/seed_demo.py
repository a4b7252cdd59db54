"""Load the demo: two companies with one person per built-in role and a few more employees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from accounts.catalogue import Event
from accounts.models import User
from accounts.services import user_create
from audit.services import record
from gdpr import policies, rights
from gdpr import services as gdpr_services
from gdpr.models import ErasureRequest
from parim.demo_schedule import seed_schedule
from parim.demo_selfservice import seed_selfservice
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, SecurityPolicy, Tenant
from tenancy.permissions import RoleKind
from tenancy.services import (
    builtin_role,
    invitation_create,
    membership_create,
    privacy_settings_update,
    tenant_create,
)

CODE_OF_CONDUCT = """# Code of conduct

1. Treat residents, visitors and colleagues with dignity and respect.
2. Arrive on time for your shift, and tell your manager as early as you can if you cannot.
3. Keep what you learn about residents confidential.
4. Report any concern about a resident's safety to the nurse in charge at once.
"""
DEMO_PASSWORD = "rota-demo-2026"  # noqa: S105  (printed by `make run`; the demo only)


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    domain: str
    time_zone: str
    role_people: dict[RoleKind, str]
    employees: list[str]
    positions: list[tuple[str, str]]
    sites: list[tuple[str, str]]
    # The employee (by first name) who has asked for their data to be erased, if anyone.
    erasure_from: str = ""


DEMO_TENANTS = [
    DemoTenant(
        slug="acme",
        name="Acme Care Homes",
        erasure_from="ella",
        domain="acme.test",
        time_zone="Europe/London",
        role_people={
            RoleKind.OWNER: "Priya Shah",
            RoleKind.ADMIN: "Tom Okafor",
            RoleKind.MANAGER: "Maria Rossi",
            RoleKind.EMPLOYEE: "Sam Taylor",
            RoleKind.AUDITOR: "Grace Chen",
        },
        employees=[
            "Aisha Khan",
            "Ben Murphy",
            "Chloe Evans",
            "Daniel Novak",
            "Ella Hughes",
            "Farah Ali",
            "George Wright",
            "Hannah Scott",
            "Isaac Green",
            "Jade Baker",
            "Kofi Mensah",
            "Laura Price",
            "Mohammed Iqbal",
            "Niamh Kelly",
            "Oliver Hall",
            "Poppy Ward",
            "Rhys Morgan",
            "Sofia Lopez",
            "Theo Clarke",
            "Uma Patel",
            "Victor Adeyemi",
            "Wendy Brooks",
            "Xavier Dunn",
            "Yasmin Farouk",
            "Zach Morris",
        ],
        positions=[
            ("Carer", "teal"),
            ("Senior carer", "indigo"),
            ("Nurse", "pink"),
            ("Cook", "amber"),
            ("Night porter", "slate"),
        ],
        sites=[
            ("Rosewood House", "12 Rosewood Lane, Leeds LS6 2AB"),
            ("Maple Court", "48 Maple Road, York YO10 4DT"),
            ("Harbour View", "3 Quayside, Hull HU1 1TE"),
        ],
    ),
    DemoTenant(
        slug="globex",
        name="Globex Security",
        domain="globex.test",
        time_zone="Europe/London",
        role_people={
            RoleKind.OWNER: "Hank Scorpio",
            RoleKind.ADMIN: "Lena Berg",
            RoleKind.MANAGER: "Marco Silva",
            RoleKind.EMPLOYEE: "Nia Johnson",
            RoleKind.AUDITOR: "Omar Haddad",
        },
        employees=["Paula Reyes", "Quentin Blake", "Rosa Diaz"],
        positions=[("Guard", "blue"), ("Supervisor", "purple")],
        sites=[("Head Office", "1 Globex Plaza, London EC2A 4NE")],
    ),
]


class Command(BaseCommand):
    help = "Create or complete the demo data. Running it again changes nothing."

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        # The demo's own invitations are not mailed (the console would print their links).
        # (Outermost, so the mail sent when the transaction commits is still caught.)
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            for demo in DEMO_TENANTS:
                created += self._seed_tenant(demo)
        self.stdout.write(f"Demo data ready ({created} new records).")
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for demo in DEMO_TENANTS:
            people = ", ".join(f"{kind.value}@{demo.domain}" for kind in demo.role_people)
            self.stdout.write(f"  {demo.name:<18} {people}")

    def _seed_tenant(self, demo: DemoTenant) -> int:
        created = 0
        tenant = Tenant.objects.filter(slug=demo.slug).first()
        new_tenant = tenant is None
        if tenant is None:
            tenant = tenant_create(name=demo.name, slug=demo.slug, time_zone=demo.time_zone)
            created += 1
        people: list[tuple[str, str, RoleKind]] = [
            (f"{kind.value}@{demo.domain}", name, kind) for kind, name in demo.role_people.items()
        ]
        people += [
            (f"{name.split()[0].lower()}@{demo.domain}", name, RoleKind.EMPLOYEE)
            for name in demo.employees
        ]
        with tenant_context(tenant):
            for name, address in demo.sites:
                if not Site.objects.filter(name=name).exists():
                    Site.objects.create(name=name, address=address, time_zone=demo.time_zone)
                    created += 1
        for email, full_name, kind in people:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = user_create(email=email, password=DEMO_PASSWORD, full_name=full_name)
                created += 1
            with tenant_context(tenant):
                if not Membership.objects.filter(user=user).exists():
                    role = builtin_role(tenant=tenant, kind=kind)
                    membership_create(tenant=tenant, user=user, role=role)
                    created += 1
        if not tenant.has_dpo:
            with tenant_context(tenant):
                actor = Membership.objects.get(user__email=f"owner@{demo.domain}")
            privacy_settings_update(
                tenant=tenant, actor=actor, dpo_name="Dana Protector",
                dpo_email=f"dpo@{demo.domain}", dpo_phone="+44 20 7946 0000",
            )  # fmt: skip
            created += 1
        created += self._personal_data(tenant, demo)
        created += self._erasure_request(tenant, demo)
        if new_tenant:
            created += self._history(tenant, demo)
        created += seed_schedule(tenant, demo.positions)
        created += seed_selfservice(tenant, demo.domain)
        return created

    def _personal_data(self, tenant: Tenant, demo: DemoTenant) -> int:
        """The kinds of personal data the company keeps, and the demo employee's details."""
        if gdpr_services.kept_kinds(tenant):
            return 0
        with tenant_context(tenant):
            owner = Membership.objects.select_related("user", "role").get(
                user__email=f"owner@{demo.domain}"
            )
            employee = Membership.objects.select_related("user").get(
                user__email=f"employee@{demo.domain}"
            )
        kinds = ["date_of_birth", "national_insurance", "home_address", "emergency_contact",
                 "bank_details", "right_to_work"]  # fmt: skip
        gdpr_services.data_settings_save(tenant=tenant, actor=owner, kinds=kinds,
                                         former_employee_retention_days=730,
                                         audit_retention_days=2555)  # fmt: skip
        gdpr_services.details_save(
            tenant=tenant, actor=employee, membership=employee,
            values={"home_address": "7 Demo Street, Leeds LS1 1AA",
                    "emergency_contact": "Alex Taylor (partner), 07700 900456",
                    "national_insurance": "QQ123456C"},
        )  # fmt: skip
        self._policy(tenant, owner, employee)
        return 1

    def _erasure_request(self, tenant: Tenant, demo: DemoTenant) -> int:
        """One pending erasure request, for the privacy team to answer (Privacy > Erasure
        requests)."""
        if not demo.erasure_from:
            return 0
        with tenant_context(tenant):
            if ErasureRequest.objects.exists():
                return 0
            asking = Membership.objects.get(user__email=f"{demo.erasure_from}@{demo.domain}")
        rights.erasure_request(
            tenant=tenant, membership=asking, note="I am moving abroad and will not come back.",
            inbox_url=f"/{tenant.slug}/privacy/erasure-requests/",
        )  # fmt: skip
        return 1

    def _policy(self, tenant: Tenant, owner: Membership, employee: Membership) -> None:
        """A published code of conduct that everyone but the demo employee has accepted, so
        employee@ meets the acceptance page on signing in."""
        version = policies.policy_publish(
            tenant=tenant, actor=owner, policy=None, title="Code of conduct",
            file_name="code-of-conduct.md", content=CODE_OF_CONDUCT.encode(),
            summary="First version",
        )  # fmt: skip
        with tenant_context(tenant):
            others = list(Membership.objects.select_related("user").exclude(pk=employee.pk))
        for person in others:
            policies.policies_accept(tenant=tenant, membership=person, version_ids={version.pk},
                                     ip_address=None)  # fmt: skip

    def _history(self, tenant: Tenant, demo: DemoTenant) -> int:
        """A few days of activity for the audit log, written once with the tenant."""
        with tenant_context(tenant):
            owner = Membership.objects.select_related("user", "role").get(
                user__email=f"owner@{demo.domain}"
            )
            manager = Membership.objects.select_related("user").get(
                user__email=f"manager@{demo.domain}"
            )
            employee = Membership.objects.select_related("user").get(
                user__email=f"employee@{demo.domain}"
            )
        for person in (owner, manager, employee):
            record(Event.AUTH_LOGIN, tenant=tenant, target=person.user, actor=person.user)
        record(Event.AUTH_LOGIN_FAILED, tenant=tenant, target=employee.user)
        with tenant_context(tenant):
            lead = Role.objects.create(
                name="Shift lead", permissions=["build_rota", "send_messages"]
            )
            lead.permissions = ["build_rota", "publish_rota", "send_messages"]
            lead.save(update_fields=["permissions"])
            policy = SecurityPolicy.objects.get(tenant=tenant)
            policy.min_password_length = 14
            policy.save(update_fields=["min_password_length", "updated_at"])
        invitation_create(
            tenant=tenant, actor=owner, email=f"new.starter@{demo.domain}",
            role=builtin_role(tenant=tenant, kind=RoleKind.EMPLOYEE),
            accept_url_for=lambda token: f"http://127.0.0.1:8000/{tenant.slug}/join/{token}/",
        )  # fmt: skip
        record(Event.ACCESS_DENIED, tenant=tenant, target=employee, actor=employee.user,
               data={"permission": "view_audit_log", "path": f"/{tenant.slug}/audit/"})  # fmt: skip
        return 1
