"""Policies and acceptance, data export, erasure requests and retention (filled by a later issue)."""
