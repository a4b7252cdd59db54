"""Ids that arrive in a form or a query string rather than in the URL's path (which the isolation
suite sweeps): another company's, unknown, malformed, stale, or outside a limited manager's
sites. Each is refused and changes nothing. And what the whole-week actions of a manager
limited to one site touch: that site only, as the audit trail records."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from audit.models import AuditEntry
from scheduling.models import Shift
from scheduling.rota import services as rota_services
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, add_shift, at, build_rota, signed_in

pytestmark = pytest.mark.django_db

LAST_MONDAY = MONDAY - dt.timedelta(days=7)


def _limit_manager_to_rosewood(rota: Rota) -> None:
    setup_services.member_sites_set(
        tenant=rota.tenant, actor=rota.admin, membership=rota.manager, all_sites=False,
        sites=[rota.site],
    )  # fmt: skip


def _state(rota: Rota) -> list[tuple[Any, ...]]:
    """Every shift of the company as it stands, to compare before and after."""
    with tenant_context(rota.tenant):
        return sorted(
            (str(s.pk), s.site_id, s.membership_id, s.start_at, s.status, s.version)
            for s in Shift.objects.all()
        )


def _events(rota: Rota, event: str) -> list[AuditEntry]:
    with tenant_context(rota.tenant):
        return list(AuditEntry.objects.filter(event=event).order_by("sequence"))


def _status(rota: Rota, shift: Shift) -> str:
    with tenant_context(rota.tenant):
        return Shift.objects.get(pk=shift.pk).status


# Moving, deleting, duplicating ---------------------------------------------------------------


def test_moving_a_shift_to_another_companys_unknown_or_malformed_person_is_refused(
    rota: Rota,
) -> None:
    other = build_rota("bravo")
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    before = _state(rota)
    client = signed_in(rota.manager)
    for who in (other.people[0].pk, uuid.uuid4(), "not-an-id"):
        response = client.post(
            f"/alpha/rota/shifts/{shift.pk}/move/",
            {"membership": who, "date": "2026-11-24", "version": shift.version},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 204  # htmx: the grid stays, a message says why
        assert "Choose a day and a person on the rota." in response["HX-Trigger"]
    response = client.post(
        f"/alpha/rota/shifts/{shift.pk}/move/",
        {"membership": "", "date": "24/11/2026", "version": shift.version},
        HTTP_HX_REQUEST="true",
    )
    assert "Choose a day and a person on the rota." in response["HX-Trigger"]
    assert _state(rota) == before


def test_a_stale_move_or_delete_is_refused_and_changes_nothing(rota: Rota) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    stale = shift.version
    rota_services.shift_move(
        tenant=rota.tenant,
        actor=rota.admin,
        shift=shift,
        membership=rota.people[1],
        day=MONDAY,
        version=stale,
    )  # fmt: skip — someone else moved it meanwhile
    before = _state(rota)
    client = signed_in(rota.manager)
    for action, data in (
        ("move", {"membership": str(rota.people[0].pk), "date": "2026-11-25"}),
        ("delete", {}),
    ):
        response = client.post(
            f"/alpha/rota/shifts/{shift.pk}/{action}/", data | {"version": stale},
            HTTP_HX_REQUEST="true",
        )  # fmt: skip
        assert response.status_code == 204
        assert "Someone else changed this shift" in response["HX-Trigger"]
    assert _state(rota) == before


def test_a_shift_is_deleted_from_its_dialog_and_the_deletion_audited(rota: Rota) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    client = signed_in(rota.manager)
    dialog = client.get(f"/alpha/rota/shifts/{shift.pk}/delete/", HTTP_HX_REQUEST="true")
    assert "Delete" in dialog.content.decode()
    assert _state(rota) != []  # asking is not deleting
    response = client.post(
        f"/alpha/rota/shifts/{shift.pk}/delete/", {"version": shift.version},
        HTTP_HX_REQUEST="true",
    )  # fmt: skip
    assert response.status_code == 204
    assert "Shift deleted." in response["HX-Trigger"]
    assert _state(rota) == []
    deleted = _events(rota, "shift.deleted")
    assert [entry.object_pk for entry in deleted] == [str(shift.pk)]


def test_duplicating_another_companys_or_another_sites_shift_is_a_404(rota: Rota) -> None:
    other = build_rota("bravo")
    theirs = add_shift(other, other.people[0], at(MONDAY, 9))
    _limit_manager_to_rosewood(rota)
    maple = add_shift(rota, None, at(MONDAY, 9), site=rota.other_site)
    mine = add_shift(rota, rota.people[0], at(MONDAY, 9))
    client = signed_in(rota.manager)
    assert client.get(f"/alpha/rota/shifts/new/?copy={theirs.pk}").status_code == 404
    assert client.get(f"/alpha/rota/shifts/new/?copy={maple.pk}").status_code == 404
    assert client.get("/alpha/rota/shifts/new/?copy=not-an-id").status_code == 404
    copy = client.get(f"/alpha/rota/shifts/new/?copy={mine.pk}")
    assert copy.status_code == 200
    assert 'value="2026-11-23"' in copy.content.decode()  # the copy starts from its date
    response = client.post(
        f"/alpha/rota/shifts/{maple.pk}/move/",
        {"membership": "", "date": "2026-11-24", "version": maple.version},
    )
    assert response.status_code == 404


def test_a_shift_form_naming_another_companys_person_or_position_saves_nothing(
    rota: Rota,
) -> None:
    other = build_rota("bravo")
    client = signed_in(rota.manager)
    base = {
        "site": rota.site.pk, "position": rota.carer.pk, "membership": rota.people[0].pk,
        "date": "2026-11-25", "start_time": "09:00", "end_time": "17:00",
        "break_minutes": 30, "notes": "",
    }  # fmt: skip
    for field, forged in (("membership", other.people[0].pk), ("position", other.carer.pk)):
        response = client.post("/alpha/rota/shifts/new/", base | {field: forged})
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    assert _state(rota) == []


# Whole-week actions: sites named in the form ---------------------------------------------------


def test_copying_or_clearing_another_companys_site_is_a_404_and_changes_nothing(
    rota: Rota,
) -> None:
    other = build_rota("bravo")
    add_shift(rota, rota.people[0], at(LAST_MONDAY, 9))
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    before = _state(rota)
    client = signed_in(rota.manager)
    for action in ("copy-previous-week", "clear-drafts"):
        for site in (other.site.pk, "not-an-id"):
            response = client.post(f"/alpha/rota/{action}/", {"week": MONDAY, "site": site})
            assert response.status_code == 404
        response = client.post(f"/alpha/rota/{action}/", {"week": "next monday"})
        assert response.status_code == 404
    assert _state(rota) == before
    assert _events(rota, "rota.week_copied") == _events(rota, "rota.drafts_cleared") == []


def test_a_limited_manager_cannot_copy_clear_or_publish_a_site_they_do_not_schedule(
    rota: Rota,
) -> None:
    _limit_manager_to_rosewood(rota)
    add_shift(rota, None, at(LAST_MONDAY, 9), site=rota.other_site)
    add_shift(rota, None, at(MONDAY, 9), site=rota.other_site)
    before = _state(rota)
    client = signed_in(rota.manager)
    for action in ("copy-previous-week", "clear-drafts"):
        response = client.post(
            f"/alpha/rota/{action}/", {"week": MONDAY, "site": rota.other_site.pk}, follow=True
        )
        assert "You do not schedule this site." in response.content.decode()
    publish = f"/alpha/rota/publish/?week={MONDAY}&site={rota.other_site.pk}"
    assert client.post(publish, {"override_reason": ""}).status_code == 404
    assert _state(rota) == before


def test_publishing_with_a_malformed_site_or_week_is_refused_not_widened(rota: Rota) -> None:
    """A forged query string must not fall back to "this week, every site" when it publishes."""
    add_shift(rota, None, at(MONDAY, 9))
    before = _state(rota)
    client = signed_in(rota.admin)
    for query in (f"week={MONDAY}&site=not-an-id", "week=not-a-date"):
        assert client.post(f"/alpha/rota/publish/?{query}", {}).status_code == 404
    assert _state(rota) == before


# Whole-week actions of a manager limited to one site: that site only ------------------------


def test_a_limited_manager_publishing_every_site_publishes_only_theirs(rota: Rota) -> None:
    _limit_manager_to_rosewood(rota)
    rosewood = add_shift(rota, rota.people[0], at(MONDAY, 9))
    maple = add_shift(rota, None, at(MONDAY, 9), site=rota.other_site)
    response = signed_in(rota.manager).post(f"/alpha/rota/publish/?week={MONDAY}", {})
    assert response.status_code == 302
    assert _status(rota, rosewood) == Shift.Status.PUBLISHED
    assert _status(rota, maple) == Shift.Status.DRAFT
    (published,) = _events(rota, "rota.published")
    assert published.additional_data == {
        "week": "2026-11-23", "site": "all", "shifts": [str(rosewood.pk)],
    }  # fmt: skip


def test_publishing_one_site_leaves_the_others_drafts(rota: Rota) -> None:
    rosewood = add_shift(rota, rota.people[0], at(MONDAY, 9))
    maple = add_shift(rota, None, at(MONDAY, 9), site=rota.other_site)
    response = signed_in(rota.admin).post(
        f"/alpha/rota/publish/?week={MONDAY}&site={rota.other_site.pk}", {}
    )
    assert response.status_code == 302
    assert _status(rota, maple) == Shift.Status.PUBLISHED
    assert _status(rota, rosewood) == Shift.Status.DRAFT
    (published,) = _events(rota, "rota.published")
    assert published.additional_data["site"] == str(rota.other_site.pk)
    assert published.additional_data["shifts"] == [str(maple.pk)]


def test_a_limited_managers_copy_and_clear_of_every_site_touch_only_theirs(rota: Rota) -> None:
    _limit_manager_to_rosewood(rota)
    add_shift(rota, rota.people[0], at(LAST_MONDAY, 9))
    add_shift(rota, None, at(LAST_MONDAY, 9), site=rota.other_site)
    client = signed_in(rota.manager)
    client.post("/alpha/rota/copy-previous-week/", {"week": MONDAY})
    with tenant_context(rota.tenant):
        copied = list(Shift.objects.filter(start_at__gte=at(MONDAY, 0)))
    assert [s.site_id for s in copied] == [rota.site.pk]
    maple_draft = add_shift(rota, None, at(MONDAY, 12), site=rota.other_site)
    client.post("/alpha/rota/clear-drafts/", {"week": MONDAY})
    with tenant_context(rota.tenant):
        left = list(Shift.objects.filter(start_at__gte=at(MONDAY, 0)))
    assert [s.pk for s in left] == [maple_draft.pk]  # Rosewood's copy went, Maple's stayed
    (cleared,) = _events(rota, "rota.drafts_cleared")
    assert cleared.additional_data["shifts"] == [str(copied[0].pk)]
    (copy_event,) = _events(rota, "rota.week_copied")
    assert copy_event.additional_data["shifts"] == [str(copied[0].pk)]
