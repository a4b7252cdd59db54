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
    waiting = AuditEntry.objects.filter(tenant=tenant, sequence__gt=shipped_up_to).count()
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
