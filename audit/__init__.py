"""The audit trail: each company's tamper-evident log of named events (accounts.catalogue), the
auditor's pages and exports in words, and the archive to S3/Glacier."""
