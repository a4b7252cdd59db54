"""The audit trail: tamper-evident per-tenant log, auditor pages, export, archive (later)."""
