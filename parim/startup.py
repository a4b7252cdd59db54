"""Turns a configuration error at start-up into one readable line and a non-zero exit."""

import sys
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


def run_or_explain(start: Callable[[], T]) -> T:
    try:
        return start()
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        raise SystemExit(2) from None
