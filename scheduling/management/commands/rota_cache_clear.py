"""Empty the cache of computed rota weeks (after a database restore, say): every rota is
computed afresh at its next load."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.core.management.base import BaseCommand

from scheduling.rota.cache import ALIAS


class Command(BaseCommand):
    help = "Empty the cache of computed rota weeks; each is computed afresh at its next load."

    def handle(self, *args: Any, **options: Any) -> None:
        caches[ALIAS].clear()
        self.stdout.write("The rota cache is empty.")
