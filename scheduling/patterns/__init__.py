"""Repeating patterns: week templates and rotations."""
