"""The catalogue of audit events: emit() and record() take only its codes, every code the code
base writes is in it, and each of its sentences reads."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from accounts.catalogue import Category, Event, UnknownEventError
from accounts.events import emit
from audit.catalogue import ModelChange, all_events, describe
from audit.models import AuditEntry
from audit.registry import registered_models
from audit.sentences import KINDS, NAME_SOURCES, Describer, EntryFacts
from audit.services import record
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Tenant
from tests.factories import member

ROOT = Path(__file__).resolve().parents[2]
# Codes this file writes on purpose to see them refused.
REFUSED_HERE = {"rota.publishd", "made.up"}


def test_emit_refuses_a_code_that_is_not_catalogued(tenant_a: Tenant) -> None:
    with tenant_context(tenant_a):
        before = AuditEntry.objects.count()
    with pytest.raises(UnknownEventError, match=r"rota\.publishd"):
        emit("rota.publishd", tenant=tenant_a, target=tenant_a)  # type: ignore[arg-type]
    with pytest.raises(UnknownEventError):
        emit("role.created", tenant=tenant_a, target=tenant_a)  # type: ignore[arg-type]
    with tenant_context(tenant_a):
        assert AuditEntry.objects.count() == before


def test_record_refuses_a_code_that_is_not_catalogued(tenant_a: Tenant) -> None:
    with pytest.raises(UnknownEventError):
        record("made.up", tenant=tenant_a, target=tenant_a)


def test_emit_takes_a_member_or_its_code_and_stores_the_code(tenant_a: Tenant) -> None:
    """Typed callers pass a member; an untyped one (a string) is checked at run time."""
    emit(Event.BILLING_PORTAL_OPENED, tenant=tenant_a, target=tenant_a)
    emit("billing.portal_opened", tenant=tenant_a, target=tenant_a)  # type: ignore[arg-type]
    with tenant_context(tenant_a):
        stored = list(AuditEntry.objects.filter(event="billing.portal_opened"))
    assert len(stored) == 2
    assert all(type(entry.event) is str for entry in stored)


def test_codes_are_unique_and_members_are_named_after_them() -> None:
    # An Enum silently makes a repeated value an alias: count the names, not the members.
    assert len(Event.__members__) == len({e.value for e in Event})
    for name, event in Event.__members__.items():
        assert name == event.value.upper().replace(".", "_")
        assert event.category in Category
        assert str(event.label) and str(event.sentence)


def test_every_registered_model_has_its_changes_catalogued() -> None:
    named = {event.value for event in Event}
    for model in registered_models():
        for change in ModelChange:
            code = f"{model._meta.model_name}.{change}"
            info = describe(code)
            assert info.known and info.model is model, code
            assert code not in named, f"{code} is both a named event and a model change"
            assert info.label.startswith(str(model._meta.verbose_name)[:1].upper())
    assert describe("role.updated").label == "Role changed"
    assert describe("securitypolicy.updated").category == Category.SECURITY
    assert describe("shift.deleted").category == Category.SCHEDULE
    assert not describe("made.up").known


def test_the_filter_lists_every_catalogued_code_once() -> None:
    codes = [info.code for info in all_events()]
    assert len(codes) == len(set(codes))
    assert {e.value for e in Event} <= set(codes)


# Every sentence reads -------------------------------------------------------------------------

SAMPLES = {
    "": "Night cover",
    "date": "2026-11-30",
    "site": "all",
    "member": "anyone qualified",
    "shifts": ["a", "b"],
    "draft_shifts": 3,
    "people": 4,
    "reminders": 5,
    "backup_codes": 1,
    "bytes": 2048,
    "fields": ["hourly_rate", "home_address"],
    "permission": "view_audit_log",
    "tenant_status": "read_only",
    "export_format": "jsonl",
    "anonymised_because": "retention",
}


def _fields(event: Event) -> list[tuple[str, str]]:
    parsed = string.Formatter().parse(str(event.sentence))
    return [(name, spec or "") for _text, name, spec, _conv in parsed if name]


def test_every_sentence_names_only_kinds_the_renderer_knows() -> None:
    known = set(KINDS) | set(NAME_SOURCES) | {"member"}
    for event in Event:
        for name, kind in _fields(event):
            assert kind in known, (event, name, kind)
            assert kind in SAMPLES, f"add a sample of {kind!r} to this test"


@pytest.mark.parametrize("event", list(Event), ids=[e.value for e in Event])
def test_every_sentence_reads_with_its_data(tenant_a: Tenant, event: Event) -> None:
    data = {name: SAMPLES[kind] for name, kind in _fields(event) if name not in {"actor", "target"}}
    facts = EntryFacts(event=event.value, target_type="tenancy.tenant",
                       object_pk=str(tenant_a.pk), object_repr="Alpha Care",
                       additional_data=data)  # fmt: skip
    with tenant_context(tenant_a):
        words = Describer(tenant_a, people=[]).describe([facts])[0]
    assert words.sentence != words.label, "the sentence fell back to the label"
    assert "{" not in words.sentence and "}" not in words.sentence
    assert words.sentence[0] == words.sentence[0].upper()
    # ...and without its data (an older or erased entry) it reads as its label.
    with tenant_context(tenant_a):
        bare = Describer(tenant_a, people=[]).describe([EntryFacts(event=event.value)])[0]
    needs_data = any(name not in {"actor", "target"} for name, _kind in _fields(event))
    assert bare.sentence == (bare.label if needs_data else bare.sentence)


def test_a_rota_sentence_names_the_site_and_counts_the_shifts(tenant_a: Tenant) -> None:
    maria = member(tenant_a, full_name="Maria Rossi")
    with tenant_context(tenant_a):
        site = Site.objects.create(name="Harbour View")
        for site_value, where in ((str(site.pk), "Harbour View"), ("all", "all sites")):
            entry = record(Event.ROTA_PUBLISHED, tenant=tenant_a, target=tenant_a,
                           actor=maria.user, data={"week": "2026-11-30", "site": site_value,
                                                   "shifts": ["1", "2", "3"]})  # fmt: skip
            words = Describer(tenant_a).describe([EntryFacts.of(entry)])[0]
            assert words.sentence == (
                f"Maria Rossi published 3 shifts at {where} for the week of 30 Nov 2026"
            )
            assert (words.label, words.category, words.who) == (
                "Rota published",
                "Schedule",
                "Maria Rossi",
            )


# Every code the code base writes is catalogued --------------------------------------------------

WRITERS = {"emit", "record", "record_for_person"}
SKIPPED_DIRS = {".venv", ".tools", "node_modules", "var", ".git", "migrations"}


def _python_files() -> list[Path]:
    return [
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    ]


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _codes_and_problems(tree: ast.AST, where: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(code, where) for each code an event writer or an `event=` filter names; and the names
    no check could follow (built at run time) or that are not members of the catalogue."""
    codes: list[tuple[str, str]] = []
    problems: list[str] = []

    def named(expression: ast.expr, line: str) -> None:
        if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
            codes.append((expression.value, line))
        elif isinstance(expression, ast.JoinedStr | ast.BinOp):
            problems.append(f"{line}: an event name built at run time")
        elif isinstance(expression, ast.IfExp):
            named(expression.body, line)
            named(expression.orelse, line)
        elif isinstance(expression, ast.List | ast.Tuple | ast.Set):
            for item in expression.elts:
                named(item, line)
        elif (
            isinstance(expression, ast.Attribute)
            and isinstance(expression.value, ast.Name)
            and expression.value.id == "Event"
        ):
            if expression.attr in Event.__members__:
                codes.append((Event[expression.attr].value, line))
            else:
                problems.append(f"{line}: Event.{expression.attr} is not in the catalogue")
        # A variable passes: emit() and record() check its value when it is written.

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        expressions = [kw.value for kw in node.keywords if kw.arg in {"event", "event__in"}]
        if _name(node.func) in WRITERS and node.args:
            expressions.append(node.args[0])
        for expression in expressions:
            named(expression, f"{where}:{expression.lineno}")
    return codes, problems


def test_every_event_code_in_the_code_base_is_catalogued() -> None:
    files = _python_files()
    assert any("scheduling" in path.parts for path in files), "the scan must include scheduling"
    unknown, problems, seen = [], [], 0
    for path in files:
        where = str(path.relative_to(ROOT))
        codes, found = _codes_and_problems(ast.parse(path.read_text(), where), where)
        problems += found
        for code, line in codes:
            seen += 1
            if code in REFUSED_HERE and path.name == "test_catalogue.py":
                continue
            if not describe(code).known:
                unknown.append(f"{line}: {code!r}")
    assert seen > 100, "the scan found too few codes to be reading the code base"
    assert not problems, "\n".join(problems)
    assert not unknown, "not in the catalogue:\n" + "\n".join(unknown)


def test_the_scan_reports_a_misspelt_or_built_code() -> None:
    source = (
        'emit("rota.publishd", tenant=t)\n'
        'emit("leave.approved" if ok else "leave.refused", tenant=t)\n'
        'emit(f"swap.{verb}", tenant=t)\n'
        "emit(Event.ROTA_PUBLISHT, tenant=t)\n"
        'AuditEntry.objects.filter(event="role.creatd")\n'
    )
    codes, problems = _codes_and_problems(ast.parse(source), "example.py")
    unknown = [code for code, _line in codes if not describe(code).known]
    assert unknown == ["rota.publishd", "leave.refused", "role.creatd"]
    assert len(problems) == 2
