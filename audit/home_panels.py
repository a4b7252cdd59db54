"""The audit panels of the home page: for auditors, how far the log is archived and the latest
security events, in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from accounts.catalogue import Category, Event
from audit.models import ArchiveBatch, AuditEntry
from audit.sentences import Describer, EntryFacts
from tenancy.http import TenantRequest, tenant_reverse

RECENT = 5
SECURITY_CODES = [str(event) for event in Event if event.category == Category.SECURITY]


def audit_overview(request: TenantRequest) -> Mapping[str, Any] | None:
    """The last archived batch, how many entries wait to be archived, and the latest security
    events. Four queries, and one more to name the people the events concern."""
    tenant = request.tenant
    last_batch = (
        ArchiveBatch.objects.filter(tenant=tenant, status=ArchiveBatch.Status.CONFIRMED)
        .order_by("-last_sequence")
        .first()
    )
    shipped_up_to = last_batch.last_sequence if last_batch else 0
    # A company's entries are numbered 1, 2, 3... without a gap (each is chained to the one
    # before), and only archived ones are ever deleted (audit.services' retention): those
    # waiting are the last one's number less the last archived. One row read, where counting
    # them read every entry's index row (a million entries: a sixth of a second).
    last = (
        AuditEntry.objects.filter(tenant=tenant)
        .order_by("-sequence")
        .values_list("sequence", flat=True)
        .first()
    )
    waiting = max(0, (last or 0) - shipped_up_to)
    recent = list(
        AuditEntry.objects.filter(tenant=tenant, event__in=SECURITY_CODES)
        .select_related("actor")
        .order_by("-sequence")[:RECENT]
    )
    words = Describer(tenant).describe([EntryFacts.of(e) for e in recent]) if recent else []
    log = tenant_reverse("audit-log", tenant.slug)
    return {
        "last_batch": last_batch,
        "waiting": waiting,
        "recent": list(zip(recent, words, strict=True)),
        "log_url": log,
        "security_url": f"{log}?category={Category.SECURITY}",
    }
