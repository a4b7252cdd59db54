"""Load the demo: two companies with one person per built-in role and a few more employees."""

from __future__ import annotations

import time
from typing import Any, cast

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from accounts.catalogue import Event
from accounts.identity import account_by_email, account_scope
from accounts.models import User
from accounts.services import user_create
from audit.services import record
from gdpr import policies, rights
from gdpr import services as gdpr_services
from gdpr.models import ErasureRequest
from parim.demo_attendance import seed_attendance
from parim.demo_people import DEMO_PASSWORD, DEMO_TENANTS, DemoTenant, sign_ins
from parim.demo_schedule import seed_schedule
from parim.demo_selfservice import open_shift_for_employee, seed_selfservice
from scheduling.models import Site
from scheduling.rules.stored import refresh_company
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


class Progress:
    """One line per step; on a terminal the step's line also moves while it runs."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out
        self.live = out.isatty()
        self.started = time.monotonic()

    def update(self, text: str) -> None:
        if self.live:
            self.out.write(f"\r\033[K{text}", ending="")
            self.out.flush()

    def done(self, text: str) -> None:
        seconds = time.monotonic() - self.started
        prefix = "\r\033[K" if self.live else ""
        self.out.write(f"{prefix}{text} ({seconds:.0f} s)")
        self.out.flush()
        self.started = time.monotonic()


class _Migrate(MigrateCommand):
    """Django's migrate, silent but for one progress line."""

    def __init__(self, progress: Progress, total: int) -> None:
        super().__init__()
        self.progress, self.total, self.applied = progress, total, 0

    def migration_progress_callback(
        self, action: str, migration: Any = None, fake: bool = False
    ) -> None:
        if action == "apply_success":
            self.applied += 1
            self.progress.update(f"Preparing the database… {self.applied}/{self.total} migrations")


class Command(BaseCommand):
    help = "Create or complete the demo data. Running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--prepare", action="store_true",
            help="First migrate the database and collect the static files (as `make run`).",
        )  # fmt: skip
        parser.add_argument(
            "--no-sign-ins", action="store_true",
            help="Do not list the sign-ins at the end (`make run` prints them once serving).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        progress = Progress(self.stdout)
        if options["prepare"]:
            self._prepare(progress)
        created = 0
        # The demo's own invitations are not mailed (the console would print their links).
        # (Outermost, so the mail sent when the transaction commits is still caught.)
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            for demo in DEMO_TENANTS:
                created += self._seed_tenant(demo, progress)
        self.stdout.write(f"Demo data ready ({created} new records).")
        if not options["no_sign_ins"]:
            self.stdout.write(sign_ins())

    def _prepare(self, progress: Progress) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        total = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        progress.update(f"Preparing the database… 0/{total} migrations")
        call_command(_Migrate(progress, total), interactive=False, verbosity=0)
        progress.done(f"Preparing the database… {total}/{total} migrations" if total
                      else "Preparing the database… up to date")  # fmt: skip
        progress.update("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)
        progress.done("Collecting static files… done")

    def _seed_tenant(self, demo: DemoTenant, progress: Progress) -> int:
        created = 0
        step = f"Loading the demo: {demo.name}…"
        progress.update(step)
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
        # One hash for everyone (the same password, printed for all to see): Argon2 at the
        # production cost takes about half a second a hash here, and a login verifies it alike.
        hashed = ""
        for number, (email, full_name, kind) in enumerate(people, start=1):
            progress.update(f"{step} people {number}/{len(people)}")
            # Accounts are under row-level security: found by address, changed in their scope.
            user = cast("User | None", account_by_email(email))
            if user is None:
                hashed = hashed or make_password(DEMO_PASSWORD)
                user = user_create(email=email, password=None, full_name=full_name)
                with account_scope(user.pk):
                    user.password = hashed
                    user.save(update_fields=["password"])
                created += 1
            with tenant_context(tenant):
                if not Membership.objects.filter(user=user).exists():
                    role = builtin_role(tenant=tenant, kind=kind)
                    membership_create(tenant=tenant, user=user, role=role)
                    created += 1
        progress.update(f"{step} privacy settings, policy, history")
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
        progress.update(f"{step} the rotas")
        shifts = seed_schedule(tenant, demo.positions)
        progress.update(f"{step} leave, open shifts, swaps, messages")
        created += shifts + seed_selfservice(tenant, demo.domain)
        created += open_shift_for_employee(tenant, demo.domain)
        progress.update(f"{step} last week's clocking")
        created += seed_attendance(tenant, demo.domain)
        progress.update(f"{step} the rule breaks")
        with tenant_context(tenant), transaction.atomic():
            refresh_company(tenant)  # the demo's shifts were written past the services
        progress.done(f"{step} {len(people)} people, {shifts} shifts" if shifts
                      else f"{step} already there")  # fmt: skip
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
        self._policy(tenant, demo, owner, employee)
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

    def _policy(
        self, tenant: Tenant, demo: DemoTenant, owner: Membership, employee: Membership
    ) -> None:
        """The company's published policy (Markdown) that everyone but the demo employee has
        accepted, so employee@ meets the acceptance page on signing in."""
        version = policies.policy_publish(
            tenant=tenant, actor=owner, policy=None, title=demo.policy.title,
            file_name=demo.policy.file_name, content=demo.policy.text.encode(),
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
