"""One place to build the companies the tests need.

`Company` makes a tenant with its built-in roles, a named DPO, an admin and a manager, then adds
sites, positions, people with work profiles, shifts and settings, and reads back notifications
and audit entries. A test module describes its cast as a subclass (or uses `Rota`, the
scheduling tests' standard cast) instead of building a world by hand.
The people, accounts and tenants themselves come from `tests.factories`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django.test import Client

from audit.models import AuditEntry
from scheduling.models import Notification, Position, SchedulingSettings, Shift, Site
from scheduling.rota import services as rota_services
from scheduling.rules.stored import refresh_shifts
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, tenant_with_roles

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 11, 23)  # a week with no clock change


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`day` at local London wall time, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def signed_in(membership: Membership) -> Client:
    """A test client signed in as `membership`'s user."""
    client = Client()
    client.force_login(membership.user)
    return client


class Company:
    """A tenant under construction, with the admin and manager every scheduling test needs.
    Subclasses (a test module's cast) add their people in `__init__` with these calls."""

    def __init__(
        self,
        slug: str = "alpha",
        *,
        name: str | None = None,
        admin_email: str | None = None,
        manager_email: str | None = None,
    ) -> None:
        self.tenant: Tenant = tenant_with_roles(name=name or f"{slug.title()} Care", slug=slug)
        self.slug = slug
        self.admin = self.new_person("Ada Admin", admin_email, kind=RoleKind.ADMIN)
        self.manager = self.new_person("Max Manager", manager_email, kind=RoleKind.MANAGER)
        self._first_site: Site | None = None
        self._first_position: Position | None = None

    @classmethod
    def around(cls, tenant: Tenant, *, admin: Membership) -> Company:
        """Build on a tenant that already exists, acting as `admin` (who is also the manager)."""
        made = cls.__new__(cls)
        Company._adopt(made, tenant, admin)
        return made

    def _adopt(self, tenant: Tenant, admin: Membership) -> None:
        self.tenant, self.slug, self.admin, self.manager = tenant, tenant.slug, admin, admin
        self._first_site = self._first_position = None

    # building ---------------------------------------------------------------------------------

    def new_site(self, name: str, time_zone: str = "Europe/London", **fields: Any) -> Site:
        with tenant_context(self.tenant):
            made = Site.objects.create(name=name, time_zone=time_zone, **fields)
        self._first_site = self._first_site or made
        return made

    def new_position(self, name: str, colour: str = "teal") -> Position:
        with tenant_context(self.tenant):
            made = Position.objects.create(name=name, colour=colour)
        self._first_position = self._first_position or made
        return made

    def new_person(
        self,
        full_name: str,
        email: str | None = None,
        *,
        sites: list[Site] | None = None,
        positions: list[Position] | None = None,
        kind: RoleKind = RoleKind.EMPLOYEE,
        contracted_hours: Decimal = Decimal(30),
        hourly_rate: Decimal | None = None,
        **fields: Any,
    ) -> Membership:
        """Someone in the company; given sites or positions, also their work profile."""
        if email:
            fields["email"] = email
        someone = member(self.tenant, kind=kind, full_name=full_name, **fields)
        if sites is not None or positions is not None:
            self.profile(someone, positions or [], sites or [],
                         contracted_hours=contracted_hours, hourly_rate=hourly_rate)  # fmt: skip
        return someone

    def profile(
        self,
        person: Membership,
        positions: list[Position],
        sites: list[Site],
        *,
        contracted_hours: Decimal = Decimal(30),
        hourly_rate: Decimal | None = None,
    ) -> None:
        """Save `person`'s work profile as the admin does (no weekly or rest limits)."""
        setup_services.work_profile_save(
            tenant=self.tenant, actor=self.admin, membership=person, positions=positions,
            sites=sites, contracted_hours=contracted_hours, max_hours_7_days=None,
            min_rest_hours=None, hourly_rate=hourly_rate,
        )  # fmt: skip

    def shift(
        self,
        person: Membership | None,
        start: dt.datetime,
        hours: float = 8,
        *,
        status: str = Shift.Status.PUBLISHED,
        site: Site | None = None,
        position: Position | None = None,
        **fields: Any,
    ) -> Shift:
        """A shift written straight to the table (no rules, no audit): the state a test starts
        from, with its stored rule breaks worked out as the services would. `hours` is elapsed
        time; site and position default to the first made."""
        start = start.astimezone(dt.UTC)
        site, position = site or self._first_site, position or self._first_position
        assert site is not None and position is not None, "make a site and a position first"
        with tenant_context(self.tenant):
            made = Shift.objects.create(
                site=site, position=position,
                membership=person, start_at=start, end_at=start + dt.timedelta(hours=hours),
                status=status, **fields,
            )  # fmt: skip
            refresh_shifts(self.tenant, [made])
        return made

    def settings(self, **values: Any) -> SchedulingSettings:
        """Working-time and marketplace settings, saved as the admin would."""
        return setup_services.settings_save(tenant=self.tenant, actor=self.admin, **values)

    # reading back -----------------------------------------------------------------------------

    def client(self, who: Membership) -> Client:
        return signed_in(who)

    def reload(self, obj: Any) -> Any:
        with tenant_context(self.tenant):
            return type(obj).objects.get(pk=obj.pk)

    def notifications(self, who: Membership, **filters: Any) -> list[Notification]:
        with tenant_context(self.tenant):
            return list(Notification.objects.filter(recipient=who, **filters).order_by("title"))

    def audit(self, event: str) -> list[AuditEntry]:
        with tenant_context(self.tenant):
            return list(AuditEntry.objects.filter(event=event).order_by("sequence"))


# the scheduling tests' standard cast ----------------------------------------------------------


class Rota(Company):
    """A care company: sites Rosewood and Maple, positions Carer and Cook, and `people`
    employees qualified as carers at Rosewood (37.5 contracted hours at 12.00 an hour)."""

    def __init__(self, slug: str = "alpha", people: int = 2) -> None:
        super().__init__(slug)
        self.site = self.new_site("Rosewood")
        self.other_site = self.new_site("Maple")
        self.carer = self.new_position("Carer", "teal")
        self.cook = self.new_position("Cook", "amber")
        self.people = [self._employee(index) for index in range(people)]

    def _employee(self, index: int) -> Membership:
        return self.new_person(
            f"Employee {index:03d}", f"e{index}@{self.slug}.test", positions=[self.carer],
            sites=[self.site], contracted_hours=Decimal("37.5"), hourly_rate=Decimal("12.00"),
        )  # fmt: skip


def build_rota(slug: str = "alpha", people: int = 2) -> Rota:
    return Rota(slug, people)


def add_shift(
    rota: Rota,
    person: Membership | None,
    start: dt.datetime,
    hours: float = 8,
    *,
    site: Site | None = None,
    position: Position | None = None,
    break_minutes: int = 30,
) -> Shift:
    """A draft shift saved through the rota's service, as the shift dialog saves it."""
    start = start.astimezone(dt.UTC)  # so that `hours` is elapsed time, not wall-clock time
    return rota_services.shift_save(
        tenant=rota.tenant,
        actor=rota.admin,
        shift=None,
        data=rota_services.ShiftInput(
            site=site or rota.site,
            position=position or rota.carer,
            membership=person,
            start_at=start,
            end_at=start + dt.timedelta(hours=hours),
            break_minutes=break_minutes,
        ),
    )
