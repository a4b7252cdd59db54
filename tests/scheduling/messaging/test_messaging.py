"""Messages, notifications, email preferences and the automatic reminders: the services (with a
fixed `now`, across a clock change), the Celery tasks, the pages, and their query budgets."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from scheduling.messaging import reminders as messaging_reminders
from scheduling.messaging import selectors as messaging_selectors
from scheduling.messaging import services as messaging_services
from scheduling.messaging import tasks
from scheduling.messaging.selectors import Audience
from scheduling.models import (
    Message,
    Notification,
    NotificationKind,
    Position,
    SchedulingSettings,
    Shift,
    Site,
)
from tenancy.context import tenant_context
from tenancy.models import Membership, Tenant
from tests.builders import Company
from tests.factories import queries

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
UTC = dt.UTC


class World(Company):
    """A company with two sites and two positions: Sam (Leeds, carer), Ella (Leeds, cook), Ravi
    (York, carer), a suspended Lee (Leeds, carer), a manager and an admin."""

    def __init__(self, slug: str = "alpha") -> None:
        super().__init__(slug, admin_email=f"admin@{slug}.test", manager_email=f"boss@{slug}.test")
        self.leeds = self.new_site("Leeds")
        self.york = self.new_site("York")
        self.carer = self.new_position("Carer")
        self.cook = self.new_position("Cook")
        self.sam = self.new_person("Sam Taylor", f"sam@{slug}.test", sites=[self.leeds],
                                   positions=[self.carer])  # fmt: skip
        self.ella = self.new_person("Ella Hughes", f"ella@{slug}.test", sites=[self.leeds],
                                    positions=[self.cook])  # fmt: skip
        self.ravi = self.new_person("Ravi Shah", f"ravi@{slug}.test", sites=[self.york],
                                    positions=[self.carer])  # fmt: skip
        self.lee = self.new_person("Lee Gone", f"lee@{slug}.test", sites=[self.leeds],
                                   positions=[self.carer],
                                   status=Membership.Status.SUSPENDED)  # fmt: skip

    def send(self, audience: Audience, subject: str = "Rota meeting",
             body: str = "Staff room at 3pm, please.") -> Message:  # fmt: skip
        with TestCase.captureOnCommitCallbacks(execute=True):
            return messaging_services.message_send(
                tenant=self.tenant, actor=self.manager, subject=subject, body=body,
                audience=audience,
            )  # fmt: skip

    def held(self, who: Membership, **filters: Any) -> list[Notification]:
        return self.notifications(who, **filters)

    def events(self, action: str) -> list[AuditEntry]:
        return self.audit(action)


@pytest.fixture
def world() -> World:
    return World()


# notify, unread counts, preferences -----------------------------------------------------------


def test_notify_skips_inactive_people_the_actor_and_repeats(world: World) -> None:
    with tenant_context(world.tenant):
        made = messaging_services.notify(
            tenant=world.tenant, recipients=[world.sam, world.sam, world.lee, world.manager],
            kind=NotificationKind.REQUEST, title="A swap waits for you", actor=world.manager,
            email=False,
        )  # fmt: skip
    assert [n.recipient_id for n in made] == [world.sam.pk]
    assert world.held(world.lee) == [] and world.held(world.manager) == []


def test_a_key_makes_a_notification_once_per_person(world: World) -> None:
    def remind(people: list[Membership]) -> int:
        return len(messaging_services.notify(
            tenant=world.tenant, recipients=people, kind=NotificationKind.REMINDER,
            title="Reminder", key="shift-reminder:x:1", email=False,
        ))  # fmt: skip

    assert remind([world.sam]) == 1
    assert remind([world.sam, world.ella]) == 1  # only Ella is new
    assert remind([world.sam, world.ella]) == 0
    assert len(world.held(world.sam)) == 1


def test_unread_counts_by_kind_and_reading(world: World) -> None:
    for kind in (NotificationKind.MESSAGE, NotificationKind.MESSAGE, NotificationKind.REQUEST,
                 NotificationKind.DECISION, NotificationKind.REMINDER):  # fmt: skip
        messaging_services.notify(tenant=world.tenant, recipients=[world.sam], kind=kind,
                             title=str(kind), email=False)  # fmt: skip
    messaging_services.notify(tenant=world.tenant, recipients=[world.ella],
                         kind=NotificationKind.MESSAGE, title="Ella's", email=False)  # fmt: skip
    with tenant_context(world.tenant):
        counts = messaging_selectors.unread_counts(world.tenant, world.sam)
    assert (counts.total, counts.messages, counts.requests, counts.decisions,
            counts.reminders) == (5, 2, 1, 1, 1)  # fmt: skip
    first = world.held(world.sam, kind=NotificationKind.MESSAGE)[0]
    assert (
        messaging_services.notification_read(
            tenant=world.tenant, membership=world.ella, notification_id=first.pk
        )
        is None
    )  # not hers
    messaging_services.notification_read(tenant=world.tenant, membership=world.sam,
                                     notification_id=first.pk)  # fmt: skip
    with tenant_context(world.tenant):
        assert messaging_selectors.unread_counts(world.tenant, world.sam).total == 4
    assert messaging_services.notifications_read_all(tenant=world.tenant, membership=world.sam) == 4
    with tenant_context(world.tenant):
        assert messaging_selectors.unread_counts(world.tenant, world.sam).total == 0
        assert messaging_selectors.unread_counts(world.tenant, world.ella).total == 1


def test_emails_respect_each_persons_preferences(world: World) -> None:
    messaging_services.email_preferences_save(tenant=world.tenant, membership=world.ella,
                                         messages=False, requests=True, reminders=True,
                                         schedule=True)  # fmt: skip
    with tenant_context(world.tenant):
        world.ravi.user.is_active = False
        world.ravi.user.save(update_fields=["is_active"])
    mail.outbox.clear()
    for kind in (NotificationKind.MESSAGE, NotificationKind.REMINDER):
        with TestCase.captureOnCommitCallbacks(execute=True):
            messaging_services.notify(
                tenant=world.tenant, recipients=[world.sam, world.ella, world.ravi], kind=kind,
                title=f"About {kind}", actor=world.manager, url="/alpha/my-shifts/",
            )  # fmt: skip
    sent = sorted((m.to[0], m.subject) for m in mail.outbox)
    assert sent == [
        ("ella@alpha.test", "About reminder (Alpha Care)"),
        ("sam@alpha.test", "About message (Alpha Care)"),
        ("sam@alpha.test", "About reminder (Alpha Care)"),
    ]
    body = next(m.body for m in mail.outbox if m.subject.startswith("About message"))
    assert "From Max Manager" in body
    assert f"Open it in Parim: {settings.SITE_URL}/alpha/my-shifts/" in body
    assert f"{settings.SITE_URL}/alpha/notifications/preferences/" in body
    assert len(world.events("email_preferences.changed")) == 1


def test_wants_email_defaults_to_yes() -> None:
    from scheduling.models import EmailPreferences

    assert messaging_selectors.wants_email(None, NotificationKind.DECISION)
    prefs = EmailPreferences(messages=True, requests=False, reminders=True, schedule=False)
    assert not messaging_selectors.wants_email(prefs, NotificationKind.DECISION)
    assert not messaging_selectors.wants_email(prefs, NotificationKind.SCHEDULE)
    assert messaging_selectors.wants_email(prefs, NotificationKind.MESSAGE)


# Messages -------------------------------------------------------------------------------------


def test_a_message_to_a_site_a_position_and_people_reaches_each_once(world: World) -> None:
    mail.outbox.clear()
    message = world.send(Audience(people=(world.ella, world.sam, world.manager),
                                  site=world.leeds, position=world.carer))  # fmt: skip
    # Leeds: Sam, Ella (Lee is suspended); Carer: Sam, Ravi; people: Ella, Sam (the sender is
    # never his own recipient).
    assert message.audience == "Leeds site, Carer position, 2 people"
    assert message.recipient_count == 3
    with tenant_context(world.tenant):
        rows = list(Notification.objects.filter(message=message))
    assert sorted(r.recipient_id for r in rows) == sorted([world.sam.pk, world.ella.pk,
                                                           world.ravi.pk])  # fmt: skip
    assert {(r.kind, r.actor_id, r.title) for r in rows} == {
        (NotificationKind.MESSAGE, world.manager.pk, "Rota meeting")}  # fmt: skip
    assert "Max" not in rows[0].body  # the sender's name is never copied into the text
    assert sorted(m.to[0] for m in mail.outbox) == ["ella@alpha.test", "ravi@alpha.test",
                                                    "sam@alpha.test"]  # fmt: skip
    assert f"/alpha/notifications/messages/{message.pk}/" in mail.outbox[0].body
    entry = world.events("message.sent")
    assert len(entry) == 1 and entry[0].additional_data["recipients"] == 3


def test_a_message_needs_someone_to_reach(world: World) -> None:
    with pytest.raises(ValidationError, match="Choose at least one person"):
        world.send(Audience())
    with tenant_context(world.tenant):
        empty = Site.objects.create(name="Empty", time_zone="Europe/London")
    with pytest.raises(ValidationError, match="Nobody would get this message"):
        world.send(Audience(site=empty))
    other = World("bravo")
    with pytest.raises(ValidationError, match="from the lists"):
        world.send(Audience(site=other.leeds))
    with pytest.raises(ValidationError, match="from the lists"):
        world.send(Audience(people=(other.sam,)))
    with pytest.raises(ValidationError):
        world.send(Audience(people=(world.sam,)), subject="   ")
    with tenant_context(world.tenant):
        assert not Message.objects.exists() and not Notification.objects.exists()


# Automatic texts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("You work {shift}", "{shift} is not a placeholder"),
        ("You work {site} {when} {who}", "{when}, {who} are not placeholders"),
        ("From {start:%H}", "{start:%H} is not a placeholder"),
        ("From {start!r}", "{start!r} is not a placeholder"),
        ("From {start", "is not closed"),
        ("From start}", "is not closed"),
        ("{site.__class__}", "is not a placeholder"),
    ],
)
def test_texts_with_unknown_placeholders_or_broken_braces_are_refused(
    text: str, error: str
) -> None:
    with pytest.raises(ValidationError, match=re.escape(error)):
        messaging_services.template_check(text, messaging_reminders.SHIFT_PLACEHOLDERS)


def test_allowed_placeholders_and_doubled_braces_are_accepted() -> None:
    text = "{{Note}} {position} at {site}, {start} to {end}"
    messaging_services.template_check(text, messaging_reminders.SHIFT_PLACEHOLDERS)
    values = {"position": "Carer", "site": "Leeds", "start": "Mon 1 Mar 09:00", "end": "17:00"}
    assert messaging_services.template_render(text, "", values) == (
        "{Note} Carer at Leeds, Mon 1 Mar 09:00 to 17:00")  # fmt: skip
    assert messaging_services.template_render("{oops", "Default {site}", values) == "Default Leeds"


# Shift reminders ------------------------------------------------------------------------------

NOW = dt.datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # Monday 08:00 in London (GMT)


def test_published_shifts_starting_soon_are_reminded_once(world: World) -> None:
    world.settings(shift_reminder_hours=12)
    soon = world.shift(world.sam, NOW + dt.timedelta(hours=3))  # 11:00 GMT
    world.shift(world.ella, NOW + dt.timedelta(hours=12))  # exactly at the edge: reminded
    world.shift(world.ravi, NOW + dt.timedelta(hours=13))  # later
    world.shift(world.ravi, NOW - dt.timedelta(hours=1))  # already started
    world.shift(world.ravi, NOW + dt.timedelta(hours=2), status=Shift.Status.DRAFT)
    world.shift(None, NOW + dt.timedelta(hours=2))  # open
    world.shift(world.lee, NOW + dt.timedelta(hours=2))  # suspended
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert messaging_reminders.shift_reminders_send(world.tenant, NOW) == 2
    [note] = world.held(world.sam)
    assert note.kind == NotificationKind.REMINDER and note.url == "/alpha/my-shifts/"
    assert note.body == "Reminder: you work Carer at Leeds from Mon 1 Mar 11:00 to 19:00."
    assert note.title == "Your shift on Mon 1 Mar 11:00 at Leeds"
    assert note.key == f"shift-reminder:{soon.pk}:{soon.version}"
    assert len(world.held(world.ella)) == 1 and world.held(world.ravi) == []
    assert sorted(m.to[0] for m in mail.outbox) == ["ella@alpha.test", "sam@alpha.test"]
    # The next run finds nothing new; a change to the shift reminds again.
    assert (
        messaging_reminders.shift_reminders_send(world.tenant, NOW + dt.timedelta(minutes=15)) == 0
    )
    with tenant_context(world.tenant):
        hour = dt.timedelta(hours=1)
        Shift.objects.filter(pk=soon.pk).update(version=soon.version + 1,
                                                start_at=soon.start_at + hour,
                                                end_at=soon.end_at + hour)  # fmt: skip
    assert (
        messaging_reminders.shift_reminders_send(world.tenant, NOW + dt.timedelta(minutes=30)) == 1
    )
    assert [n.body for n in world.held(world.sam)][-1].endswith("from Mon 1 Mar 12:00 to 20:00.")
    entries = world.events("reminders.sent")
    assert [e.additional_data["count"] for e in entries] == [2, 1]


def test_shift_reminders_use_the_sites_local_time_across_the_clock_change(world: World) -> None:
    # Sunday 28 March 2027: the UK clocks go forward at 01:00 GMT. A 09:00 BST shift starts
    # at 08:00 UTC; a night shift from 22:00 GMT on Saturday ends at 07:00 BST on Sunday.
    world.settings(shift_reminder_hours=30, shift_reminder_text="{position}: {start} to {end}")
    world.shift(world.sam, dt.datetime(2027, 3, 28, 9, tzinfo=LONDON), hours=8)
    world.shift(world.ella, dt.datetime(2027, 3, 27, 22, tzinfo=LONDON), hours=8)
    with tenant_context(world.tenant):
        world.york.time_zone = "America/New_York"  # US clocks changed two weeks earlier
        world.york.save(update_fields=["time_zone"])
    world.shift(world.ravi, dt.datetime(2027, 3, 28, 9, tzinfo=zoneinfo.ZoneInfo(
        "America/New_York")), hours=4, site=world.york)  # fmt: skip
    now = dt.datetime(2027, 3, 27, 12, tzinfo=UTC)
    assert messaging_reminders.shift_reminders_send(world.tenant, now) == 3
    assert world.held(world.sam)[0].body == "Carer: Sun 28 Mar 09:00 to 17:00"
    assert world.held(world.ella)[0].body == "Carer: Sat 27 Mar 22:00 to Sun 28 Mar 07:00"
    assert world.held(world.ravi)[0].body == "Carer: Sun 28 Mar 09:00 to 13:00"


def test_shift_reminders_can_be_turned_off(world: World) -> None:
    world.settings(shift_reminder_hours=0)
    world.shift(world.sam, NOW + dt.timedelta(hours=1))
    assert messaging_reminders.shift_reminders_send(world.tenant, NOW) == 0
    assert world.held(world.sam) == []


def test_the_beat_task_reminds_every_company_on_its_own(world: World) -> None:
    other = World("bravo")
    from django.utils import timezone

    start = timezone.now() + dt.timedelta(hours=2)
    world.shift(world.sam, start)
    other.shift(other.ella, start)
    assert tasks.send_shift_reminders() == 2
    assert tasks.send_shift_reminders() == 0
    assert len(world.held(world.sam)) == 1 and len(other.held(other.ella)) == 1
    with tenant_context(world.tenant):
        assert Notification.objects.count() == 1  # Bravo's stays in Bravo


# Unpublished-week reminders -------------------------------------------------------------------

# Thursday 12 August 2027 (BST, UTC+1): the default reminder day is Thursday.
THURSDAY_SUMMER = dt.date(2027, 8, 12)


def _drafts_next_week(world: World, day: dt.date, count: int) -> None:
    monday = day - dt.timedelta(days=day.weekday()) + dt.timedelta(days=7)
    for index in range(count):
        start = dt.datetime.combine(monday + dt.timedelta(days=index), dt.time(9), tzinfo=LONDON)
        world.shift(world.sam, start, status=Shift.Status.DRAFT)


def test_publishers_are_reminded_of_an_unpublished_week_once(world: World) -> None:
    _drafts_next_week(world, THURSDAY_SUMMER, 3)
    world.shift(world.sam, dt.datetime(2027, 8, 23, 9, tzinfo=LONDON),  # the week after: no
                status=Shift.Status.DRAFT)  # fmt: skip
    at_ten = dt.datetime(2027, 8, 12, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert (
        messaging_reminders.unpublished_reminders_send(world.tenant, at_ten) == 2
    )  # manager, admin
    [note] = world.held(world.manager)
    assert note.body == (
        "The rota for the week starting Mon 16 Aug 2027 still has 3 unpublished shifts."
    )
    assert note.url == "/alpha/rota/?week=2027-08-16" and note.key == "unpublished:2027-08-16"
    assert len(world.held(world.admin)) == 1 and world.held(world.sam) == []
    later = at_ten + dt.timedelta(hours=5)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, later) == 0
    assert world.events("reminders.sent")[0].additional_data["drafts"] == 3


def test_the_unpublished_reminder_waits_for_nine_local_time_across_summer_time(
    world: World,
) -> None:
    world.settings(unpublished_reminder_text="Week {week}: {drafts} drafts")
    # In summer 08:30 UTC is 09:30 in London: sent.
    _drafts_next_week(world, THURSDAY_SUMMER, 1)
    summer = dt.datetime(2027, 8, 12, 8, 30, tzinfo=UTC)
    assert (
        messaging_reminders.unpublished_reminders_send(world.tenant, summer - dt.timedelta(hours=1))
        == 0
    )
    assert messaging_reminders.unpublished_reminders_send(world.tenant, summer) == 2
    assert world.held(world.manager)[0].body == "Week Mon 16 Aug 2027: 1 drafts"
    # In winter 08:30 UTC is 08:30 in London: not yet; at 09:00 it is.
    winter_day = dt.date(2027, 12, 2)  # a Thursday
    _drafts_next_week(world, winter_day, 2)
    winter = dt.datetime(2027, 12, 2, 8, 30, tzinfo=UTC)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, winter) == 0
    assert messaging_reminders.unpublished_reminders_send(world.tenant, winter + dt.timedelta(
        minutes=30)) == 2  # fmt: skip
    # Other days, nothing; and nothing when there are no drafts or it is turned off.
    friday = dt.datetime(2027, 12, 3, 12, tzinfo=UTC)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, friday) == 0


def test_no_unpublished_reminder_without_drafts_or_when_off(world: World) -> None:
    at_ten = dt.datetime(2027, 8, 12, 9, 0, tzinfo=UTC)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, at_ten) == 0
    _drafts_next_week(world, THURSDAY_SUMMER, 1)
    world.settings(unpublished_reminder_enabled=False)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, at_ten) == 0
    world.settings(unpublished_reminder_enabled=True, unpublished_reminder_weekday=4)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, at_ten) == 0  # Friday's now
    friday = at_ten + dt.timedelta(days=1)
    assert messaging_reminders.unpublished_reminders_send(world.tenant, friday) == 2


def test_the_unpublished_beat_task_runs_for_each_company(world: World) -> None:
    from unittest import mock

    at_ten = dt.datetime(2027, 8, 12, 9, 0, tzinfo=UTC)
    _drafts_next_week(world, THURSDAY_SUMMER, 1)
    World("bravo")  # no drafts: nothing
    with mock.patch("django.utils.timezone.now", return_value=at_ten):
        assert tasks.send_unpublished_reminders() == 2


# Pages ----------------------------------------------------------------------------------------


def test_only_those_who_may_send_messages_compose_or_see_them(world: World) -> None:
    employee = world.client(world.sam)
    for url in ("/alpha/messages/", "/alpha/messages/new/", "/alpha/messages/new/preview/"):
        assert employee.get(url).status_code == 403
    assert (
        employee.post(
            "/alpha/messages/new/", {"subject": "x", "body": "y", "site": str(world.leeds.pk)}
        ).status_code
        == 403
    )
    assert world.client(world.manager).get("/alpha/settings/messages/").status_code == 403


def test_a_manager_sends_a_message_from_the_page(world: World) -> None:
    client = world.client(world.manager)
    page = client.get("/alpha/messages/new/").content.decode()
    options = re.findall(r"<option value=\"[^\"]+\">([^<]+)</option>", page)
    # Active people but the sender (not the suspended Lee), then the sites and positions.
    assert options == ["Ada Admin", "Ella Hughes", "Ravi Shah", "Sam Taylor", "Leeds", "York",
                       "Carer", "Cook"]  # fmt: skip
    response = client.post("/alpha/messages/new/", {
        "subject": "Fire drill", "body": "Tomorrow at 10.", "site": str(world.leeds.pk),
        "people": [str(world.ravi.pk)],
    })  # fmt: skip
    with tenant_context(world.tenant):
        message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/alpha/messages/{message.pk}/"
    assert message.audience == "Leeds site, 1 person" and message.recipient_count == 3
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "Message sent to 3 people." in html and "0 of 3 people" in html
    assert "Ella Hughes" in html and "Ravi Shah" in html
    listing = client.get("/alpha/messages/").content.decode()
    assert "Fire drill" in listing and "0 of 3" in listing


def test_the_compose_page_refuses_a_message_to_nobody_and_forged_choices(world: World) -> None:
    client = world.client(world.manager)
    response = client.post("/alpha/messages/new/", {"subject": "Hi", "body": "Text"})
    assert response.status_code == 400
    assert "Choose at least one person, a site or a position." in response.content.decode()
    other = World("bravo")
    forged = client.post("/alpha/messages/new/", {"subject": "Hi", "body": "Text",
                                                  "site": str(other.leeds.pk)})  # fmt: skip
    assert forged.status_code == 400 and "Select a valid choice" in forged.content.decode()
    with tenant_context(world.tenant):
        empty = Site.objects.create(name="Empty", time_zone="Europe/London")
    nobody = client.post("/alpha/messages/new/", {"subject": "Hi", "body": "Text",
                                                  "site": str(empty.pk)})  # fmt: skip
    assert nobody.status_code == 400 and "Nobody would get this" in nobody.content.decode()
    with tenant_context(world.tenant):
        assert not Message.objects.exists()


def test_the_recipient_preview_counts_without_sending(world: World) -> None:
    client = world.client(world.manager)
    fragment = client.get(
        "/alpha/messages/new/preview/",
        {"site": str(world.leeds.pk), "position": str(world.carer.pk)},
    )
    assert "This message goes to 3 people." in fragment.content.decode()  # Sam, Ella, Ravi
    one = client.get("/alpha/messages/new/preview/", {"people": [str(world.sam.pk)]})
    assert "This message goes to 1 person." in one.content.decode()
    none = client.get("/alpha/messages/new/preview/").content.decode()
    assert "Choose people, a site or a position to see how many" in none
    page = client.post("/alpha/messages/new/", {"preview": "1", "subject": "",
                                                "position": str(world.cook.pk)})  # fmt: skip
    assert page.status_code == 200 and "This message goes to 1 person." in page.content.decode()
    assert "This field is required" not in page.content.decode()
    with tenant_context(world.tenant):
        assert not Message.objects.exists()


def test_an_employee_reads_a_message_and_the_count_drops(world: World) -> None:
    message = world.send(Audience(people=(world.sam, world.ella)))
    client = world.client(world.sam)
    assert _text(client.get("/alpha/notifications/badge/").content) == "1 unread"
    listing = client.get("/alpha/notifications/").content.decode()
    [note] = world.held(world.sam)
    assert "Rota meeting" in listing and "From Max Manager" in listing and "New" in listing
    opened = client.get(f"/alpha/notifications/{note.pk}/")
    assert opened["Location"] == f"/alpha/notifications/messages/{message.pk}/"
    page = client.get(opened["Location"]).content.decode()
    assert "Staff room at 3pm, please." in page and "From Max Manager" in page
    assert client.get("/alpha/notifications/badge/").content.decode().strip() == ""
    # Ella's is hers alone; the manager sees the read count.
    assert client.get(f"/alpha/notifications/{world.held(world.ella)[0].pk}/").status_code == 404
    detail = world.client(world.manager).get(f"/alpha/messages/{message.pk}/").content.decode()
    assert "1 of 2 people" in detail
    # Someone who neither got it nor may send messages: 404; a manager: sent to the detail.
    assert world.client(world.ravi).get(opened["Location"]).status_code == 404
    admin_view = world.client(world.admin).get(opened["Location"])
    assert admin_view["Location"] == f"/alpha/messages/{message.pk}/"


def test_notifications_filter_by_kind_and_mark_all_read(world: World) -> None:
    for kind, title in [(NotificationKind.MESSAGE, "A message"),
                        (NotificationKind.DECISION, "Your leave was approved"),
                        (NotificationKind.REMINDER, "Your shift tomorrow")]:  # fmt: skip
        messaging_services.notify(tenant=world.tenant, recipients=[world.sam], kind=kind,
                             title=title, url="/alpha/my-leave/", email=False)  # fmt: skip
    client = world.client(world.sam)
    requests = client.get("/alpha/notifications/?kind=requests").content.decode()
    assert "Your leave was approved" in requests and "A message" not in requests
    reminders = client.get("/alpha/notifications/?kind=reminders").content.decode()
    assert "Your shift tomorrow" in reminders and "approved" not in reminders
    assert "A message" in client.get("/alpha/notifications/?kind=bogus").content.decode()
    assert client.get("/alpha/notifications/read-all/").status_code == 405
    response = client.post("/alpha/notifications/read-all/", {"kind": "requests"}, follow=True)
    assert response.redirect_chain[0][0] == "/alpha/notifications/?kind=requests"
    assert "3 notifications marked read." in response.content.decode()
    assert all(n.read_at for n in world.held(world.sam))
    empty = world.client(world.ella).get("/alpha/notifications/").content.decode()
    assert "No notifications yet." in empty


def test_a_notification_opens_its_page_only_inside_the_company(world: World) -> None:
    messaging_services.notify(tenant=world.tenant, recipients=[world.sam],
                         kind=NotificationKind.DECISION, title="Approved",
                         url="/alpha/my-leave/", email=False)  # fmt: skip
    messaging_services.notify(tenant=world.tenant, recipients=[world.sam],
                         kind=NotificationKind.REMINDER, title="Elsewhere",
                         body="Read this", url="https://evil.example/", email=False)  # fmt: skip
    client = world.client(world.sam)
    approved, elsewhere = world.held(world.sam)
    assert client.get(f"/alpha/notifications/{approved.pk}/")["Location"] == "/alpha/my-leave/"
    shown = client.get(f"/alpha/notifications/{elsewhere.pk}/")
    assert shown.status_code == 200 and "Read this" in shown.content.decode()


def test_email_preferences_page_saves_the_choice(world: World) -> None:
    client = world.client(world.sam)
    page = client.get("/alpha/notifications/preferences/").content.decode()
    assert page.count("checked") == 4  # all on until chosen
    response = client.post("/alpha/notifications/preferences/",
                           {"requests": "on", "schedule": "on"}, follow=True)  # fmt: skip
    assert "Email preferences saved." in response.content.decode()
    with tenant_context(world.tenant):
        prefs = messaging_selectors.email_preferences(world.tenant, world.sam)
    assert (prefs.messages, prefs.requests, prefs.reminders, prefs.schedule) == (
        False, True, False, True)  # fmt: skip


def test_the_automatic_messages_page_saves_and_refuses_bad_texts(world: World) -> None:
    client = world.client(world.admin)
    page = client.get("/alpha/settings/messages/").content.decode()
    assert "{position}" in page and "{drafts}" in page
    good = {"shift_reminder_hours": "6", "shift_reminder_text": "{position} at {site}: {start}",
            "unpublished_reminder_enabled": "on", "unpublished_reminder_weekday": "2",
            "unpublished_reminder_text": "{drafts} drafts in {week}"}  # fmt: skip
    bad = client.post("/alpha/settings/messages/", {**good,
                      "shift_reminder_text": "{position} at {place}",
                      "unpublished_reminder_text": "{drafts drafts"})  # fmt: skip
    html = bad.content.decode()
    assert bad.status_code == 400
    assert "{place} is not a placeholder this text can use." in html
    assert "A brace { or } is not closed." in html
    with tenant_context(world.tenant):
        assert not SchedulingSettings.objects.exists()  # nothing saved
    too_many = client.post("/alpha/settings/messages/", {**good, "shift_reminder_hours": "200"})
    assert too_many.status_code == 400
    response = client.post("/alpha/settings/messages/", good, follow=True)
    assert "Automatic messages saved." in response.content.decode()
    with tenant_context(world.tenant):
        saved = SchedulingSettings.objects.get()
    assert (saved.shift_reminder_hours, saved.unpublished_reminder_weekday,
            saved.shift_reminder_text) == (6, 2, "{position} at {site}: {start}")  # fmt: skip


def _text(html: bytes) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())


# Query budgets --------------------------------------------------------------------------------


def _count(client: Client, url: str, status: int = 200) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return len(context)


def _more(world: World, tenant: Tenant, index: int) -> None:
    """One more of everything the pages list: a person, a message to all, notifications of each
    kind, a site and a position."""
    person = world.new_person(f"Extra {index}", f"extra{index}@alpha.test", sites=[world.leeds],
                              positions=[world.cook])  # fmt: skip
    with tenant_context(tenant):
        Site.objects.create(name=f"Extra site {index}", time_zone="Europe/London")
        Position.objects.create(name=f"Extra position {index}")
    message = world.send(Audience(people=(world.sam, person, world.admin), site=world.leeds),
                         subject=f"Message {index}")  # fmt: skip
    with tenant_context(tenant):
        note = Notification.objects.filter(message=message, recipient=person).get()
    messaging_services.notification_read(tenant=tenant, membership=person, notification_id=note.pk)
    for kind in NotificationKind:
        messaging_services.notify(tenant=tenant, recipients=[world.sam, world.admin], kind=kind,
                             title=f"{kind} {index}", actor=world.manager, email=False)  # fmt: skip


@pytest.mark.postgres
def test_messaging_pages_query_budgets() -> None:
    world = World()
    tenant = world.tenant
    counts: dict[str, list[int]] = {}
    index = 0
    for extra in (1, 4):
        for _ in range(extra):
            index += 1
            _more(world, tenant, index)
        # The newest of each, unread: opening one marks it read, so each round opens a new one.
        with tenant_context(tenant):
            message = Message.objects.order_by("-created_at").first()
            assert message is not None
            note = Notification.objects.filter(recipient=world.sam, message=message).get()
            other = (
                Notification.objects.filter(recipient=world.sam, message=None, read_at=None)
                .order_by("-created_at")
                .first()
            )
            assert other is not None
        unread = world.send(Audience(people=(world.sam,)), subject=f"Unread {index}")
        pages = {
            "notifications": (world.sam, "/alpha/notifications/", 200),
            "notifications filtered": (world.sam, "/alpha/notifications/?kind=requests", 200),
            "notifications badge": (world.sam, "/alpha/notifications/badge/", 200),
            "open a message": (world.sam, f"/alpha/notifications/{note.pk}/", 302),
            "read a message": (world.sam, f"/alpha/notifications/messages/{unread.pk}/", 200),
            "read it again": (world.sam, f"/alpha/notifications/messages/{unread.pk}/", 200),
            "open a notification": (world.sam, f"/alpha/notifications/{other.pk}/", 200),
            "email preferences": (world.sam, "/alpha/notifications/preferences/", 200),
            "sent messages": (world.manager, "/alpha/messages/", 200),
            "new message": (world.manager, "/alpha/messages/new/", 200),
            "recipient preview": (world.manager, f"/alpha/messages/new/preview/?site="
                                                 f"{world.leeds.pk}", 200),
            "message detail": (world.manager, f"/alpha/messages/{message.pk}/", 200),
            "automatic messages": (world.admin, "/alpha/settings/messages/", 200),
        }  # fmt: skip
        for name, (who, url, status) in pages.items():
            counts.setdefault(name, []).append(_count(world.client(who), url, status))
    # 6 for any tenant page. Marking a notification read enters the tenant context again
    # (savepoint and setting statements around its read and update).
    budgets = {
        "notifications": 9,  # page count, page, unread counts by kind
        "notifications filtered": 9,
        "notifications badge": 7,  # unread counts
        "open a message": 12,  # mark read (6), then a redirect to the message
        "read a message": 13,  # the notification with its sender, mark read (6)
        "read it again": 7,
        "open a notification": 13,  # mark read (6), its sender
        "email preferences": 7,
        "sent messages": 8,  # count, page (sender and read counts joined in)
        "new message": 9,  # people, sites, positions
        "recipient preview": 10,  # people, sites, positions, the count
        "message detail": 11,  # message, sender, read count, recipients' count and page
        "automatic messages": 7,
    }
    assert counts == {name: [queries(n)] * 2 for name, n in budgets.items()}
