"""Whom a manager may manage in attendance: a manager limited to some sites (scheduling.access)
sees, corrects, approves and clocks only the people of those sites."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from attendance.models import Punch
from scheduling.access import schedules_site, sites_for_member
from scheduling.models import Shift, Site, WorkProfileSite
from tenancy.models import Membership


def people_managed(actor: Membership) -> QuerySet[Membership]:
    """The company's members `actor` may manage: everyone, for someone who schedules every
    site; else those whose work profile lists one of their sites, or who have a shift or a punch
    at one of them. One query when evaluated."""
    people = Membership.objects.filter(tenant_id=actor.tenant_id)
    if actor.all_sites:
        return people
    sites = sites_for_member(actor)
    at_sites = Q(
        Exists(
            WorkProfileSite.objects.filter(
                tenant_id=actor.tenant_id, profile__membership=OuterRef("pk"), site__in=sites
            )
        )
    )
    at_sites |= Q(
        Exists(
            Shift.objects.filter(
                tenant_id=actor.tenant_id, membership=OuterRef("pk"), site__in=sites
            )
        )
    )
    at_sites |= Q(Exists(Punch.objects.filter(
        tenant_id=actor.tenant_id, membership=OuterRef("pk"), site__in=sites)))  # fmt: skip
    return people.filter(at_sites)


def require_managed(actor: Membership, person: Membership) -> None:
    """404 unless `actor` manages `person` (themselves included, for the own-clock paths)."""
    if actor.all_sites or actor.pk == person.pk:
        return
    if not people_managed(actor).filter(pk=person.pk).exists():
        raise Http404


def require_site(actor: Membership, site: Site) -> None:
    """404 unless `site` is one `actor` schedules."""
    if not actor.all_sites and not schedules_site(actor, site.pk):
        raise Http404
