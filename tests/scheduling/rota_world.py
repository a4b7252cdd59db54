"""A small company with a site, positions, a manager and qualified employees, for the
scheduling tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.test import Client

from scheduling.models import Position, Shift, Site
from scheduling.rota import services as rota_services
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, tenant_with_roles

LONDON = zoneinfo.ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 11, 23)  # a week with no clock change


@dataclass
class Rota:
    tenant: Tenant
    site: Site
    other_site: Site
    carer: Position
    cook: Position
    manager: Membership
    admin: Membership
    people: list[Membership]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """`day` at local London wall time, as an aware datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def build_rota(slug: str = "alpha", people: int = 2) -> Rota:
    tenant = tenant_with_roles(name=f"{slug.title()} Care", slug=slug)
    admin = member(tenant, kind=RoleKind.ADMIN, full_name="Ada Admin")
    manager = member(tenant, kind=RoleKind.MANAGER, full_name="Max Manager")
    with tenant_context(tenant):
        site = Site.objects.create(name="Rosewood", time_zone="Europe/London")
        other_site = Site.objects.create(name="Maple", time_zone="Europe/London")
        carer = Position.objects.create(name="Carer", colour="teal")
        cook = Position.objects.create(name="Cook", colour="amber")
    staff = []
    for index in range(people):
        person = member(tenant, full_name=f"Employee {index:03d}", email=f"e{index}@{slug}.test")
        setup_services.work_profile_save(
            tenant=tenant,
            actor=admin,
            membership=person,
            positions=[carer],
            sites=[site],
            contracted_hours=Decimal("37.5"),
            hourly_rate=Decimal("12.00"),
            max_hours_7_days=None,
            min_rest_hours=None,
        )
        staff.append(person)
    return Rota(
        tenant=tenant,
        site=site,
        other_site=other_site,
        carer=carer,
        cook=cook,
        manager=manager,
        admin=admin,
        people=staff,
    )


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


def signed_in(membership: Membership) -> Client:
    """A test client signed in as `membership`'s user."""
    client = Client()
    client.force_login(membership.user)
    return client
