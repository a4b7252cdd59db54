"""Which query parameters and form fields each URL's view reads, found from its source: the
keys it reads from request.GET / request.POST (in the view and the module's helpers it calls),
and the fields of the forms it builds. The walker adds the fields the rendered pages' forms
carry, and the few a view reads in a way the source reading cannot see (EXTRA_PARAMS)."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import sys
from dataclasses import dataclass, field
from typing import Any

from django import forms

from tests.isolation.urls import Route, all_routes


@dataclass
class Params:
    get: set[str] = field(default_factory=set)
    post: set[str] = field(default_factory=set)


# Every URL the walker covers, by name. test_meta fails when a URL pattern is added without
# being listed here: add it, and to EXTRA_PARAMS anything it reads that neither its source (as
# read below) nor its rendered forms show.
WALKED_ROUTES = frozenset({
    # parim
    "healthz", "security-txt",
    # accounts
    "login", "login-verify", "logout", "account", "profile-update", "password-change",
    "email-change", "sign-out-everywhere", "two-factor-setup", "two-factor-confirm",
    "two-factor-disable", "backup-codes", "password_reset_confirm",
    # django.contrib.auth
    "password_reset", "password_reset_done", "password_reset_complete",
    # billing
    "signup", "signup-sent", "signup-verify", "stripe-webhook", "billing", "billing-checkout",
    "billing-portal", "billing-return", "billing-status",
    # tenancy
    "tenant-picker", "dashboard", "people", "people-invite", "member-update", "invitation-revoke",
    "roles", "role-new", "role-edit", "role-delete", "security-settings", "privacy-settings",
    "join",
    # gdpr
    "data-settings", "member-details", "my-details", "policies", "policy-gate", "policy-detail",
    "policy-document", "my-data", "export-new", "export-status", "export-download", "erasure-new",
    "erasure-withdraw", "erasure-requests", "erasure-detail",
    # scheduling.setup
    "sites", "site-new", "site-edit", "member-sites", "work-profile", "positions", "position-new",
    "position-edit", "working-time-settings",
    # scheduling.rota
    "rota", "rota-rows", "rota-day", "shift-new", "shift-edit", "shift-move", "shift-delete",
    "rota-copy", "rota-clear", "rota-publish", "payroll",
    # scheduling.employee
    "my-shifts", "calendar-feed-manage", "calendar-feed",
    # scheduling.leave
    "my-leave", "my-availability", "leave-requests", "member-leave",
    # scheduling.marketplace
    "open-shifts", "open-shift-claim", "claim-decide", "claim-withdraw", "swaps", "swap-offer",
    "swap-accept", "swap-refuse", "swap-cancel", "swap-decide",
    # scheduling.patterns
    "patterns", "pattern-template-new", "pattern-template", "pattern-template-delete",
    "pattern-rotation-new", "pattern-rotation", "pattern-rotation-delete",
    # scheduling.messaging
    "notifications", "notifications-badge", "notifications-read-all", "email-preferences",
    "message-read", "notification-open", "messages-sent", "message-new", "message-preview",
    "message-detail", "message-settings",
    # planning
    "planning-coverage", "planning-coverage-site", "planning-coverage-row",
    "planning-coverage-row-delete", "planning-coverage-exception-delete", "planning-autobuild",
    "planning-run", "planning-run-status", "planning-run-cancel", "planning-run-accept",
    "planning-settings",
    # audit
    "audit-log", "audit-export", "audit-entry",
    # attendance
    "clock", "attendance-settings", "board", "kiosk", "kiosk-enrol", "kiosks", "kiosk-pin",
    "timesheets", "timesheet", "my-timesheet", "payroll-actual", "payroll-summary",
})  # fmt: skip

# Route name -> parameters read in ways the source reading does not find, and why.
EXTRA_PARAMS: dict[str, tuple[Params, str]] = {
    "message-new": (
        Params(post={"subject", "body", "people", "site", "position", "preview"}),
        "the preview branch reads request.POST through a local name",
    ),
    "stripe-webhook": (
        Params(post={"id", "type", "data"}),
        "reads the raw body: a form-encoded hostile body is as good as any",
    ),
}


PROJECT_APPS = (
    "accounts",
    "tenancy",
    "audit",
    "scheduling",
    "gdpr",
    "billing",
    "parim",
    "planning",
    "attendance",
)


def _innermost(callback: Any) -> Any:
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return view_class
    while hasattr(callback, "__wrapped__"):
        callback = callback.__wrapped__
    return callback


@functools.cache
def _module_tree(module_name: str) -> ast.Module:
    module = sys.modules.get(module_name) or importlib.import_module(module_name)
    return ast.parse(inspect.getsource(module))


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _is_request_dict(node: ast.AST, kind: str) -> bool:
    # request.GET / request.POST / self.request.GET
    return isinstance(node, ast.Attribute) and node.attr == kind


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _form_fields(form_class: type[forms.BaseForm], prefix: str | None) -> set[str]:
    names = set(getattr(form_class, "base_fields", {}))
    return {f"{prefix}-{name}" for name in names} if prefix else names


def _scan(node: ast.AST, module: Any, found: Params, seen: set[str]) -> None:
    tree = _module_tree(module.__name__)
    helpers = _functions(tree)
    for child in ast.walk(node):
        for kind, target in (("GET", found.get), ("POST", found.post)):
            # request.GET.get("k") / .getlist("k")
            if (
                isinstance(child, ast.Call)
                and isinstance(child.func, ast.Attribute)
                and child.func.attr in {"get", "getlist"}
                and _is_request_dict(child.func.value, kind)
                and child.args
                and (key := _literal(child.args[0]))
            ):
                target.add(key)
            # request.GET["k"]
            if (
                isinstance(child, ast.Subscript)
                and _is_request_dict(child.value, kind)
                and (key := _literal(child.slice))
            ):
                target.add(key)
            # "k" in request.POST
            if (
                isinstance(child, ast.Compare)
                and any(_is_request_dict(c, kind) for c in child.comparators)
                and (key := _literal(child.left))
            ):
                target.add(key)
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
            name = child.func.id
            resolved = getattr(module, name, None)
            if inspect.isclass(resolved) and issubclass(resolved, forms.BaseForm):
                prefix = next(
                    (_literal(k.value) for k in child.keywords if k.arg == "prefix"), None
                )
                # A form bound to request.GET is a filter: its fields are query parameters.
                bound_to_get = any(
                    _is_request_dict(n, "GET") for a in child.args for n in ast.walk(a)
                )
                (found.get if bound_to_get else found.post).update(_form_fields(resolved, prefix))
            elif name in helpers and name not in seen:
                seen.add(name)
                _scan(helpers[name], module, found, seen)


def discover(route: Route) -> Params:
    target = _innermost(route.callback)
    found = Params()
    if inspect.isclass(target):  # a class-based view: its form and the methods it defines
        for klass in inspect.getmro(target):
            if not klass.__module__.startswith(PROJECT_APPS):
                continue
            tree = _module_tree(klass.__module__)
            for node in tree.body:
                if isinstance(node, ast.ClassDef) and node.name == klass.__name__:
                    _scan(node, sys.modules[klass.__module__], found, set())
        for attr in ("form_class", "authentication_form"):
            form_class = getattr(target, attr, None)
            if inspect.isclass(form_class) and issubclass(form_class, forms.BaseForm):
                found.post |= _form_fields(form_class, None)
        return found
    module = sys.modules[target.__module__]
    tree = _module_tree(module.__name__)
    function = _functions(tree).get(target.__name__)
    if function is not None:
        _scan(function, module, found, {target.__name__})
    return found


def routes() -> list[Route]:
    return all_routes()
