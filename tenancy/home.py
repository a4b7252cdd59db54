"""The home page's panels: what each person has to do or know today, by what their role allows.

Each app registers its own panels (a hook, as for the onboarding checklist: tenancy cannot
import the apps above it). A panel reads what it shows in a fixed number of queries, so the home
page has a fixed query budget per role, whatever the size of the company."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tenancy.permissions import Permission

if TYPE_CHECKING:
    from tenancy.http import TenantRequest


@dataclass(frozen=True)
class HomePanel:
    """`build` returns the template's context, or None when the panel has nothing to show (it
    is then left out). Shown to members whose role has `permission` (None: to everyone)."""

    key: str
    template: str
    build: Callable[[TenantRequest], Mapping[str, Any] | None]
    order: int
    permission: Permission | None = None
    # Panels of the same column stack; "main" is the wide one on a wide screen.
    column: str = "main"


_panels: dict[str, HomePanel] = {}


def register_panel(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def panels_for(request: TenantRequest) -> list[tuple[HomePanel, Mapping[str, Any]]]:
    """The panels the member may see that have something to show, in order, each with its
    context."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if panel.permission is not None and not request.membership.has(panel.permission):
            continue
        context = panel.build(request)
        if context is not None:
            shown.append((panel, context))
    return shown
