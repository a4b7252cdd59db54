"""Tenants, memberships and roles, and the isolation core: scoped models, tenant context, RLS."""
