"""The audit trail: tamper-evident per-tenant log, auditor pages, export and archive (filled by a later issue)."""
