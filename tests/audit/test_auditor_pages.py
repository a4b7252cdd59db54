"""The auditor's pages and exports."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from accounts.catalogue import Event
from accounts.events import emit
from audit.models import AuditEntry
from audit.services import record
from scheduling.models import Site
from tenancy.context import tenant_context
from tenancy.models import Membership, Role, Tenant
from tenancy.permissions import RoleKind
from tests.factories import member, queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(tenant_a: Tenant) -> Membership:
    return member(tenant_a, kind=RoleKind.AUDITOR, email="auditor@alpha.test")


def _events(tenant: Tenant, event: str) -> list[AuditEntry]:
    with tenant_context(tenant):
        return list(AuditEntry.objects.filter(event=event))


def _bulk_entries(tenant: Tenant, count: int) -> None:
    """Many entries quickly, for paging and export tests (chain fields are placeholders)."""
    ctype = ContentType.objects.get_for_model(Role)
    now = timezone.now()
    with tenant_context(tenant):
        start = (AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first()
                 or 0)  # fmt: skip
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    tenant=tenant, sequence=start + n + 1, event="role.updated", action=1,
                    target_type="tenancy.role", content_type=ctype, object_pk=str(uuid.uuid4()),
                    object_repr=f"Bulk role {n}", changes={"name": [f"old {n}", f"new {n}"]},
                    timestamp=now - timedelta(seconds=count - n), changes_digest="0" * 64,
                    entry_hash="0" * 64, actor_email="bulk@alpha.test",
                )
                for n in range(count)
            ],
            batch_size=1000,
        )  # fmt: skip


def test_an_employee_gets_the_403_page_and_the_attempt_is_audited(
    client: Client, tenant_a: Tenant, employee_a: Membership
) -> None:
    client.force_login(employee_a.user)
    response = client.get("/alpha/audit/")
    assert response.status_code == 403
    denied = _events(tenant_a, "access.denied")
    assert len(denied) == 1
    assert denied[0].additional_data["permission"] == "view_audit_log"
    assert denied[0].actor_id == employee_a.user_id


def test_an_auditor_sees_the_log_newest_first(client: Client, auditor: Membership) -> None:
    client.force_login(auditor.user)
    with tenant_context(auditor.tenant):
        Role.objects.create(name="Night lead")
    entries = client.get("/alpha/audit/").context["entries"]
    assert entries[0].event == "role.created"
    assert entries[0].object_repr == "Night lead"
    sequences = [entry.sequence for entry in entries]
    assert sequences == sorted(sequences, reverse=True)


def test_filters_narrow_the_log(client: Client, tenant_a: Tenant, auditor: Membership) -> None:
    client.force_login(auditor.user)
    with tenant_context(tenant_a):
        Role.objects.create(name="Night lead")
    created = client.get("/alpha/audit/", {"event": "role.created"}).context["entries"]
    assert created and {entry.event for entry in created} == {"role.created"}
    text = client.get("/alpha/audit/", {"q": "night"}).context["entries"]
    assert [entry.object_repr for entry in text] == ["Night lead"]
    none = client.get("/alpha/audit/", {"q": "nothing-like-this"}).content.decode()
    assert "No entries match" in none


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "end date is before the start"),
        ({"date_from": "not-a-date"}, "Enter a valid date"),
        ({"event": "made.up"}, "Select a valid choice"),
        ({"actor": "not-a-person"}, "Select a valid choice"),
    ],
)
def test_impossible_or_malformed_filters_are_form_errors(
    client: Client, auditor: Membership, params: dict[str, str], message: str
) -> None:
    client.force_login(auditor.user)
    response = client.get("/alpha/audit/", params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_keyset_pages_walk_the_whole_log_once(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    _bulk_entries(tenant_a, 120)
    client.force_login(auditor.user)
    seen: list[str] = []
    url = "/alpha/audit/?event=role.updated"
    while url:
        response = client.get(url)
        seen += response.context["entries"] and [e.object_repr for e in response.context["entries"]]
        before = response.context["next_before"]
        url = f"/alpha/audit/?event=role.updated&before={before}" if before else ""
    assert len(seen) == 120 == len(set(seen))


@pytest.mark.parametrize("extra", [10, 400])
def test_log_page_query_count_is_fixed(
    client: Client, tenant_a: Tenant, auditor: Membership, django_assert_num_queries: Any,
    extra: int,
) -> None:  # fmt: skip
    _bulk_entries(tenant_a, extra)
    client.force_login(auditor.user)
    # 6 for a tenant page, then the people for the filter and one page of entries.
    with django_assert_num_queries(queries(8)):
        assert client.get("/alpha/audit/").status_code == 200


def test_an_entry_shows_its_changes_and_verified_hash(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    with tenant_context(tenant_a):
        role = Role.objects.create(name="Night lead")
        role.name = "Night supervisor"
        role.save()
        entry = AuditEntry.objects.get(event="role.updated")
    client.force_login(auditor.user)
    page = client.get(f"/alpha/audit/{entry.pk}/").content.decode()
    assert "Night lead" in page and "Night supervisor" in page
    assert "Hash verified" in page


def _rows(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def test_exports_follow_the_filter_and_are_audited(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    with tenant_context(tenant_a):
        Role.objects.create(name="=cmd|' /C calc'!A0")
    client.force_login(auditor.user)
    response = client.get("/alpha/audit/export.csv", {"event": "role.created"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-alpha-')
    rows = list(csv.DictReader(io.StringIO(_rows(response))))
    assert {row["event"] for row in rows} == {"role.created"}
    assert len(rows) == 6  # the five built-in roles and the new one
    assert rows[0]["object_repr"].startswith("'="), "formulas are neutralised for spreadsheets"

    lines = _rows(client.get("/alpha/audit/export.jsonl")).splitlines()
    records = [json.loads(line) for line in lines]
    assert {r["event"] for r in records} >= {"role.created", "membership.created"}
    with tenant_context(tenant_a):
        exported = list(AuditEntry.objects.filter(event="audit.exported").order_by("sequence"))
    assert [e.additional_data["format"] for e in exported] == ["csv", "jsonl"]
    assert exported[0].additional_data["filters"] == {"event": "role.created"}
    assert exported[0].actor_id == auditor.user_id


def test_exporting_needs_its_own_permission(client: Client, tenant_a: Tenant) -> None:
    with tenant_context(tenant_a):
        viewer = Role.objects.create(name="Viewer", permissions=["view_audit_log"])
    person = member(tenant_a)
    with tenant_context(tenant_a):
        Membership.objects.filter(pk=person.pk).update(role=viewer)
    client.force_login(person.user)
    assert client.get("/alpha/audit/").status_code == 200
    assert client.get("/alpha/audit/export.csv").status_code == 403
    assert _events(tenant_a, "access.denied")[0].additional_data["permission"] == "export_audit_log"


def _peak_export_memory(client: Client) -> int:
    response = client.get("/alpha/audit/export.jsonl")
    tracemalloc.start()
    try:
        total = 0
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            total += len(chunk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total > 0
    return peak


def test_export_memory_stays_flat_as_the_log_grows(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    client.force_login(auditor.user)
    _bulk_entries(tenant_a, 2_000)
    small = _peak_export_memory(client)
    _bulk_entries(tenant_a, 18_000)
    large = _peak_export_memory(client)
    # Ten times the rows; a streamed export holds one chunk at a time, so the peak barely moves.
    assert large < small * 2, (small, large)


def test_export_is_sent_a_chunk_at_a_time(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    from audit.exports import CHUNK

    client.force_login(auditor.user)
    _bulk_entries(tenant_a, 2 * CHUNK + 10)
    with tenant_context(tenant_a):
        expected = list(AuditEntry.objects.filter(event="role.updated")
                        .order_by("-sequence").values_list("sequence", flat=True))  # fmt: skip
    for fmt in ("csv", "jsonl"):
        response = client.get(f"/alpha/audit/export.{fmt}", {"event": "role.updated"})
        assert response.streaming
        pieces = list(response.streaming_content)  # type: ignore[attr-defined]
        # CSV: the header, then one piece per chunk of rows; JSON Lines: one per chunk.
        assert len(pieces) == (1 if fmt == "csv" else 0) + 3, fmt
        text = b"".join(pieces).decode()
        if fmt == "csv":
            sequences = [int(row["sequence"]) for row in csv.DictReader(io.StringIO(text))]
        else:
            sequences = [json.loads(line)["sequence"] for line in text.splitlines()]
        assert sequences == expected, fmt


# The log in words ------------------------------------------------------------------------------


def _published(tenant: Tenant, actor: Membership, sites: int = 1) -> list[AuditEntry]:
    """`sites` "rota published" entries by `actor`, each about a site of its own."""
    entries = []
    with tenant_context(tenant):
        for n in range(sites):
            site = Site.objects.create(name=f"Harbour View {n}" if n else "Harbour View")
            entries.append(record(
                Event.ROTA_PUBLISHED, tenant=tenant, target=tenant, actor=actor.user,
                data={"week": "2026-11-30", "site": str(site.pk), "shifts": ["1", "2", "3"]},
            ))  # fmt: skip
    return entries


def _row(response: Any, code: str) -> Any:
    """The newest (entry, words) of the log page with event `code`."""
    return next(row for row in response.context["rows"] if row[0].event == code)


SENTENCE = "Maria Rossi published 3 shifts at Harbour View for the week of 30 Nov 2026"


def test_the_log_shows_labels_sentences_and_names_not_codes(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    maria = member(tenant_a, full_name="Maria Rossi")
    _published(tenant_a, maria)
    client.force_login(auditor.user)
    response = client.get("/alpha/audit/")
    _entry, words = _row(response, "rota.published")
    assert (words.label, words.category, words.sentence, words.who) == (
        "Rota published", "Schedule", SENTENCE, "Maria Rossi"
    )  # fmt: skip
    page = response.content.decode()
    assert SENTENCE in page and "Rota published" in page
    assert ">rota.published<" not in page and "System" not in page
    # A change to a registered model reads too (made here with no one signed in).
    with tenant_context(tenant_a):
        Role.objects.create(name="Night lead")
    _entry, words = _row(client.get("/alpha/audit/"), "role.created")
    assert (words.label, words.category) == ("Role created", "People")
    assert words.sentence == "Role “Night lead” created by Parim (automatic)"


def test_the_entry_page_leads_with_the_label_and_sentence_and_keeps_the_code(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    maria = member(tenant_a, full_name="Maria Rossi")
    [entry] = _published(tenant_a, maria)
    client.force_login(auditor.user)
    page = client.get(f"/alpha/audit/{entry.pk}/").content.decode()
    assert "<h1>Rota published</h1>" in page
    assert SENTENCE in page
    assert '<code class="muted">rota.published</code>' in page
    assert "Hash verified" in page
    assert '<th scope="row">Week</th><td>2026-11-30</td>' in page
    assert '<th scope="row">Shifts</th><td>1, 2, 3</td>' in page


def test_the_filter_lists_events_by_category_with_their_labels(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    client.force_login(auditor.user)
    page = client.get("/alpha/audit/").content.decode()
    assert '<optgroup label="Security">' in page
    assert '<option value="auth.login">Signed in</option>' in page
    assert '<option value="role.updated">Role changed</option>' in page
    assert '<option value="tenancy.role">Role</option>' in page
    assert '<option value="privacy">Privacy</option>' in page


def test_the_category_filter_and_text_search_use_the_catalogue(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    maria = member(tenant_a, full_name="Maria Rossi")
    _published(tenant_a, maria)
    with tenant_context(tenant_a):
        Role.objects.create(name="Night lead")
    client.force_login(auditor.user)
    schedule = client.get("/alpha/audit/", {"category": "schedule"}).context["entries"]
    assert [entry.event for entry in schedule] == ["rota.published", "site.created"]
    people = client.get("/alpha/audit/", {"category": "people"}).context["entries"]
    assert people and "rota.published" not in {entry.event for entry in people}
    found = client.get("/alpha/audit/", {"q": "rota PUBLISHED"}).context["entries"]
    assert [entry.event for entry in found] == ["rota.published"]


def test_exports_carry_the_code_label_category_and_sentence(
    client: Client, tenant_a: Tenant, auditor: Membership
) -> None:
    maria = member(tenant_a, full_name="Maria Rossi")
    _published(tenant_a, maria)
    client.force_login(auditor.user)
    rows = list(csv.DictReader(io.StringIO(_rows(
        client.get("/alpha/audit/export.csv", {"event": "rota.published"})
    ))))  # fmt: skip
    assert [(r["event"], r["label"], r["category"], r["sentence"]) for r in rows] == [
        ("rota.published", "Rota published", "Schedule", SENTENCE)
    ]
    records = [json.loads(line) for line in _rows(
        client.get("/alpha/audit/export.jsonl", {"category": "schedule"})
    ).splitlines()]  # fmt: skip
    assert [(r["event"], r["label"], r["sentence"]) for r in records] == [
        ("rota.published", "Rota published", SENTENCE),
        ("site.created", "Site created", "Site “Harbour View” created by Parim (automatic)"),
    ]
    assert records[0]["additional_data"]["week"] == "2026-11-30"  # the values are kept as written


@pytest.mark.parametrize("sites", [2, 60])
def test_naming_sites_costs_one_query_whatever_the_page_holds(
    client: Client, tenant_a: Tenant, auditor: Membership, django_assert_num_queries: Any,
    sites: int,
) -> None:  # fmt: skip
    maria = member(tenant_a, full_name="Maria Rossi")
    _published(tenant_a, maria, sites=sites)
    client.force_login(auditor.user)
    # The log page's 8, and one read of the page's sites by id.
    with django_assert_num_queries(queries(9)):
        response = client.get("/alpha/audit/", {"event": "rota.published"})
    names = {words.sentence.split(" at ")[1].split(" for ")[0] for _e, words in
             response.context["rows"]}  # fmt: skip
    assert len(names) == min(sites, 50) and "one since deleted" not in names


def test_someone_erased_here_is_not_named_though_another_company_still_knows_them(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, auditor: Membership
) -> None:
    from gdpr.rights import person_anonymise

    maria = member(tenant_a, full_name="Maria Rossi", email="maria@example.test")
    member(tenant_b, user=maria.user)
    [entry] = _published(tenant_a, maria)
    emit(Event.CALENDAR_RENEWED, tenant=tenant_a, user=maria.user, target=maria)
    person_anonymise(tenant=tenant_a, membership=maria, reason="request")

    client.force_login(auditor.user)
    log = client.get("/alpha/audit/").content.decode()
    detail = client.get(f"/alpha/audit/{entry.pk}/").content.decode()
    export = _rows(client.get("/alpha/audit/export.csv"))
    for text in (log, detail, export):
        assert "Maria Rossi" not in text and "maria@example.test" not in text
    assert "(erased person)" in detail


def test_an_entry_page_names_its_people_and_site_in_one_query_each(
    client: Client, tenant_a: Tenant, auditor: Membership, django_assert_num_queries: Any
) -> None:
    maria = member(tenant_a, full_name="Maria Rossi")
    [entry] = _published(tenant_a, maria)
    client.force_login(auditor.user)
    # An entry page's 7 (tests/test_query_budgets.py, for an entry that names no one), the
    # people it names (the actor, here) and its site.
    with django_assert_num_queries(queries(9)):
        page = client.get(f"/alpha/audit/{entry.pk}/").content.decode()
    assert SENTENCE in page


def test_the_filter_renders_its_long_lists_without_a_template_per_option(
    client: Client, auditor: Membership
) -> None:
    client.force_login(auditor.user)
    response = client.get("/alpha/audit/", {"event": "role.created"})
    names = [template.name for template in response.templates]
    assert "django/forms/widgets/select_option.html" not in names
    page = response.content.decode()
    assert page.count("<option ") > 50  # the catalogue's events, under their categories
    assert '<option value="role.created" selected>' in page


# The rows as templates/audit/log.html wrote them with a template loop, before they were
# written in Python (audit/log_rows.py): the page must not change.
LOOP_TEMPLATE = (
    '{% load i18n %}{% for entry, words in rows %}\n    <tr>\n      <td class="audit-lo'
    'g__number">{{ entry.sequence }}</td>\n      <td class="audit-log__when"><time dat'
    'etime="{{ entry.timestamp|date:\'c\' }}">{{ entry.timestamp|date:"j M Y, H:i:s" }}'
    '</time></td>\n      <td class="audit-log__what"><span class="audit-log__label">{%'
    ' if words.category %}<span class="chip">{{ words.category }}</span> {% endif %}<'
    "strong>{{ words.label }}</strong></span>\n        {% if words.sentence != words.l"
    'abel %}<span class="audit-log__sentence">{{ words.sentence }}</span>{% endif %}<'
    '/td>\n      <td class="audit-log__who">{{ words.who }}</td>\n      <td><a href="{%'
    ' url \'audit-entry\' tenant_slug=slug entry_id=entry.pk %}">{% translate "Details"'
    ' %}<span class="visually-hidden"> {% blocktranslate with n=entry.sequence %}of e'
    "ntry {{ n }}{% endblocktranslate %}</span></a></td>\n    </tr>{% endfor %}"
)


def test_the_rows_written_in_python_are_what_the_template_loop_wrote(
    client: Client, auditor: Membership
) -> None:
    import re

    from django.template import Context, Template
    from django.utils import translation

    client.force_login(auditor.user)
    _bulk_entries(auditor.tenant, 60)
    with tenant_context(auditor.tenant):
        Role.objects.create(name='Night <lead> & "deputy"')  # escaped in the name and sentence
    response = client.get("/alpha/audit/")
    rows = response.context["rows"]
    assert len(rows) == 50 and any("<lead>" in w.sentence for _e, w in rows)
    with translation.override("en-gb"), timezone.override(auditor.tenant.time_zone):
        loop = Template(LOOP_TEMPLATE).render(Context({"rows": rows, "slug": "alpha"}))
    ours = str(response.context["rows_html"])

    def normal(html: str) -> str:
        return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()

    assert normal(ours) == normal(loop)
    assert ours.count("<tr>") == 50 and "Night &lt;lead&gt; &amp; &quot;deputy&quot;" in ours


def test_the_catalogue_choices_are_worded_once_per_language() -> None:
    from django.utils import translation

    from audit.selectors import filter_choices

    with translation.override("en-gb"):
        first, again = filter_choices([]), filter_choices([])
    assert first["events"] is again["events"], "the same object: its options written once"
    assert first["people"] is not again["people"], "people are read for each request"
    labels = dict(first["categories"])
    assert labels[""] == "Any category" and len(labels) > 5


def _same_entry(raw: dict[str, Any], described: dict[str, Any]) -> None:
    """A raw export's entry against the described export's: the same stored values (the time
    and the JSON columns compared as values, the rest as text), label and category."""
    from datetime import datetime

    for name, value in raw.items():
        other = described[name]
        if name == "timestamp":
            assert datetime.fromisoformat(value) == datetime.fromisoformat(other)
        elif name in ("changes", "additional_data"):
            assert _json_value(value) == _json_value(other), name
        else:
            assert _text(value) == _text(other), name


def _json_value(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(
    "filters",
    [{}, {"event": "role.created"}, {"q": "night"}, {"category": "people", "q": "lead"}],
    ids=["everything", "an event", "text", "category and text"],
)
def test_the_export_without_sentences_has_the_described_exports_entries(
    client: Client, tenant_a: Tenant, tenant_b: Tenant, auditor: Membership, fmt: str,
    filters: dict[str, str],
) -> None:  # fmt: skip
    with tenant_context(tenant_a):
        Role.objects.create(name="=cmd|' /C calc'!A0 night")
        Role.objects.create(name='Night lead, "deputy"\nsecond line')
    with tenant_context(tenant_b):
        Role.objects.create(name="Other company's night lead")
    client.force_login(auditor.user)
    raw = _rows(client.get(f"/alpha/audit/export.{fmt}", {**filters, "words": "0"}))
    described = _rows(client.get(f"/alpha/audit/export.{fmt}", filters))
    if fmt == "csv":
        raw_rows = list(csv.DictReader(io.StringIO(raw)))
        described_rows = list(csv.DictReader(io.StringIO(described)))
    else:
        raw_rows = [json.loads(line) for line in raw.splitlines()]
        described_rows = [json.loads(line) for line in described.splitlines()]
    # The second export is newer than the first one's audit entry: drop that one entry.
    assert raw_rows, "the filter matches entries"
    newest = int(raw_rows[0]["sequence"])
    described_rows = [r for r in described_rows if int(r["sequence"]) <= newest]
    assert [r["sequence"] for r in raw_rows] == [r["sequence"] for r in described_rows]
    assert "sentence" not in raw_rows[0]
    for raw_row, described_row in zip(raw_rows, described_rows, strict=True):
        _same_entry(raw_row, described_row)
    assert "Other company" not in raw
    if fmt == "csv" and not filters.get("category"):
        formula = [r for r in raw_rows if "calc" in r["object_repr"]]
        assert formula and formula[0]["object_repr"].startswith("'="), "formulas neutralised"
    with tenant_context(tenant_a):
        exported = AuditEntry.objects.filter(event="audit.exported").order_by("sequence").first()
    assert exported is not None and exported.additional_data["sentences"] is False


def test_the_people_list_names_each_member_by_name_or_else_email(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """people_of (the person filter's list, and the names in the sentences): each member of
    the company once, ids as their text, a name or, without one, the email; sorted by name,
    then email; nobody of another company."""
    from audit.sentences import Person, people_of

    named = member(tenant_a, full_name="Zoe Named")
    unnamed = member(tenant_a, full_name="")
    member(tenant_b, full_name="Other Company")
    with tenant_context(tenant_a):
        people = people_of(tenant_a)
        everyone = Membership.objects.select_related("user").order_by(
            "user__full_name", "user__email"
        )
        expected = [
            Person(str(m.pk), str(m.user_id), m.user.full_name or m.user.email) for m in everyone
        ]
    assert people == expected
    assert Person(str(named.pk), str(named.user_id), "Zoe Named") in people
    assert Person(str(unnamed.pk), str(unnamed.user_id), unnamed.user.email) in people
    assert all(type(p.membership_id) is str and type(p.user_id) is str for p in people)
