"""Repeating patterns: week templates and rotating patterns. Services (wall-clock times, the
clock change, idempotence, people who left, site scope, bad input, rule breaks, audit) and
pages (forms, results, confirmations, permissions, exact query budgets)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from scheduling.models import (
    RotationMember,
    RotationPattern,
    Shift,
    Site,
    WeekTemplate,
    WeekTemplateShift,
)
from scheduling.patterns import selectors as patterns_selectors
from scheduling.patterns import services as patterns_services
from scheduling.rota import services as rota_services
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.builders import LONDON, MONDAY, Rota, add_shift, at, build_rota, signed_in
from tests.factories import member, queries

pytestmark = pytest.mark.django_db

NEXT = MONDAY + dt.timedelta(days=7)
SPRING_WEEK = dt.date(2027, 3, 22)  # UK clocks go forward on Sunday 28 March 2027, 01:00
AUTUMN_WEEK = dt.date(2026, 10, 19)  # and back on Sunday 25 October 2026, 02:00


@pytest.fixture
def rota() -> Rota:
    return build_rota(people=3)


def _shifts(rota: Rota, **filters: object) -> list[Shift]:
    with tenant_context(rota.tenant):
        return list(Shift.objects.filter(**filters).order_by("start_at", "id"))


def _local(shift: Shift, zone: zoneinfo.ZoneInfo = LONDON) -> tuple[str, str]:
    return (
        shift.start_at.astimezone(zone).strftime("%a %d %H:%M"),
        shift.end_at.astimezone(zone).strftime("%a %d %H:%M"),
    )


def _events(rota: Rota, event: str) -> list[AuditEntry]:
    with tenant_context(rota.tenant):
        return list(AuditEntry.objects.filter(event=event).order_by("sequence"))


def _standard_week(rota: Rota) -> WeekTemplate:
    """Monday 9-17 (a break, notes), Tuesday's night 22:00-06:00, and a Friday open shift."""
    sam, kim = rota.people[0], rota.people[1]
    day = add_shift(rota, sam, at(MONDAY, 9), 8, break_minutes=45)
    with tenant_context(rota.tenant):
        Shift.objects.filter(pk=day.pk).update(notes="Keys from reception")
    add_shift(rota, kim, at(MONDAY + dt.timedelta(days=1), 22), 8)
    add_shift(rota, None, at(MONDAY + dt.timedelta(days=4), 7), 6, break_minutes=0)
    return patterns_services.template_save(
        tenant=rota.tenant, actor=rota.manager, name="Standard week", week_start=MONDAY
    )


# Week templates: saving ------------------------------------------------------------------


def test_saving_a_week_keeps_each_shift_in_the_sites_wall_clock_time(rota: Rota) -> None:
    template = _standard_week(rota)
    with tenant_context(rota.tenant):
        rows = list(WeekTemplateShift.objects.filter(template=template))
    got = sorted(
        (r.weekday, r.start_time, r.end_time, r.break_minutes, r.membership_id, r.notes)
        for r in rows
    )
    assert got == [
        (0, dt.time(9), dt.time(17), 45, rota.people[0].pk, "Keys from reception"),
        (1, dt.time(22), dt.time(6), 30, rota.people[1].pk, ""),  # ends the next day
        (4, dt.time(7), dt.time(13), 0, None, ""),
    ]
    assert {r.site_id for r in rows} == {rota.site.pk}
    assert {r.position_id for r in rows} == {rota.carer.pk}
    [saved] = _events(rota, "template.saved")
    assert (
        saved.additional_data["shifts"] == 3 and saved.additional_data["week"] == MONDAY.isoformat()
    )


def test_a_template_needs_a_new_name_and_shifts_to_save(rota: Rota) -> None:
    _standard_week(rota)
    cases = [
        ("   ", MONDAY, "Give it a name"),
        ("STANDARD WEEK", MONDAY, "already a template called"),  # any letter case
        ("Empty", NEXT, "has no shifts"),
        ("x" * 81, MONDAY, "at most 80"),
    ]
    for name, week, message in cases:
        with pytest.raises(ValidationError, match=message):
            patterns_services.template_save(
                tenant=rota.tenant, actor=rota.manager, name=name, week_start=week
            )
    with tenant_context(rota.tenant):
        assert WeekTemplate.objects.count() == 1
        assert WeekTemplateShift.objects.count() == 3


def test_saving_one_site_keeps_only_its_shifts(rota: Rota) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY, 9), site=rota.other_site)
    template = patterns_services.template_save(
        tenant=rota.tenant,
        actor=rota.manager,
        name="Maple",
        week_start=MONDAY + dt.timedelta(days=3),
        site=rota.other_site,
    )
    with tenant_context(rota.tenant):
        rows = list(WeekTemplateShift.objects.filter(template=template))
    assert [(r.site_id, r.membership_id) for r in rows] == [(rota.other_site.pk, rota.people[1].pk)]


# Week templates: applying ----------------------------------------------------------------


def test_applying_makes_drafts_at_the_same_local_times_and_twice_makes_nothing_twice(
    rota: Rota,
) -> None:
    template = _standard_week(rota)
    first = patterns_services.template_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        template=template,
        week_start=NEXT + dt.timedelta(days=2),
    )
    assert (len(first.created), first.existing, first.skipped) == (3, 0, [])
    assert (first.first_day, first.last_day) == (NEXT, NEXT + dt.timedelta(days=6))
    made = _shifts(rota, start_at__gte=at(NEXT, 0))
    assert [_local(s) for s in made] == [
        ("Mon 30 09:00", "Mon 30 17:00"),
        ("Tue 01 22:00", "Wed 02 06:00"),
        ("Fri 04 07:00", "Fri 04 13:00"),
    ]
    assert {s.status for s in made} == {Shift.Status.DRAFT}
    assert [s.membership_id for s in made] == [rota.people[0].pk, rota.people[1].pk, None]
    assert made[0].notes == "Keys from reception" and made[0].break_minutes == 45
    with tenant_context(rota.tenant):
        items = {r.weekday: r.pk for r in WeekTemplateShift.objects.filter(template=template)}
    assert made[0].origin == f"template:{items[0]}:{NEXT.isoformat()}"

    again = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=NEXT
    )
    assert (len(again.created), again.existing) == (0, 3)
    assert len(_shifts(rota, start_at__gte=at(NEXT, 0))) == 3
    logged = _events(rota, "template.applied")
    assert [(e.additional_data["created"], e.additional_data["existing"]) for e in logged] == [
        (3, 0),
        (0, 3),
    ]
    assert logged[0].additional_data["shifts"] == [str(s.pk) for s in first.created]


def test_applying_to_several_weeks_and_a_week_already_partly_made(rota: Rota) -> None:
    template = _standard_week(rota)
    patterns_services.template_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        template=template,
        week_start=NEXT + dt.timedelta(days=7),
    )
    result = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=NEXT, weeks=3
    )
    assert (len(result.created), result.existing) == (6, 3)
    assert len(_shifts(rota, start_at__gte=at(NEXT, 0))) == 9
    for weeks in (0, 13):
        with pytest.raises(ValidationError, match="1 to 12 weeks"):
            patterns_services.template_apply(
                tenant=rota.tenant,
                actor=rota.manager,
                template=template,
                week_start=NEXT,
                weeks=weeks,
            )


def test_a_time_the_clocks_skip_is_skipped_and_said_and_the_autumn_night_is_kept(
    rota: Rota,
) -> None:
    sunday = MONDAY + dt.timedelta(days=6)
    add_shift(rota, rota.people[0], at(sunday, 1, 30), 6)  # 01:30-07:30
    add_shift(rota, rota.people[1], at(MONDAY + dt.timedelta(days=5), 22), 8)  # Sat night
    template = patterns_services.template_save(
        tenant=rota.tenant, actor=rota.manager, name="Nights", week_start=MONDAY
    )
    spring = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=SPRING_WEEK
    )
    assert len(spring.created) == 1  # Saturday's night: 22:00 to 06:00 BST, 7 hours
    assert spring.created[0].end_at - spring.created[0].start_at == dt.timedelta(hours=7)
    [skipped] = spring.skipped
    assert (skipped.day, skipped.start_time) == (dt.date(2027, 3, 28), dt.time(1, 30))
    assert "clocks go forward" in skipped.reason
    autumn = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=AUTUMN_WEEK
    )
    assert (len(autumn.created), autumn.skipped) == (2, [])
    night = next(s for s in autumn.created if s.membership_id == rota.people[1].pk)
    assert night.end_at - night.start_at == dt.timedelta(hours=9)  # the hour back
    assert _local(night) == ("Sat 24 22:00", "Sun 25 06:00")


def test_a_site_in_another_time_zone_keeps_its_own_wall_clock(rota: Rota) -> None:
    new_york = zoneinfo.ZoneInfo("America/New_York")
    with tenant_context(rota.tenant):
        site = Site.objects.create(name="Hudson", time_zone="America/New_York")
    start = dt.datetime.combine(MONDAY, dt.time(8), tzinfo=new_york)
    add_shift(rota, None, start, 8, site=site)
    template = patterns_services.template_save(
        tenant=rota.tenant, actor=rota.manager, name="NY", week_start=MONDAY, site=site
    )
    result = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=dt.date(2027, 3, 8)
    )  # after the US change
    assert _local(result.created[0], new_york) == ("Mon 08 08:00", "Mon 08 16:00")
    assert result.created[0].start_at.astimezone(dt.UTC).hour == 13  # EST is over: UTC-4 + 8


def test_people_who_have_left_get_open_shifts(rota: Rota) -> None:
    template = _standard_week(rota)
    kim = rota.people[1]
    with tenant_context(rota.tenant):
        Membership.objects.filter(pk=kim.pk).update(status=Membership.Status.LEFT)
    result = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=NEXT
    )
    assert result.opened == 1
    assert [s.membership_id for s in result.created] == [rota.people[0].pk, None, None]


def test_the_new_drafts_rule_breaks_are_reported(rota: Rota) -> None:
    template = _standard_week(rota)
    add_shift(rota, rota.people[0], at(NEXT, 12), 4)  # overlaps Monday 9-17 next week
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=NEXT)
    result = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=NEXT
    )
    monday = next(s for s in result.created if s.membership_id == rota.people[0].pk)
    assert any(v.code == "overlap" and v.hard for v in result.violations[monday.pk])
    assert result.hard >= 1
    assert [shift.pk for shift, _found in result.rows()] == [monday.pk]
    assert _events(rota, "template.applied")[0].additional_data["hard_violations"] == result.hard


def test_a_manager_limited_to_a_site_saves_and_applies_only_its_shifts(rota: Rota) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY, 9), site=rota.other_site)
    template = patterns_services.template_save(
        tenant=rota.tenant, actor=rota.manager, name="Both", week_start=MONDAY
    )
    setup_services.member_sites_set(
        tenant=rota.tenant,
        actor=rota.admin,
        membership=rota.manager,
        all_sites=False,
        sites=[rota.site],
    )
    with tenant_context(rota.tenant):
        rota.manager.refresh_from_db()
    result = patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=NEXT
    )
    assert (len(result.created), result.out_of_scope) == (1, 1)
    assert result.created[0].site_id == rota.site.pk
    with pytest.raises(ValidationError, match="sites you schedule"):
        patterns_services.template_save(
            tenant=rota.tenant,
            actor=rota.manager,
            name="Maple only",
            week_start=MONDAY,
            site=rota.other_site,
        )
    limited = patterns_services.template_save(
        tenant=rota.tenant, actor=rota.manager, name="Mine", week_start=MONDAY
    )
    with tenant_context(rota.tenant):
        assert WeekTemplateShift.objects.filter(template=limited).count() == 1
    with pytest.raises(ValidationError, match="sites you do not schedule"):
        patterns_services.template_delete(tenant=rota.tenant, actor=rota.manager, template=template)
    with tenant_context(rota.tenant):
        assert WeekTemplate.objects.filter(pk=template.pk).exists()


# Rotating patterns -----------------------------------------------------------------------


def _rotation(rota: Rota, **changes: object) -> RotationPattern:
    values: dict[str, object] = {
        "name": "Four on four off",
        "site": rota.site,
        "position": rota.carer,
        "start_time": dt.time(7),
        "end_time": dt.time(19),
        "break_minutes": 60,
        "cycle": patterns_selectors.cycle_of(days_on=4, days_off=4),
        "anchor_date": NEXT,
    } | changes
    save = patterns_services.rotation_save
    return save(tenant=rota.tenant, actor=rota.manager, pattern=None, **values)  # type: ignore[arg-type]


def test_cycles_are_written_simply_and_checked() -> None:
    assert patterns_selectors.cycle_of(days_on=4, days_off=4) == "11110000"
    assert patterns_selectors.cycle_clean(" 1110 011\n") == "1110011"
    for bad, message in [
        ("1", "2 to 56"),
        ("1" * 57, "2 to 56"),
        ("0000", "at least one"),
        ("11x00", "1 for a working day"),
    ]:
        with pytest.raises(ValidationError, match=message):
            patterns_selectors.cycle_clean(bad)


def test_two_teams_on_four_on_four_off_and_applying_twice(rota: Rota) -> None:
    pattern = _rotation(rota)
    team_a, team_b = rota.people[0], rota.people[1]
    for person, offset in ((team_a, 0), (team_b, 4)):
        patterns_services.rotation_member_set(
            tenant=rota.tenant,
            actor=rota.manager,
            pattern=pattern,
            membership=person,
            offset=offset,
        )
    end = NEXT + dt.timedelta(days=15)
    result = patterns_services.rotation_apply(
        tenant=rota.tenant, actor=rota.manager, pattern=pattern, start=NEXT, end=end
    )
    assert (len(result.created), result.existing) == (16, 0)

    def days_of(person: Membership) -> list[int]:
        return [
            (s.start_at.astimezone(LONDON).date() - NEXT).days
            for s in _shifts(rota, membership=person)
        ]

    assert days_of(team_a) == [0, 1, 2, 3, 8, 9, 10, 11]
    assert days_of(team_b) == [4, 5, 6, 7, 12, 13, 14, 15]
    made = _shifts(rota)
    assert {_local(s)[0][-5:] + _local(s)[1][-6:] for s in made} == {"07:00 19:00"}
    with tenant_context(rota.tenant):
        member_a = RotationMember.objects.get(membership=team_a)
    assert made[0].origin == f"rotation:{member_a.pk}:{NEXT.isoformat()}"
    assert {(s.status, s.break_minutes) for s in made} == {(Shift.Status.DRAFT, 60)}

    again = patterns_services.rotation_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=pattern,
        start=NEXT - dt.timedelta(days=4),
        end=end,
    )
    # Before the anchor the cycle runs backwards: the 4 days before it are team B's.
    assert (len(again.created), again.existing) == (4, 16)
    assert {s.membership_id for s in again.created} == {team_b.pk}
    logged = _events(rota, "rotation.applied")
    assert [(e.additional_data["created"], e.additional_data["existing"]) for e in logged] == [
        (16, 0),
        (4, 16),
    ]


def test_a_night_rotation_crosses_midnight_and_skips_the_missing_hour(rota: Rota) -> None:
    pattern = _rotation(
        rota,
        name="Nights",
        start_time=dt.time(0, 30),
        end_time=dt.time(8),
        break_minutes=30,
        cycle="11",
        anchor_date=SPRING_WEEK,
    )
    patterns_services.rotation_member_set(
        tenant=rota.tenant, actor=rota.manager, pattern=pattern, membership=rota.people[0], offset=0
    )
    result = patterns_services.rotation_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=pattern,
        start=dt.date(2027, 3, 27),
        end=dt.date(2027, 3, 29),
    )
    # 00:30 exists on the 28th (the clocks jump at 01:00); 08:00 too: 6.5 hours that night.
    lengths = [s.end_at - s.start_at for s in result.created]
    assert lengths == [dt.timedelta(hours=7.5), dt.timedelta(hours=6.5), dt.timedelta(hours=7.5)]
    late = _rotation(
        rota,
        name="Late",
        start_time=dt.time(1, 30),
        end_time=dt.time(9),
        break_minutes=0,
        cycle="10",
        anchor_date=dt.date(2027, 3, 28),
    )
    patterns_services.rotation_member_set(
        tenant=rota.tenant, actor=rota.manager, pattern=late, membership=rota.people[1], offset=0
    )
    skipped = patterns_services.rotation_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=late,
        start=dt.date(2027, 3, 28),
        end=dt.date(2027, 3, 31),
    )
    assert len(skipped.created) == 1 and len(skipped.skipped) == 1
    assert skipped.skipped[0].day == dt.date(2027, 3, 28)
    overnight = _rotation(
        rota,
        name="Overnight",
        start_time=dt.time(22),
        end_time=dt.time(6),
        break_minutes=0,
        cycle="10",
    )
    patterns_services.rotation_member_set(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=overnight,
        membership=rota.people[2],
        offset=1,
    )
    made = patterns_services.rotation_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=overnight,
        start=NEXT,
        end=NEXT + dt.timedelta(days=1),
    ).created
    assert [_local(s) for s in made] == [("Tue 01 22:00", "Wed 02 06:00")]


def test_bad_rotations_are_refused_and_nothing_is_saved(rota: Rota) -> None:
    _rotation(rota)
    cases: list[tuple[dict[str, object], str | None]] = [
        ({"name": "four ON four OFF"}, "already a rotating pattern"),
        ({"name": " "}, "Give it a name"),
        ({"cycle": "0000"}, "at least one working day"),
        ({"start_time": dt.time(6), "end_time": dt.time(23)}, "at most 16 hours"),
        ({"break_minutes": 720}, "shorter than the shift"),
        ({"site": rota.other_site, "name": "Maple"}, None),  # allowed: schedules every site
    ]
    for changes, message in cases:
        if message is None:
            _rotation(rota, **changes)
            continue
        with pytest.raises(ValidationError, match=message):
            _rotation(rota, **{"name": "Another", **changes})
    with tenant_context(rota.tenant):
        assert RotationPattern.objects.count() == 2


def test_members_must_be_qualified_and_offsets_in_the_cycle(rota: Rota) -> None:
    pattern = _rotation(rota)
    cook_only = member(rota.tenant, full_name="Casey Cook")
    setup_services.work_profile_save(
        tenant=rota.tenant,
        actor=rota.admin,
        membership=cook_only,
        positions=[rota.cook],
        sites=[rota.site],
        contracted_hours=None,
        max_hours_7_days=None,
        min_rest_hours=None,
    )
    left = rota.people[2]
    with tenant_context(rota.tenant):
        Membership.objects.filter(pk=left.pk).update(status=Membership.Status.LEFT)
    for person in (cook_only, left, rota.manager):
        with pytest.raises(ValidationError, match="work profile lists this position and site"):
            patterns_services.rotation_member_set(
                tenant=rota.tenant, actor=rota.manager, pattern=pattern, membership=person, offset=0
            )
    with pytest.raises(ValidationError, match="from 0 to 7"):
        patterns_services.rotation_member_set(
            tenant=rota.tenant,
            actor=rota.manager,
            pattern=pattern,
            membership=rota.people[0],
            offset=8,
        )
    row = patterns_services.rotation_member_set(
        tenant=rota.tenant, actor=rota.manager, pattern=pattern, membership=rota.people[0], offset=6
    )
    again = patterns_services.rotation_member_set(
        tenant=rota.tenant, actor=rota.manager, pattern=pattern, membership=rota.people[0], offset=2
    )
    assert again.pk == row.pk and again.offset == 2
    with pytest.raises(ValidationError, match="at least 3 days long"):
        patterns_services.rotation_save(
            tenant=rota.tenant,
            actor=rota.manager,
            pattern=pattern,
            name=pattern.name,
            site=rota.site,
            position=rota.carer,
            start_time=dt.time(7),
            end_time=dt.time(19),
            break_minutes=60,
            cycle="10",
            anchor_date=NEXT,
        )
    with tenant_context(rota.tenant):
        assert RotationMember.objects.count() == 1
        assert RotationPattern.objects.get().cycle == "11110000"


def test_apply_ranges_are_checked_and_a_leaver_gets_open_shifts(rota: Rota) -> None:
    pattern = _rotation(rota, cycle="1111111")
    with pytest.raises(ValidationError, match="Add the people"):
        patterns_services.rotation_apply(
            tenant=rota.tenant, actor=rota.manager, pattern=pattern, start=NEXT, end=NEXT
        )
    patterns_services.rotation_member_set(
        tenant=rota.tenant, actor=rota.manager, pattern=pattern, membership=rota.people[0], offset=0
    )
    for start, end, message in [
        (NEXT, NEXT - dt.timedelta(days=1), "before the first day"),
        (NEXT, NEXT + dt.timedelta(days=84), "at most 12 weeks"),
    ]:
        with pytest.raises(ValidationError, match=message):
            patterns_services.rotation_apply(
                tenant=rota.tenant, actor=rota.manager, pattern=pattern, start=start, end=end
            )
    assert _shifts(rota) == []
    with tenant_context(rota.tenant):
        Membership.objects.filter(pk=rota.people[0].pk).update(status=Membership.Status.LEFT)
    result = patterns_services.rotation_apply(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=pattern,
        start=NEXT,
        end=NEXT + dt.timedelta(days=83),
    )
    assert (len(result.created), result.opened) == (84, 84)
    assert {s.membership_id for s in result.created} == {None}


def test_rotations_at_a_site_one_does_not_schedule_are_refused(rota: Rota) -> None:
    pattern = _rotation(rota, site=rota.other_site, cycle="10")
    setup_services.member_sites_set(
        tenant=rota.tenant,
        actor=rota.admin,
        membership=rota.manager,
        all_sites=False,
        sites=[rota.site],
    )
    with tenant_context(rota.tenant):
        rota.manager.refresh_from_db()
    with pytest.raises(ValidationError, match="sites you schedule"):
        _rotation(rota, name="Maple nights", site=rota.other_site)
    with pytest.raises(ValidationError, match="sites you schedule"):
        patterns_services.rotation_apply(
            tenant=rota.tenant, actor=rota.manager, pattern=pattern, start=NEXT, end=NEXT
        )
    with pytest.raises(ValidationError, match="sites you schedule"):
        patterns_services.rotation_delete(tenant=rota.tenant, actor=rota.manager, pattern=pattern)
    with pytest.raises(ValidationError, match="sites you schedule"):
        patterns_services.rotation_save(
            tenant=rota.tenant,
            actor=rota.manager,
            pattern=pattern,
            name="Moved here",
            site=rota.site,
            position=rota.carer,
            start_time=dt.time(7),
            end_time=dt.time(19),
            break_minutes=60,
            cycle="10",
            anchor_date=NEXT,
        )
    with tenant_context(rota.tenant):
        assert RotationPattern.objects.get().site_id == rota.other_site.pk


def test_saving_and_applying_rotations_is_audited(rota: Rota) -> None:
    pattern = _rotation(rota)
    patterns_services.rotation_save(
        tenant=rota.tenant,
        actor=rota.manager,
        pattern=pattern,
        name="Renamed",
        site=rota.site,
        position=rota.carer,
        start_time=dt.time(8),
        end_time=dt.time(20),
        break_minutes=60,
        cycle="111000",
        anchor_date=NEXT,
    )
    saved = _events(rota, "rotation.saved")
    assert [e.additional_data["created"] for e in saved] == [True, False]
    assert saved[1].additional_data["cycle"] == "111000"
    with tenant_context(rota.tenant):
        assert RotationPattern.objects.get().name == "Renamed"


# Pages -----------------------------------------------------------------------------------


def test_the_pages_need_build_rota(rota: Rota) -> None:
    employee = signed_in(rota.people[0])
    template = _standard_week(rota)
    pattern = _rotation(rota)
    for url in [
        "/alpha/patterns/",
        "/alpha/patterns/templates/new/",
        f"/alpha/patterns/templates/{template.pk}/",
        f"/alpha/patterns/templates/{template.pk}/delete/",
        "/alpha/patterns/rotations/new/",
        f"/alpha/patterns/rotations/{pattern.pk}/",
        f"/alpha/patterns/rotations/{pattern.pk}/delete/",
    ]:
        assert employee.get(url).status_code == 403, url
        assert employee.post(url, {"action": "apply"}).status_code == 403, url
    assert _shifts(rota, start_at__gte=at(NEXT, 0)) == []


def test_the_list_shows_empty_states_then_the_patterns(rota: Rota) -> None:
    client = signed_in(rota.manager)
    page = client.get("/alpha/patterns/").content.decode()
    assert "No week templates yet" in page and "No rotating patterns yet" in page
    _standard_week(rota)
    _rotation(rota)
    page = client.get("/alpha/patterns/").content.decode()
    assert "Standard week" in page and "Four on four off" in page
    assert "No week templates yet" not in page


def test_the_lists_come_in_pages(rota: Rota) -> None:
    with tenant_context(rota.tenant):
        for n in range(27):
            WeekTemplate.objects.create(name=f"Template {n:02d}", created_by=rota.manager)
    client = signed_in(rota.manager)
    first = client.get("/alpha/patterns/").content.decode()
    assert "Template 24" in first and "Template 25" not in first
    assert "Page 1 of 2" in first and 'href="?templates=2&amp;rotations=1"' in first
    second = client.get("/alpha/patterns/?templates=2&rotations=1").content.decode()
    assert "Template 25" in second and "Template 24" not in second


def test_a_manager_saves_the_rotas_week_from_its_link_and_applies_it_twice(rota: Rota) -> None:
    add_shift(rota, rota.people[0], at(MONDAY, 9))
    add_shift(rota, rota.people[1], at(MONDAY + dt.timedelta(days=2), 14))
    client = signed_in(rota.manager)
    form = client.get("/alpha/patterns/templates/new/?week=2026-11-26").content.decode()
    assert 'value="2026-11-23"' in form  # the Monday of the linked week
    assert client.get("/alpha/patterns/templates/new/?week=nonsense").status_code == 200
    response = client.post(
        "/alpha/patterns/templates/new/", {"name": "Usual", "week": "2026-11-26", "site": ""}
    )
    with tenant_context(rota.tenant):
        template = WeekTemplate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/alpha/patterns/templates/{template.pk}/"
    taken = client.post(
        "/alpha/patterns/templates/new/", {"name": "usual", "week": "2026-11-26", "site": ""}
    )
    assert taken.status_code == 400
    assert "already a template called" in taken.content.decode()

    url = f"/alpha/patterns/templates/{template.pk}/"
    detail = client.get(url).content.decode()
    assert "Employee 000" in detail and "14:00\u201322:00" in detail
    first = client.post(url, {"week": NEXT.isoformat(), "weeks": "1"})
    assert first.status_code == 200
    text = first.content.decode()
    assert "2 draft shifts made" in text and "0 were there already" in text
    assert "The new drafts break none of the working-time rules" in text
    second = client.post(url, {"week": NEXT.isoformat(), "weeks": "1"}).content.decode()
    assert "0 draft shifts made" in second and "2 were there already" in second
    assert len(_shifts(rota, start_at__gte=at(NEXT, 0))) == 2
    rota_page = client.get(f"/alpha/rota/?week={NEXT.isoformat()}").content.decode()
    assert rota_page.count('class="shift ') + rota_page.count('class="shift"') >= 2


def test_bad_apply_input_says_what_is_wrong_and_makes_nothing(rota: Rota) -> None:
    template = _standard_week(rota)
    client = signed_in(rota.manager)
    url = f"/alpha/patterns/templates/{template.pk}/"
    for data, message in [
        ({"week": NEXT.isoformat(), "weeks": "13"}, "less than or equal to 12"),
        ({"week": "31/02/2027", "weeks": "1"}, "Enter a valid date"),
        ({"week": "9999-01-01", "weeks": "1"}, "less than or equal to"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert _shifts(rota, start_at__gte=at(NEXT, 0)) == []


def test_rules_breaks_show_on_the_result_page(rota: Rota) -> None:
    template = _standard_week(rota)
    add_shift(rota, rota.people[0], at(NEXT, 12), 4)
    client = signed_in(rota.manager)
    page = client.post(
        f"/alpha/patterns/templates/{template.pk}/", {"week": NEXT.isoformat(), "weeks": "1"}
    ).content.decode()
    # The other shift is a draft: drafts are no commitments, so only published ones clash.
    assert "The new drafts break none" in page
    rota_services.week_publish(
        tenant=rota.tenant, actor=rota.admin, week_start=NEXT, override_reason="test"
    )
    later = NEXT + dt.timedelta(days=7)
    add_shift(rota, rota.people[0], at(later, 12), 4)
    rota_services.week_publish(tenant=rota.tenant, actor=rota.admin, week_start=later)
    page = client.post(
        f"/alpha/patterns/templates/{template.pk}/", {"week": later.isoformat(), "weeks": "1"}
    ).content.decode()
    assert "rule break blocks publishing" in page or "rule breaks block publishing" in page
    assert "Review and publish" in page


def test_a_rotation_through_its_pages(rota: Rota) -> None:
    client = signed_in(rota.manager)
    new = "/alpha/patterns/rotations/new/"
    data = {
        "name": "Days",
        "site": str(rota.site.pk),
        "position": str(rota.carer.pk),
        "start_time": "07:00",
        "end_time": "19:00",
        "break_minutes": "60",
        "days_on": "4",
        "days_off": "4",
        "cycle": "",
        "anchor_date": NEXT.isoformat(),
    }
    bad = client.post(new, data | {"cycle": "12"})
    assert bad.status_code == 400 and "1 for a working day" in bad.content.decode()
    neither = client.post(new, data | {"days_on": "", "days_off": ""})
    assert "Give the days on and off" in neither.content.decode()
    response = client.post(new, data)
    with tenant_context(rota.tenant):
        pattern = RotationPattern.objects.get()
    assert pattern.cycle == "11110000"
    url = f"/alpha/patterns/rotations/{pattern.pk}/"
    assert response["Location"] == url
    page = client.get(url).content.decode()
    assert "Nobody follows this pattern yet" in page
    assert "Employee 000" in page  # qualified: offered in the list
    for person, offset in ((rota.people[0], 0), (rota.people[1], 4)):
        added = client.post(
            url,
            {
                "action": "add_member",
                "member-membership": str(person.pk),
                "member-offset": str(offset),
            },
        )
        assert added.status_code == 302
    too_far = client.post(
        url,
        {"action": "add_member", "member-membership": str(rota.people[2].pk), "member-offset": "9"},
    )
    assert too_far.status_code == 400 and "from 0 to 7" in too_far.content.decode()
    page = client.get(url).content.decode()
    assert "Who works when" in page
    backwards = client.post(
        url, {"action": "apply", "apply-date_from": "2026-12-10", "apply-date_to": "2026-12-01"}
    )
    assert backwards.status_code == 400
    assert "The last day is before the first day" in backwards.content.decode()
    applied = client.post(
        url,
        {
            "action": "apply",
            "apply-date_from": NEXT.isoformat(),
            "apply-date_to": (NEXT + dt.timedelta(days=7)).isoformat(),
        },
    )
    assert applied.status_code == 200 and "8 draft shifts made" in applied.content.decode()
    edited = client.post(
        url,
        {
            "action": "save",
            **{f"edit-{k}": v for k, v in data.items()},
            "edit-name": "Long days",
            "edit-days_on": "3",
            "edit-days_off": "3",
        },
    )
    assert edited.status_code == 302
    with tenant_context(rota.tenant):
        pattern.refresh_from_db()
        member_row = RotationMember.objects.get(membership=rota.people[0])
    assert (pattern.name, pattern.cycle) == ("Long days", "111000")
    removed = client.post(url, {"action": "remove_member", "member": str(member_row.pk)})
    assert removed.status_code == 302
    again = client.post(url, {"action": "remove_member", "member": "not-an-id"})
    assert again.status_code == 302
    with tenant_context(rota.tenant):
        assert RotationMember.objects.count() == 1


def test_deleting_asks_first_and_keeps_the_shifts_made(rota: Rota) -> None:
    template = _standard_week(rota)
    patterns_services.template_apply(
        tenant=rota.tenant, actor=rota.manager, template=template, week_start=NEXT
    )
    pattern = _rotation(rota)
    client = signed_in(rota.manager)
    for url in (
        f"/alpha/patterns/templates/{template.pk}/delete/",
        f"/alpha/patterns/rotations/{pattern.pk}/delete/",
    ):
        confirm = client.get(url)
        assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
        assert client.post(url)["Location"] == "/alpha/patterns/"
    with tenant_context(rota.tenant):
        assert not WeekTemplate.objects.exists() and not WeekTemplateShift.objects.exists()
        assert not RotationPattern.objects.exists()
    assert len(_shifts(rota, start_at__gte=at(NEXT, 0))) == 3


def test_a_manager_limited_to_a_site_sees_no_rotation_elsewhere(rota: Rota) -> None:
    elsewhere = _rotation(rota, name="Maple days", site=rota.other_site)
    _rotation(rota, name="Rosewood days")
    setup_services.member_sites_set(
        tenant=rota.tenant,
        actor=rota.admin,
        membership=rota.manager,
        all_sites=False,
        sites=[rota.site],
    )
    client = signed_in(rota.manager)
    page = client.get("/alpha/patterns/").content.decode()
    assert "Rosewood days" in page and "Maple days" not in page
    for suffix in ("", "delete/"):
        url = f"/alpha/patterns/rotations/{elsewhere.pk}/{suffix}"
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "apply"}).status_code == 404
    with tenant_context(rota.tenant):
        assert RotationPattern.objects.count() == 2


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(context)


@pytest.mark.postgres
def test_the_pages_take_a_fixed_number_of_queries() -> None:
    rota = build_rota(people=6)
    client = signed_in(rota.manager)
    template = _standard_week(rota)
    pattern = _rotation(rota)
    counts: dict[str, list[int]] = {}
    for extra in (1, 4):
        for n in range(extra):
            tag = f"{extra}-{n}"
            add_shift(rota, rota.people[n % 6], at(MONDAY + dt.timedelta(days=n % 7), 6), 2)
            patterns_services.template_save(
                tenant=rota.tenant, actor=rota.manager, name=f"T {tag}", week_start=MONDAY
            )
            _rotation(rota, name=f"R {tag}")
            patterns_services.rotation_member_set(
                tenant=rota.tenant,
                actor=rota.manager,
                pattern=pattern,
                membership=rota.people[n],
                offset=n,
            )
        urls = {
            "patterns": "/alpha/patterns/",
            "new template": "/alpha/patterns/templates/new/?week=2026-11-23",
            "template": f"/alpha/patterns/templates/{template.pk}/",
            "template delete": f"/alpha/patterns/templates/{template.pk}/delete/",
            "new rotation": "/alpha/patterns/rotations/new/",
            "rotation": f"/alpha/patterns/rotations/{pattern.pk}/",
            "rotation delete": f"/alpha/patterns/rotations/{pattern.pk}/delete/",
        }
        for name, url in urls.items():
            counts.setdefault(name, []).append(_count(client, url))
    assert counts == {name: [queries(n)] * 2 for name, n in PAGE_QUERIES.items()}


# 6 for any tenant page, then: the list: two counts and two pages; a new template: the sites;
# a template: it, the sites, its shifts; deleting one: it; a new rotation: sites, positions;
# a rotation: it, the site check, the form's sites and positions, the qualified people, the
# members; deleting one: it and the site check.
PAGE_QUERIES = {
    "patterns": 10,
    "new template": 7,
    "template": 9,
    "template delete": 7,
    "new rotation": 8,
    "rotation": 12,
    "rotation delete": 8,
}
