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


def warm_up() -> None:
    """Load now what a process's first requests would otherwise load one by one: every view
    module (through the URL patterns), the project's templates (compiled and kept by the cached
    loader), the translation catalogues and the password hasher's library. gunicorn calls it
    once in its master before forking the workers (deploy/gunicorn.conf.py), so the first
    sign-in is as quick as the second; it opens no database connection."""
    from pathlib import Path

    from django.conf import settings
    from django.contrib.auth import get_backends
    from django.contrib.auth.hashers import get_hasher
    from django.db import connections
    from django.template import engines
    from django.template.utils import get_app_template_dirs
    from django.urls import get_resolver
    from django.utils import formats, translation

    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018  (imports every view module)
    resolver.reverse_dict  # noqa: B018  (every name, for reverse())
    base = Path(settings.BASE_DIR).resolve()
    for engine in engines.all():
        folders = [Path(d) for d in engine.dirs] + [
            Path(d) for d in get_app_template_dirs("templates")
        ]
        for folder in folders:
            where = folder.resolve()
            if base not in where.parents or "site-packages" in where.parts:
                continue  # the project's own templates only, not those of installed libraries
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
                    engine.get_template(path.relative_to(folder).as_posix())
    with translation.override(settings.LANGUAGE_CODE):
        translation.gettext("Sign in")
        formats.get_format("DATE_FORMAT")  # the locale's formats
    get_backends()  # the authentication backends, imported at the first sign-in otherwise
    for alias in connections:
        connections[alias].ops.compiler("SQLCompiler")  # the SQL compiler module
    hasher = get_hasher()
    load = getattr(hasher, "_load_library", None)
    if load is not None and getattr(hasher, "library", None):
        load()
    connections.close_all()
