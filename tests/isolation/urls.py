"""The URL patterns of the project, walked, for the isolation sweep and its meta-tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class Route:
    name: str
    kwargs: tuple[str, ...]
    callback: Any

    @property
    def is_tenant_route(self) -> bool:
        return "tenant_slug" in self.kwargs

    @property
    def is_public_tenant_route(self) -> bool:
        return getattr(self.callback, "tenant_view", None) == "public"


def all_routes() -> list[Route]:
    def walk(patterns: list[Any], converters: tuple[str, ...]) -> Iterator[Route]:
        for entry in patterns:
            names = converters + tuple(entry.pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, names)
            elif isinstance(entry, URLPattern):
                yield Route(name=entry.name or "", kwargs=names, callback=entry.callback)

    return list(walk(get_resolver().url_patterns, ()))
