"""Panels that the apps above scheduling add to My shifts (a hook, as for the home page:
scheduling cannot import them). Attendance adds the clock buttons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tenancy.home import HomePanel
from tenancy.http import TenantRequest

_panels: dict[str, HomePanel] = {}


def register_my_shifts_panel(panel: HomePanel) -> None:
    _panels[panel.key] = panel


def my_shifts_panels(request: TenantRequest) -> list[tuple[HomePanel, Mapping[str, Any]]]:
    """The registered panels the member may see that have something to show, in order."""
    shown = []
    for panel in sorted(_panels.values(), key=lambda p: (p.order, p.key)):
        if panel.permission is not None and not request.membership.has(panel.permission):
            continue
        context = panel.build(request)
        if context is not None:
            shown.append((panel, context))
    return shown
