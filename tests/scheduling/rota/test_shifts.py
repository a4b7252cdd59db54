"""Shifts: validation, optimistic locking, manager scope, moving, copying, clearing and
publishing weeks, rule overrides, and the emails that follow."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client, TestCase

from audit.models import AuditEntry
from scheduling.models import Publication, Shift, Site
from scheduling.rota import services as rota_services
from scheduling.rules import checks as selectors
from scheduling.rules.checks import violations_for
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tenancy.permissions import RoleKind
from tests.builders import LONDON, MONDAY, Rota, add_shift, at, build_rota
from tests.factories import member

pytestmark = pytest.mark.django_db


def _count(rota: Rota, **filters: Any) -> int:
    with tenant_context(rota.tenant):
        return Shift.objects.filter(**filters).count()


def _input(rota: Rota, start: dt.datetime, end: dt.datetime, **kw: Any) -> rota_services.ShiftInput:
    values: dict[str, Any] = {
        "site": rota.site,
        "position": rota.carer,
        "membership": rota.people[0],
        "break_minutes": 0,
    }
    values.update(kw)
    return rota_services.ShiftInput(start_at=start, end_at=end, **values)


@pytest.mark.parametrize(
    ("start", "end", "breaks", "field"),
    [
        (at(MONDAY, 17), at(MONDAY, 9), 0, "end_time"),  # ends before it starts
        (at(MONDAY, 6), at(MONDAY, 23), 0, "end_time"),  # 17 hours: longer than 16
        (at(MONDAY, 9), at(MONDAY, 10), 60, "break_minutes"),  # break as long as the shift
    ],
)
def test_bad_times_are_refused_and_nothing_is_saved(
    rota: Rota, start: dt.datetime, end: dt.datetime, breaks: int, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        rota_services.shift_save(
            tenant=rota.tenant,
            actor=rota.admin,
            shift=None,
            data=_input(rota, start, end, break_minutes=breaks),
        )
    assert field in caught.value.message_dict
    assert _count(rota) == 0


def test_another_tenants_site_or_person_is_refused(rota: Rota) -> None:
    other = build_rota("bravo")
    for forged in (
        {"site": other.site},
        {"membership": other.people[0]},
        {"position": other.carer},
    ):
        with pytest.raises(ValidationError):
            rota_services.shift_save(
                tenant=rota.tenant,
                actor=rota.admin,
                shift=None,
                data=_input(rota, at(MONDAY, 9), at(MONDAY, 17), **forged),
            )
    assert _count(rota) == 0


def test_a_second_edit_from_a_stale_version_is_refused(rota: Rota) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    first = rota_services.shift_save(
        tenant=rota.tenant,
        actor=rota.admin,
        shift=shift,
        version=1,
        data=_input(rota, at(MONDAY, 10), at(MONDAY, 18)),
    )
    assert first.version == 2
    with pytest.raises(rota_services.StaleEditError):
        rota_services.shift_save(
            tenant=rota.tenant,
            actor=rota.manager,
            shift=shift,
            version=1,
            data=_input(rota, at(MONDAY, 7), at(MONDAY, 15)),
        )
    with tenant_context(rota.tenant):
        assert Shift.objects.get(pk=shift.pk).start_at == at(MONDAY, 10)


def test_the_shift_dialog_fills_the_date_and_times_as_browsers_read_them(rota: Rota) -> None:
    """A date field shows nothing for "23/11/2026" (en-GB's format): values must be ISO."""
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    client = Client()
    client.force_login(rota.manager.user)
    html = client.get(f"/alpha/rota/shifts/{shift.pk}/").content.decode()
    assert f'type="date" name="date" value="{MONDAY.isoformat()}"' in html
    assert 'type="time" name="start_time" value="09:00"' in html


def test_a_manager_limited_to_one_site_cannot_schedule_another(rota: Rota) -> None:
    setup_services.member_sites_set(
        tenant=rota.tenant,
        actor=rota.admin,
        membership=rota.manager,
        all_sites=False,
        sites=[rota.site],
    )
    with pytest.raises(ValidationError):
        rota_services.shift_save(
            tenant=rota.tenant,
            actor=rota.manager,
            shift=None,
            data=_input(rota, at(MONDAY, 9), at(MONDAY, 17), site=rota.other_site),
        )
    elsewhere = add_shift(rota, rota.people[1], at(MONDAY, 9), site=rota.other_site)
    client = Client()
    client.force_login(rota.manager.user)
    assert client.get(f"/alpha/rota/shifts/{elsewhere.pk}/").status_code == 404
    response = client.post(f"/alpha/rota/shifts/{elsewhere.pk}/delete/", {"version": 1})
    assert response.status_code == 404
    page = client.get(f"/alpha/rota/?week={MONDAY}").content.decode()
    assert str(elsewhere.pk) not in page
    assert _count(rota) == 1


def test_a_night_shift_crossing_the_clock_change_is_an_hour_longer() -> None:
    rota = build_rota()
    saturday = dt.date(2026, 10, 24)  # clocks go back at 02:00 on Sunday 25 October
    shift = add_shift(rota, rota.people[0], at(saturday, 22), hours=9, break_minutes=0)
    local_end = shift.end_at.astimezone(LONDON)
    assert (local_end.hour, local_end.date()) == (6, dt.date(2026, 10, 25))  # 22:00 to 06:00


def test_moving_keeps_local_times_across_a_clock_change(rota: Rota) -> None:
    friday = dt.date(2026, 10, 23)
    shift = add_shift(rota, rota.people[0], at(friday, 9))
    moved = rota_services.shift_move(
        tenant=rota.tenant,
        actor=rota.admin,
        shift=shift,
        membership=rota.people[1],
        day=dt.date(2026, 10, 26),
        version=shift.version,
    )
    start, end = moved.start_at.astimezone(LONDON), moved.end_at.astimezone(LONDON)
    assert (start.hour, end.hour, moved.membership_id) == (9, 17, rota.people[1].pk)
    assert moved.start_at.utcoffset() is not None


def test_copying_the_previous_week_twice_never_duplicates(rota: Rota) -> None:
    previous = MONDAY - dt.timedelta(days=7)
    add_shift(rota, rota.people[0], at(previous, 9))
    add_shift(rota, None, at(previous + dt.timedelta(days=2), 14))
    add_shift(rota, None, at(previous + dt.timedelta(days=2), 14))  # two identical open shifts
    first = rota_services.week_copy_previous(
        tenant=rota.tenant, actor=rota.admin, week_start=MONDAY
    )
    assert (first.created, first.skipped) == (3, 0)
    again = rota_services.week_copy_previous(
        tenant=rota.tenant, actor=rota.admin, week_start=MONDAY
    )
    assert (again.created, again.skipped) == (0, 0)
    with tenant_context(rota.tenant):
        copied = Shift.objects.filter(start_at__gte=at(MONDAY, 0)).order_by("start_at")
        wednesday = MONDAY + dt.timedelta(days=2)
        assert [s.start_at for s in copied] == [at(MONDAY, 9), at(wednesday, 14), at(wednesday, 14)]
        assert {s.status for s in copied} == {Shift.Status.DRAFT}
        assert AuditEntry.objects.filter(event="rota.week_copied").count() == 2


def test_copying_into_a_clock_change_skips_times_that_do_not_exist(rota: Rota) -> None:
    sunday = dt.date(2027, 3, 21)  # the next Sunday, 28 March, the clocks go from 01:00 to 02:00
    add_shift(rota, rota.people[0], at(sunday, 1, 30), hours=4)  # 01:30 does not exist then
    add_shift(rota, rota.people[1], at(sunday, 9), hours=8)
    result = rota_services.week_copy_previous(
        tenant=rota.tenant, actor=rota.admin, week_start=dt.date(2027, 3, 22)
    )
    assert (result.created, result.skipped) == (1, 1)
    with tenant_context(rota.tenant):
        copied = Shift.objects.get(start_at__gte=at(dt.date(2027, 3, 22), 0))
    assert copied.start_at.astimezone(LONDON).hour == 9  # 09:00 BST, as 09:00 GMT before


def test_clearing_drafts_keeps_published_shifts(rota: Rota) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    add_shift(rota, rota.people[1], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY + dt.timedelta(days=1), 9))
    cleared = rota_services.week_clear_drafts(
        tenant=rota.tenant, actor=rota.admin, week_start=MONDAY
    )
    assert cleared == 2
    assert _count(rota) == 1
    assert _count(rota, status=Shift.Status.PUBLISHED) == 1


def test_clearing_drafts_keeps_locked_drafts(rota: Rota) -> None:
    kept = add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY, 9))
    with tenant_context(rota.tenant):
        Shift.objects.filter(pk=kept.pk).update(locked=True)
    cleared = rota_services.week_clear_drafts(
        tenant=rota.tenant, actor=rota.admin, week_start=MONDAY
    )
    assert cleared == 1
    with tenant_context(rota.tenant):
        assert list(Shift.objects.values_list("pk", flat=True)) == [kept.pk]


def test_publishing_emails_each_person_their_week_and_hides_nothing(
    rota: Rota, mailoutbox: Any
) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY, 14))
    add_shift(rota, None, at(MONDAY, 7))
    with TestCase.captureOnCommitCallbacks(execute=True):
        publication = rota_services.week_publish(
            tenant=rota.tenant, actor=rota.manager, week_start=MONDAY
        )
    assert publication.shift_count == 3
    assert _count(rota, status=Shift.Status.PUBLISHED) == 3
    assert sorted(m.to[0] for m in mailoutbox) == ["e0@alpha.test", "e1@alpha.test"]
    assert "Mon 23 Nov 09:00-17:00  Carer at Rosewood" in mailoutbox[0].body + mailoutbox[1].body
    with pytest.raises(ValidationError, match="no draft shifts"):
        rota_services.week_publish(tenant=rota.tenant, actor=rota.manager, week_start=MONDAY)


def test_a_hard_rule_break_blocks_publishing_until_overridden_with_a_reason(
    rota: Rota, mailoutbox: Any
) -> None:
    person = rota.people[0]
    add_shift(rota, person, at(MONDAY, 14))  # ends 22:00
    add_shift(rota, person, at(MONDAY + dt.timedelta(days=1), 6))  # only 8 h rest
    employee_like = member(rota.tenant, kind=RoleKind.MANAGER)
    with tenant_context(rota.tenant):
        employee_like.role.permissions = ["build_rota", "publish_rota"]  # no override
        employee_like.role.save()
    with pytest.raises(rota_services.RulesBlockedError, match="Ask someone"):
        rota_services.week_publish(tenant=rota.tenant, actor=employee_like, week_start=MONDAY)
    with pytest.raises(rota_services.RulesBlockedError, match="give a reason"):
        rota_services.week_publish(tenant=rota.tenant, actor=rota.manager, week_start=MONDAY)
    assert _count(rota, status=Shift.Status.PUBLISHED) == 0
    publication = rota_services.week_publish(
        tenant=rota.tenant,
        actor=rota.manager,
        week_start=MONDAY,
        override_reason="Agency cover failed",
    )
    assert publication.hard_violations == 2 and publication.override_reason == "Agency cover failed"
    with tenant_context(rota.tenant):
        entry = AuditEntry.objects.get(event="rota.rules_overridden")
        assert entry.additional_data["reason"] == "Agency cover failed"
        assert len(entry.additional_data["violations"]) == 2
        assert Publication.objects.count() == 1


def test_a_change_to_a_published_shift_notifies_old_and_new_person(
    rota: Rota, mailoutbox: Any
) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    with tenant_context(rota.tenant):
        shift.refresh_from_db()
    mailoutbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        rota_services.shift_move(
            tenant=rota.tenant,
            actor=rota.admin,
            shift=shift,
            membership=rota.people[1],
            day=MONDAY,
            version=shift.version,
        )
    assert sorted(m.to[0] for m in mailoutbox) == ["e0@alpha.test", "e1@alpha.test"]
    assert all("have changed" in m.subject for m in mailoutbox)


def test_a_sites_own_time_zone_decides_the_week_its_emails_show(
    rota: Rota, mailoutbox: Any
) -> None:
    """A Sunday-night shift at a New York site belongs to that week, as on the rota, though it
    starts on Monday in the company's London time: its publish and change emails show it."""
    new_york = zoneinfo.ZoneInfo("America/New_York")
    with tenant_context(rota.tenant):
        Site.objects.filter(pk=rota.site.pk).update(time_zone="America/New_York")
        rota.site.refresh_from_db()
    sunday = MONDAY + dt.timedelta(days=6)
    late = dt.datetime.combine(sunday, dt.time(22), tzinfo=new_york)  # 03:00 Monday in London
    shift = add_shift(rota, rota.people[0], late, hours=6, break_minutes=0)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    assert [(m.to[0], m.subject) for m in mailoutbox] == [
        ("e0@alpha.test", "Your shifts for the week of 23 Nov are published (Alpha Care)")
    ]
    assert "Sun 29 Nov 22:00-04:00  Carer at Rosewood" in mailoutbox[0].body
    mailoutbox.clear()
    with tenant_context(rota.tenant):
        shift.refresh_from_db()
    with TestCase.captureOnCommitCallbacks(execute=True):
        rota_services.shift_move(
            tenant=rota.tenant, actor=rota.admin, shift=shift, membership=rota.people[1],
            day=sunday, version=shift.version,
        )  # fmt: skip
    emails = {m.to[0]: m for m in sorted(mailoutbox, key=lambda m: m.to[0])}
    assert list(emails) == ["e0@alpha.test", "e1@alpha.test"]
    assert all("week of 23 Nov have changed" in m.subject for m in emails.values())
    assert "Sun 29 Nov 22:00-04:00" in emails["e1@alpha.test"].body
    assert "Sun 29 Nov" not in emails["e0@alpha.test"].body


def test_editing_a_published_shift_into_a_hard_break_needs_the_override(rota: Rota) -> None:
    person = rota.people[0]
    add_shift(rota, person, at(MONDAY, 9))
    later = add_shift(rota, person, at(MONDAY + dt.timedelta(days=1), 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    with tenant_context(rota.tenant):
        later.refresh_from_db()
    overlapping = _input(rota, at(MONDAY, 12), at(MONDAY, 20))
    with pytest.raises(rota_services.RulesBlockedError):
        rota_services.shift_save(
            tenant=rota.tenant,
            actor=rota.manager,
            shift=later,
            version=later.version,
            data=overlapping,
        )
    saved = rota_services.shift_save(
        tenant=rota.tenant,
        actor=rota.manager,
        shift=later,
        version=later.version,
        data=overlapping,
        override_reason="Handover overlap agreed",
    )
    assert saved.start_at == at(MONDAY, 12)


def test_violations_cover_position_and_site(rota: Rota) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9), site=rota.other_site, position=rota.cook)
    with tenant_context(rota.tenant):
        found = violations_for(rota.tenant, [shift])[shift.pk]
    assert {v.code for v in found} == {"position", "site"}


def test_a_draft_that_pushes_a_published_shift_over_48_hours_blocks_publishing(
    rota: Rota,
) -> None:
    person = rota.people[0]
    for day in range(1, 5):  # Tue-Fri, 11 hours each without a break: 44 hours, published
        add_shift(rota, person, at(MONDAY + dt.timedelta(days=day), 8), hours=11, break_minutes=0)
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    add_shift(rota, person, at(MONDAY, 8), hours=8, break_minutes=0)  # Monday: 52 hours
    with pytest.raises(rota_services.RulesBlockedError) as caught:
        rota_services.week_publish(tenant=rota.tenant, actor=rota.manager, week_start=MONDAY)
    codes = {v.code for found in caught.value.violations.values() for v in found}
    assert codes == {"max_hours"}  # charged to the later, published shifts
    assert _count(rota, status=Shift.Status.DRAFT) == 1


def test_the_publish_review_finds_what_the_two_rule_checks_find(rota: Rota) -> None:
    """publish_review reads the rules' context once for the publish page; it must give what
    violations_for and hard_violations_added give separately, on a week with every kind of
    break, between drafts and between drafts and published shifts."""
    first, second = rota.people
    for day in range(1, 5):  # published: Tue-Fri, 11 hours each
        add_shift(rota, first, at(MONDAY + dt.timedelta(days=day), 8), hours=11, break_minutes=0)
    add_shift(rota, second, at(MONDAY + dt.timedelta(days=2), 14))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    add_shift(rota, first, at(MONDAY, 8), hours=8, break_minutes=0)  # over 48 hours
    add_shift(rota, first, at(MONDAY + dt.timedelta(days=5), 9))  # no weekly rest
    add_shift(rota, first, at(MONDAY + dt.timedelta(days=6), 9))
    add_shift(rota, second, at(MONDAY + dt.timedelta(days=3), 5))  # 7 h after 22:00
    add_shift(rota, second, at(MONDAY + dt.timedelta(days=4), 9))
    add_shift(rota, second, at(MONDAY + dt.timedelta(days=4), 12))  # overlaps
    add_shift(rota, second, at(MONDAY, 9), site=rota.other_site, position=rota.cook)
    add_shift(rota, None, at(MONDAY, 9))
    drafts = rota_services.week_drafts(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)

    def keyed(found: dict[Any, list[Any]]) -> dict[Any, list[tuple[Any, ...]]]:
        return {pk: sorted((v.code, v.hard, str(v.other_shift_id)) for v in vs)
                for pk, vs in found.items() if vs}  # fmt: skip

    with tenant_context(rota.tenant):
        violations, added = selectors.publish_review(rota.tenant, drafts)
        expected = (violations_for(rota.tenant, drafts),
                    selectors.hard_violations_added(rota.tenant, drafts))  # fmt: skip
    assert (keyed(violations), keyed(added)) == (keyed(expected[0]), keyed(expected[1]))
    codes = {v.code for vs in violations.values() for v in vs}
    assert codes >= {"max_hours", "weekly_rest", "rest", "overlap", "position", "site"}
    assert set(added) - {s.pk for s in drafts}  # published shifts that break only now


def test_only_someone_who_may_publish_changes_a_published_shift(rota: Rota) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    builder = member(rota.tenant, kind=RoleKind.MANAGER)
    with tenant_context(rota.tenant):
        builder.role.permissions = ["build_rota"]
        builder.role.save()
        shift.refresh_from_db()
    with pytest.raises(ValidationError, match="publish the rota"):
        rota_services.shift_move(
            tenant=rota.tenant,
            actor=builder,
            shift=shift,
            membership=rota.people[1],
            day=MONDAY,
            version=shift.version,
        )
    with pytest.raises(ValidationError, match="publish the rota"):
        rota_services.shift_delete(
            tenant=rota.tenant, actor=builder, shift=shift, version=shift.version
        )
    assert _count(rota, status=Shift.Status.PUBLISHED) == 1


def test_saving_an_unchanged_published_shift_sends_nothing(rota: Rota, mailoutbox: Any) -> None:
    shift = add_shift(rota, rota.people[0], at(MONDAY, 9))
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=MONDAY)
    with tenant_context(rota.tenant):
        shift.refresh_from_db()
    mailoutbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        same = rota_services.shift_move(
            tenant=rota.tenant,
            actor=rota.admin,
            shift=shift,
            membership=rota.people[0],
            day=MONDAY,
            version=shift.version,
        )
    assert same.version == shift.version and mailoutbox == []


def test_the_hourly_rate_never_reaches_the_audit_trail(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        entries = list(AuditEntry.objects.filter(target_type="scheduling.workprofile"))
        changed = AuditEntry.objects.filter(event="personal_data.changed").count()
    assert entries and all("hourly_rate" not in str(e.changes) for e in entries)
    assert all("12.00" not in str(e.changes) for e in entries)
    assert changed == len(rota.people)
