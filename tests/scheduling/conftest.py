"""Fixtures of the scheduling tests."""

from __future__ import annotations

import pytest

from tests.builders import Rota, build_rota


@pytest.fixture
def rota() -> Rota:
    """A company with two sites, two positions and two employees (see build_rota)."""
    return build_rota()
