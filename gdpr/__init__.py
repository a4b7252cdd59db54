"""Policies and acceptance, data export, erasure requests and retention (later issue)."""
