"""The company's working-time rules page (admins only, UK defaults, validation, audited) and
what its choices and a person's own limits do to the rule checks and to publishing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from audit.models import AuditEntry
from scheduling.models import SchedulingSettings, Shift, WorkProfile
from scheduling.rota import services as rota_services
from scheduling.rules.checks import violations_for
from scheduling.rules.facts import scheduling_settings
from scheduling.setup import services as setup_services
from tenancy.context import tenant_context
from tests.builders import MONDAY, Rota, add_shift, at, signed_in

pytestmark = pytest.mark.django_db

URL = "/alpha/settings/working-time/"


def _form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "min_rest_hours": "11", "rest_is_hard": "on", "max_hours_7_days": "48",
        "max_hours_is_hard": "on", "min_weekly_rest_hours": "24", "weekly_rest_is_hard": "on",
        "qualification_is_hard": "on", "claim_approval": "manager", "currency": "GBP",
        "weekends_period_weeks": "4", "hours_period_weeks": "4", "early_from": "06:00",
        "late_from": "12:00", "night_from": "20:00",
    }  # fmt: skip
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def _settings(rota: Rota) -> SchedulingSettings:
    with tenant_context(rota.tenant):
        return scheduling_settings(rota.tenant)


def test_only_those_who_manage_settings_see_the_rules_with_the_uk_defaults(rota: Rota) -> None:
    assert signed_in(rota.manager).get(URL).status_code == 403
    assert signed_in(rota.people[0]).get(URL).status_code == 403
    assert signed_in(rota.manager).post(URL, _form(min_rest_hours="1")).status_code == 403
    page = signed_in(rota.admin).get(URL).content.decode()
    assert 'name="min_rest_hours" value="11' in page
    assert 'name="max_hours_7_days" value="48' in page
    assert 'name="min_weekly_rest_hours" value="24' in page
    assert _settings(rota).min_rest_hours == Decimal("11")


def test_saving_the_rules_changes_them_and_is_audited(rota: Rota) -> None:
    response = signed_in(rota.admin).post(
        URL, _form(min_rest_hours="12.5", rest_is_hard=None, currency="EUR"), follow=True
    )
    assert "Working-time rules saved." in response.content.decode()
    saved = _settings(rota)
    assert (saved.min_rest_hours, saved.rest_is_hard, saved.currency) == (
        Decimal("12.5"), False, "EUR",
    )  # fmt: skip
    with tenant_context(rota.tenant):
        entry = AuditEntry.objects.filter(target_type="scheduling.schedulingsettings").first()
    assert entry is not None
    assert entry.actor_id == rota.admin.user_id
    assert set(entry.changes) >= {"min_rest_hours", "rest_is_hard", "currency"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"min_rest_hours": "25"}, "less than or equal to 24"),
        ({"max_hours_7_days": "0"}, "greater than or equal to 1"),
        ({"min_weekly_rest_hours": "-1"}, "greater than or equal to 0"),
        ({"max_hours_7_days": "lots"}, "Enter a number"),
        ({"currency": "pounds"}, "at most 3 characters"),
        ({"currency": "gb1"}, "Enter a valid value"),
        ({"claim_approval": "whoever"}, "Select a valid choice"),
        ({"max_consecutive_days": "0"}, "greater than or equal to 1"),
        ({"min_days_off": "1"}, "greater than or equal to 2"),
        ({"max_weekends": "5", "weekends_period_weeks": "4"}, "has only 4 weekends"),
        ({"hours_period_weeks": "9"}, "less than or equal to 8"),
        ({"period_min_hours": "40", "period_max_hours": "30"}, "minimum is more than the max"),
        ({"hours_period_weeks": "1", "period_max_hours": "200"}, "1 weeks has only 168 hours"),
        ({"late_from": "05:00"}, "Early, late and night shifts start in that order"),
        ({"night_from": "25:00"}, "Enter a valid time"),
        ({"forbidden_successions": "night-noon"}, "Select a valid choice"),
    ],
)
def test_bad_values_are_refused_with_a_message_and_change_nothing(
    rota: Rota, overrides: dict[str, str], message: str
) -> None:
    signed_in(rota.admin).post(URL, _form(min_rest_hours="10"))  # a saved value to keep
    response = signed_in(rota.admin).post(URL, _form(**({"min_rest_hours": "9"} | overrides)))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _settings(rota).min_rest_hours == Decimal("10")


def test_rest_made_a_warning_lets_the_week_publish_without_an_override(rota: Rota) -> None:
    person = rota.people[0]
    add_shift(rota, person, at(MONDAY, 14))  # ends 22:00
    add_shift(rota, person, at(MONDAY + dt.timedelta(days=1), 6))  # 8 h of rest
    with pytest.raises(rota_services.RulesBlockedError):
        rota_services.week_publish(tenant=rota.tenant, actor=rota.manager, week_start=MONDAY)
    signed_in(rota.admin).post(URL, _form(rest_is_hard=None))
    with tenant_context(rota.tenant):
        shifts = list(Shift.objects.all())
        found = [v for vs in violations_for(rota.tenant, shifts).values() for v in vs]
    assert {(v.code, v.hard) for v in found} == {("rest", False)}  # still shown, as a warning
    publication = rota_services.week_publish(
        tenant=rota.tenant, actor=rota.manager, week_start=MONDAY
    )
    assert (publication.shift_count, publication.override_reason) == (2, "")


def test_a_persons_own_limits_override_the_companys(rota: Rota) -> None:
    limited, other = rota.people
    setup_services.work_profile_save(
        tenant=rota.tenant, actor=rota.admin, membership=limited, positions=[rota.carer],
        sites=[rota.site], contracted_hours=Decimal("16"), hourly_rate=None,
        max_hours_7_days=Decimal("20"), min_rest_hours=Decimal("14"),
    )  # fmt: skip
    for person in (limited, other):
        for day in range(3):  # 3 x 7.5 paid hours, 12 h apart at the end of the last
            add_shift(rota, person, at(MONDAY + dt.timedelta(days=day), 8))
        add_shift(rota, person, at(MONDAY + dt.timedelta(days=3), 5))  # 13 h after 16:00
    with tenant_context(rota.tenant):
        shifts = list(Shift.objects.all())
        found = violations_for(rota.tenant, shifts)
    codes = {
        person.pk: sorted({v.code for s in shifts if s.membership_id == person.pk
                           for v in found.get(s.pk, [])})
        for person in (limited, other)
    }  # fmt: skip
    assert codes == {limited.pk: ["max_hours", "rest"], other.pk: []}


def test_the_rules_over_days_are_off_until_set_then_saved_and_audited(rota: Rota) -> None:
    page = signed_in(rota.admin).get(URL).content.decode()
    labels = ("Maximum working days in a row", "Minimum days off in a row",
              "Maximum weekends worked", "Period length (weeks)",
              "Night, then an early shift the next day", "Night shifts start from")  # fmt: skip
    for label in labels:
        assert label in page
    assert _settings(rota).max_consecutive_days is None
    response = signed_in(rota.admin).post(URL, _form(
        max_consecutive_days="6", max_days_is_hard="on", min_days_off="2", max_weekends="2",
        weekends_is_hard="on", hours_period_weeks="2", period_min_hours="40",
        period_max_hours="96", forbidden_successions=["night-early", "late-early"],
        night_from="21:30",
    ), follow=True)  # fmt: skip
    assert "Working-time rules saved." in response.content.decode()
    saved = _settings(rota)
    assert (saved.max_consecutive_days, saved.min_days_off, saved.max_weekends) == (6, 2, 2)
    assert (saved.hours_period_weeks, saved.period_min_hours, saved.period_max_hours) == (
        2, Decimal("40"), Decimal("96"),
    )  # fmt: skip
    assert sorted(saved.forbidden_successions) == ["late-early", "night-early"]
    assert saved.night_from == dt.time(21, 30)
    assert not saved.days_off_is_hard  # unticked
    with tenant_context(rota.tenant):
        entry = AuditEntry.objects.filter(target_type="scheduling.schedulingsettings").first()
    assert entry is not None
    assert set(entry.changes) >= {
        "max_consecutive_days", "min_days_off", "max_weekends", "period_min_hours",
        "period_max_hours", "forbidden_successions", "night_from", "days_off_is_hard",
    }  # fmt: skip
    page = signed_in(rota.admin).get(URL).content.decode()
    assert 'value="night-early" checked' in page.replace('id="id_forbidden_successions_0" ', "")


def test_a_person_can_have_their_own_limits_over_days(rota: Rota) -> None:
    person = rota.people[0]
    url = f"/alpha/people/{person.pk}/work/"
    form = {
        "positions": [str(rota.carer.pk)], "sites": [str(rota.site.pk)],
        "contracted_hours": "20", "max_consecutive_days": "4", "min_days_off": "3",
        "max_weekends": "1", "period_min_hours": "60", "period_max_hours": "80",
    }  # fmt: skip
    bad = signed_in(rota.admin).post(url, form | {"period_min_hours": "90"})
    assert bad.status_code == 400
    assert "The minimum is more than the maximum." in bad.content.decode()
    assert signed_in(rota.admin).post(url, form).status_code == 302
    with tenant_context(rota.tenant):
        profile = WorkProfile.objects.get(membership=person)
    assert (profile.max_consecutive_days, profile.min_days_off, profile.max_weekends) == (4, 3, 1)
    assert (profile.period_min_hours, profile.period_max_hours) == (Decimal(60), Decimal(80))
    page = signed_in(rota.admin).get(url).content.decode()
    assert 'name="max_consecutive_days" value="4"' in page
    with tenant_context(rota.tenant):
        entries = list(AuditEntry.objects.filter(target_type="scheduling.workprofile"))
    assert [None, 1] in [e.changes.get("max_weekends") for e in entries]
