"""The hostile-input walker: a seeded world of two tenants with a member in every role, the
forms each page renders, the parameters each URL reads, and one check applied to every answer
(no 5xx, no traceback, a streamed body that finishes, and no change to the data)."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from django.contrib.messages import constants as message_levels
from django.db import connection, transaction
from django.forms import BaseForm
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from gdpr import policies
from gdpr.models import PolicyVersion
from tenancy.context import tenant_context
from tenancy.models import Membership
from tenancy.permissions import RoleKind
from tests.factories import member
from tests.hostile.discovery import EXTRA_PARAMS, Params, discover
from tests.hostile.html_forms import HtmlForm, forms_of
from tests.hostile.values import PATH_TEXT, ZERO_UUID
from tests.isolation.urls import Route, all_routes
from tests.isolation.world import URL_KWARG_OBJECTS, World, build_world

ROLES = ["owner", "admin", "manager", "employee", "auditor", "anonymous"]

# Tables a hostile request may change, and why; every other table must read the same after.
UNCHECKED_TABLES = {
    "audit_auditentry": "append-only and chained (audit's own tests); reading an export is audited",
    "audit_searchword": "the words of audit entries, written by a trigger with each entry "
    "(a refused request is audited, so its words are written too)",
    "django_session": "sessions are the client's state: signing in and out writes them",
    "axes_accessattempt": "failed sign-ins are counted by design (throttling)",
    "axes_accessattemptexpiration": "failed sign-ins are counted by design (throttling)",
    "axes_accessfailurelog": "failed sign-ins are logged by design (throttling)",
    "axes_accesslog": "sign-ins are logged by design",
    "attendance_kiosk": "wrong kiosk PINs are counted by design (throttling)",
    "attendance_kioskpin": "wrong kiosk PINs are counted by design (throttling)",
}


# Reads that write, by route, with the tables they write and why that is the page's purpose.
GET_WRITES: dict[str, tuple[set[str], str]] = {
    "export-download": ({"gdpr_dataexport"}, "counts the downloads of one's own data export"),
    "message-read": ({"scheduling_notification"}, "opening a message marks it read"),
    "notification-open": ({"scheduling_notification"}, "opening a notification marks it read"),
    "policy-gate": (
        {"tenancy_membership"},
        "with nothing pending, records on the membership that it is up to date (the gate's cache)",
    ),
}


def _shift_post(seeded: Seeded) -> dict[str, list[str]]:
    shift = seeded.world.a.objects["shift"]
    day = shift.start_at.date().isoformat()  # type: ignore[attr-defined]
    return {"version": [str(shift.version)], "date": [day],  # type: ignore[attr-defined]
            "membership": [""]}  # fmt: skip


# Valid values for fields that no rendered form carries (drag and drop sends them from
# JavaScript), so that one hostile field at a time reaches the service behind them.
SOURCE_BASELINES: dict[str, Callable[[Seeded], dict[str, list[str]]]] = {
    "shift-move": _shift_post,
    "shift-delete": _shift_post,
}

# Roles whose pages are crawled for forms: the owner sees every manager's form, the employee
# every self-service one; the other roles' forms are a subset of these.
CRAWLED_ROLES = ["owner", "employee"]


@dataclass
class Seeded:
    world: World
    members: dict[str, Membership | None]
    # (role, route name) -> the forms that role's pages render which submit to that route
    forms: dict[tuple[str, str], list[HtmlForm]] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)


def seed() -> Seeded:
    world = build_world()
    tenant = world.a.tenant
    members: dict[str, Membership | None] = {
        "owner": world.a.owner,
        "employee": world.a.objects["membership"],  # type: ignore[dict-item]
        "anonymous": None,
    }
    for kind in (RoleKind.ADMIN, RoleKind.MANAGER, RoleKind.AUDITOR):
        members[kind.value] = member(tenant, kind=kind, email=f"{kind.value}@alpha.test",
                                     full_name=f"Alpha {kind.label}")  # fmt: skip
    with tenant_context(tenant):
        versions = set(PolicyVersion.objects.values_list("pk", flat=True))
    for kind in (RoleKind.ADMIN, RoleKind.MANAGER, RoleKind.AUDITOR):
        person = members[kind.value]
        assert person is not None
        policies.policies_accept(tenant=tenant, membership=person, version_ids=versions,
                                 ip_address="192.0.2.1")  # fmt: skip
    return Seeded(world=world, members=members)


def client_for(seeded: Seeded, role: str) -> Client:
    """One signed-in client per role for the whole walk (signing in writes the user's row),
    each on tenant A's enrolled kiosk tablet too (its device cookie), so that the kiosk page's
    PIN form is walked."""
    if role not in seeded.clients:
        from attendance.kiosk.services import DEVICE_COOKIE

        client = Client()
        client.cookies[DEVICE_COOKIE] = seeded.world.a.secrets["kiosk_device"]
        person = seeded.members[role]
        if person is not None:
            client.force_login(person.user)
        seeded.clients[role] = client
    return seeded.clients[role]


# URLs ------------------------------------------------------------------------------------------


def own_kwargs(route: Route, seeded: Seeded) -> dict[str, str]:
    kwargs = {"tenant_slug": seeded.world.a.tenant.slug} if route.is_tenant_route else {}
    for name in route.kwargs:
        if name in URL_KWARG_OBJECTS:
            kwargs[name] = str(URL_KWARG_OBJECTS[name](seeded.world.a))
        elif name == "uidb64":
            kwargs[name] = "MQ"
        elif name != "tenant_slug":
            kwargs[name] = "not-a-real-token"
    return kwargs


def url_of(route: Route, kwargs: dict[str, str]) -> str:
    return reverse(route.name, kwargs=kwargs)


def path_variants(route: Route, seeded: Seeded) -> list[tuple[str, str]]:
    """The route's address with hostile path parameters: another tenant's ids, the zero UUID,
    malformed UUIDs, and hostile text for free-text segments. (label, url)"""
    own = own_kwargs(route, seeded)
    variants: list[tuple[str, str]] = []
    for name in route.kwargs:
        if name in {"tenant_slug", "fmt"}:
            continue
        template = url_of(route, {**own, name: own[name]})
        text_segment = not _is_uuid(own[name])
        if name in URL_KWARG_OBJECTS:
            other = str(URL_KWARG_OBJECTS[name](seeded.world.b))
            variants.append((f"{name}=other tenant's", template.replace(own[name], other, 1)))
        if text_segment:
            for i, text in enumerate(PATH_TEXT):
                variants.append((f"{name}=hostile text {i}", template.replace(
                    own[name], _quote(text), 1)))  # fmt: skip
        else:
            variants.append((f"{name}=zero uuid", template.replace(own[name], ZERO_UUID, 1)))
            variants.append((f"{name}=malformed uuid",
                             template.replace(own[name], own[name][:-3] + "zz%00", 1)))  # fmt: skip
    if route.is_tenant_route:
        own_url = url_of(route, own)
        slug = seeded.world.a.tenant.slug
        variants.append(
            (
                "tenant_slug=other tenant's",
                own_url.replace(f"/{slug}/", f"/{seeded.world.b.tenant.slug}/", 1),
            )
        )
        variants.append(("tenant_slug=unknown", own_url.replace(f"/{slug}/", "/x%00y/", 1)))
    return variants


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# Forms -----------------------------------------------------------------------------------------


def route_name_of(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).url_name
    except Resolver404:
        return None


def crawl(seeded: Seeded) -> None:
    """GET every page as every role and remember each rendered form under the route it
    submits to."""
    for role in CRAWLED_ROLES:
        client = client_for(seeded, role)
        for route in all_routes():
            url = url_of(route, own_kwargs(route, seeded))
            with _rolled_back():
                response = client.get(url)
                body = _body(response)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            for form in forms_of(body.decode(errors="replace"), url):
                target = route_name_of(form.action)
                if target is not None:
                    seeded.forms.setdefault((role, target), []).append(form)


@dataclass
class Baseline:
    """A set of fields to send together: the values to start from and each field's kind."""

    data: dict[str, list[str]]
    kinds: dict[str, str]
    thorough: bool = True  # False for a second submit button of the same form


# A value for each kind of field the page left empty, so that a form is valid before one of its
# fields is made hostile (an empty required field would refuse every probe before the service).
FILLED = {
    "text": "Walker filled",
    "textarea": "Walker filled",
    "email": "walker@example.test",
    "password": "a-long-test-passphrase-2026",
    "number": "1",
    "date": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
    "time": "09:00",
}


def _filled(kind: str) -> list[str]:
    return [FILLED[kind]] if kind in FILLED else []


def params_of(route: Route, seeded: Seeded, role: str) -> tuple[Baseline, list[Baseline]]:
    """The query parameters the route reads, and the POST baselines to start from: each form a
    page renders for it (with the values the page fills in, once per submit button), plus the
    fields found only in the view's source."""
    found = discover(route)
    extra, _reason = EXTRA_PARAMS.get(route.name, (Params(), ""))
    get = Baseline({}, dict.fromkeys(found.get | extra.get, ""))
    posts: list[Baseline] = []
    rendered = seeded.forms.get((role, route.name)) or seeded.forms.get(("owner", route.name), [])
    seen_fields: set[str] = set()
    for form in rendered:
        if form.method == "get":
            get.kinds.update(form.kinds)
            continue
        data = {
            name: list(values) or _filled(form.kinds[name]) for name, values in form.fields.items()
        }
        data = {
            name: values if values != [""] else _filled(form.kinds[name])
            for name, values in data.items()
        }
        if any(b.data == data for b in posts):
            continue
        buttons = form.buttons or [("", "")]
        for i, (name, value) in enumerate(buttons):
            pressed = {**data, name: [value]} if name else data
            posts.append(Baseline(pressed, dict(form.kinds), thorough=i == 0))
        seen_fields |= set(data) | {name for name, _value in form.buttons}
    source_only = (found.post | extra.post) - seen_fields
    if source_only or not posts:
        known = SOURCE_BASELINES[route.name](seeded) if route.name in SOURCE_BASELINES else {}
        posts.append(Baseline(known, dict.fromkeys(source_only, "")))
    return get, posts


# The check -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _rolled_back() -> Iterator[None]:
    """Each request runs in a savepoint that is rolled back: what one request changes cannot
    hide what the next one does, and the world stays as seeded."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _body(response: HttpResponseBase) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(getattr(response, "content", b""))


def writes() -> dict[str, str]:
    """What has been written so far in this transaction, per checked table: PostgreSQL's own
    row counters for the transaction (inserted, updated, deleted), which keep counting writes
    that a rolled-back savepoint undid. One cheap query, and any write at all shows, even one
    that left the row as it was."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins || '/' || n_tup_upd || '/' || n_tup_del "
            "FROM pg_stat_xact_user_tables WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
        )
        return {t: c for t, c in cursor.fetchall() if t not in UNCHECKED_TABLES}


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


@dataclass
class Probe:
    route: str
    role: str
    method: str
    url: str
    data: dict[str, Any] | None
    what: str
    headers: dict[str, str] | None = None

    def __str__(self) -> str:
        shown = {k: (v if len(str(v)) < 60 else f"{str(v)[:40]}...({len(str(v))})")
                 for k, v in (self.data or {}).items()}  # fmt: skip
        return f"{self.role} {self.method.upper()} {self.url[:120]} {shown} [{self.what}]"


def _refused(response: HttpResponseBase) -> bool:
    """Whether the answer says the input was refused: an error status, a form shown again with
    its errors, or a redirect carrying a warning or error message."""
    if response.status_code >= 400:
        return True
    for context in getattr(response, "context", None) or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else []:
            if isinstance(value, BaseForm) and value.is_bound and value.errors:
                return True
    stored = getattr(getattr(response, "wsgi_request", None), "_messages", None)
    if stored is None:
        return False
    return any(m.level >= message_levels.WARNING for m in getattr(stored, "_queued_messages", []))


def send(client: Client, seeded: Seeded, probe: Probe) -> str | None:
    """Send one hostile request; return what went wrong, or None."""
    cookies = SimpleCookie()
    cookies.update(client.cookies)
    before = writes()
    try:
        with _rolled_back():
            try:
                headers = probe.headers or {}
                if probe.method == "get":
                    response = client.get(probe.url, probe.data or {}, **headers)  # type: ignore[arg-type]
                else:
                    response = client.post(probe.url, probe.data or {}, **headers)  # type: ignore[arg-type]
                body = _body(response)
            except Exception as error:  # the client re-raises what the view raised
                return f"{type(error).__name__}: {str(error)[:200]}"
            status = response.status_code
            if status >= 500:
                return f"answered {status}"
            if b"Traceback" in body:
                return "the page shows a traceback"
            if probe.method == "get" or _refused(response):
                allowed = (
                    GET_WRITES.get(probe.route, (set(), ""))[0] if probe.method == "get" else set()
                )
                tables = [t for t in changed(before, writes()) if t not in allowed]
                if tables:
                    return f"data changed ({status}) in {tables}"
            return None
    finally:
        client.cookies = cookies
