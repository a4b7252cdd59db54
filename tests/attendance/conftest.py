"""The attendance tests' cast: the scheduling tests' standard Rota, with a shift on now."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.builders import Company, Rota


class Floor(Rota):
    """Rosewood and Maple, two carers; `now_shift` is Employee 000's published shift that started
    five minutes ago (eight hours, 30-minute break)."""

    def __init__(self, slug: str = "alpha") -> None:
        super().__init__(slug, people=2)
        self.worker, self.colleague = self.people
        start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)
        self.now_shift = self.shift_for(self.worker, start)

    def shift_for(self, person, start: dt.datetime, hours: float = 8):  # type: ignore[no-untyped-def]
        return Company.shift(self, person, start, hours, break_minutes=30)


@pytest.fixture
def floor(db: None) -> Floor:
    return Floor()
