"""The hook by which an app above gdpr adds its personal data to a person's export, erases it
with the person, and forgets a kind of data the company stops keeping (DESIGN.md section 3: the
app registers from its AppConfig.ready, gdpr iterates, and gdpr never imports the app)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from tenancy.models import Membership, Tenant

# A file of a data export: its name in the ZIP and its bytes.
ExportFile = tuple[str, bytes]


@dataclass(frozen=True)
class PersonalDataHook:
    """`export(tenant, membership)`: the files for the person's export, inside the tenant's
    context. `erase(tenant, membership)`: erase what identifies them (inside gdpr's anonymising
    transaction), returning {"app.model": [ids]} of rows whose audit entries must be redacted.
    `forget_kinds(tenant, kinds)`: the company stopped keeping these SensitiveKind values;
    returns how many rows were cleared. `holders(tenant, kinds)`: the people (membership ids)
    with a stored value of these kinds, whom forgetting them would touch (so that the admin
    confirms first)."""

    key: str
    label: str
    export: Callable[[Tenant, Membership], list[ExportFile]]
    erase: Callable[[Tenant, Membership], dict[str, list[str]]]
    forget_kinds: Callable[[Tenant, list[str]], int] | None = None
    holders: Callable[[Tenant, list[str]], set[uuid.UUID]] | None = None


_hooks: dict[str, PersonalDataHook] = {}


def register_personal_data(hook: PersonalDataHook) -> None:
    _hooks[hook.key] = hook


def personal_data_hooks() -> list[PersonalDataHook]:
    return [_hooks[key] for key in sorted(_hooks)]
