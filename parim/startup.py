"""Start-up helpers: a configuration error as one readable line and a non-zero exit, and the
garbage collector's settings for a server process."""

import gc
import os
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


def tune_garbage_collector() -> None:
    """Once the app is loaded: move everything it made so far (modules, settings, URL maps,
    templates) out of the collector's sight, and collect the young generation less often
    (GC_THRESHOLD_0 allocations, default 20,000). A busy rota page makes tens of thousands of
    short-lived objects; with Python's default threshold (700) the collector runs dozens of
    times a request, tracing the whole app each time it reaches the older generations.
    gunicorn's workers call it (deploy/gunicorn.conf.py), and so does the benchmark."""
    value = os.environ.get("GC_THRESHOLD_0", "").strip()
    gc.collect()
    gc.freeze()
    gc.set_threshold(int(value) if value else 20_000, 20, 20)
