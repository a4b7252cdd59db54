"""The onboarding checklist on a new company's dashboard. Each app adds its own steps (a hook:
tenancy cannot import the apps above it), so the list grows as features arrive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tenancy.models import Tenant


@dataclass(frozen=True)
class OnboardingStep:
    key: str
    label: str
    url_name: str
    done: Callable[[Tenant], bool]
    order: int


_steps: dict[str, OnboardingStep] = {}


def register_step(step: OnboardingStep) -> None:
    _steps[step.key] = step


def checklist(tenant: Tenant) -> list[tuple[OnboardingStep, bool]]:
    """Every registered step with whether the tenant has done it (one query a step)."""
    return [(step, step.done(tenant)) for step in sorted(_steps.values(), key=lambda s: s.order)]
