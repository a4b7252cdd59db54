"""The kiosk at the site: bound to one enrolled tablet (a one-time link, then a device cookie;
no person's session), personal PINs hashed, wrong PINs throttled per person and per kiosk,
every enrolment, punch and attempt audited."""

from __future__ import annotations

import pytest
from django.test import Client

from attendance.kiosk import services
from attendance.models import Kiosk, KioskPin, Punch, SiteLocation
from tenancy.context import tenant_context
from tenancy.models import Membership
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db


def enrolled(floor: Floor, made: Kiosk, actor: Membership | None = None) -> Client:
    """A tablet enrolled as `made`: a manager's one-time link, opened and confirmed on it."""
    code = services.kiosk_enrolment_start(tenant=floor.tenant, actor=actor or floor.manager,
                                          kiosk=made)  # fmt: skip
    tablet = Client()
    assert tablet.get(f"/{floor.slug}/kiosk/enrol/{code}/").status_code == 200
    done = tablet.post(f"/{floor.slug}/kiosk/enrol/{code}/")
    assert done.status_code == 302 and done["Location"] == f"/{floor.slug}/kiosk/"
    return tablet


@pytest.fixture
def kiosk(floor: Floor) -> tuple[Kiosk, Client]:
    made = services.kiosk_create(tenant=floor.tenant, actor=floor.manager, site=floor.site,
                                 name="Front door")  # fmt: skip
    services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="4821")
    return made, enrolled(floor, made)


def punch_on(floor: Floor, tablet: Client, pin: str, action: str = "in", who=None):  # type: ignore[no-untyped-def]
    person = who or floor.worker
    data = {"person": str(person.pk), "pin": pin, "action": action}
    return tablet.post(f"/{floor.slug}/kiosk/", data, follow=True)


def test_a_manager_sets_up_a_kiosk_and_enrols_the_tablet_with_a_one_time_link(
    floor: Floor,
) -> None:
    client = floor.client(floor.manager)
    assert "No kiosks yet" in client.get(f"/{floor.slug}/kiosks/").content.decode()
    page = client.post(f"/{floor.slug}/kiosks/", {"action": "create", "site": str(floor.site.pk),
                                                  "name": "Front door"})  # fmt: skip
    text = page.content.decode()
    assert f"/{floor.slug}/kiosk/enrol/" in text and "within 15 minutes" in text
    code = text.split(f"/{floor.slug}/kiosk/enrol/")[1].split("/")[0]
    with tenant_context(floor.tenant):
        made = Kiosk.objects.get()
    assert made.enrol_hash != code and len(made.enrol_hash) == 64  # only the hash is stored
    assert made.enrolled_at is None
    assert "/kiosk/enrol/" not in client.get(f"/{floor.slug}/kiosks/").content.decode()
    # Before enrolment, and on any other device: no PIN form, a clear message.
    refused = Client().get(f"/{floor.slug}/kiosk/")
    assert refused.status_code == 404 and b"not enrolled as a kiosk" in refused.content
    assert b'name="pin"' not in refused.content
    tablet = Client()
    preview = tablet.get(f"/{floor.slug}/kiosk/enrol/{code}/")  # a link preview spends nothing
    assert preview.status_code == 200 and b"Enrol this device" in preview.content
    done = tablet.post(f"/{floor.slug}/kiosk/enrol/{code}/")
    assert done.status_code == 302
    cookie = done.cookies[services.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["path"] == f"/{floor.slug}/kiosk/" and int(cookie["max-age"]) >= 86400 * 365
    assert not cookie["secure"]  # plain HTTP in tests; Secure wherever the request is HTTPS
    with tenant_context(floor.tenant):
        made = Kiosk.objects.get()
    assert made.token_hash != cookie.value and made.enrolled_at is not None
    assert made.enrol_hash == ""
    assert b'name="pin"' in tablet.get(f"/{floor.slug}/kiosk/").content
    # The link works once: a second device gets the "not valid" page and nothing changes.
    again = Client().post(f"/{floor.slug}/kiosk/enrol/{code}/")
    assert again.status_code == 404 and b"enrolment link is not valid" in again.content
    assert floor.reload(made).token_hash == made.token_hash
    assert floor.audit("kiosk.set_up") and floor.audit("kiosk.enrolment_started")
    assert len(floor.audit("kiosk.device_enrolled")) == 1
    assert floor.client(floor.worker).get(f"/{floor.slug}/kiosks/").status_code == 403


def test_an_expired_enrolment_link_enrols_nothing(floor: Floor) -> None:
    import datetime as dt

    from django.utils import timezone

    made = services.kiosk_create(tenant=floor.tenant, actor=floor.manager, site=floor.site,
                                 name="Front door")  # fmt: skip
    code = services.kiosk_enrolment_start(tenant=floor.tenant, actor=floor.manager, kiosk=made)
    with tenant_context(floor.tenant):
        Kiosk.objects.filter(pk=made.pk).update(
            enrol_expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
    tablet = Client()
    assert tablet.get(f"/{floor.slug}/kiosk/enrol/{code}/").status_code == 404
    assert tablet.post(f"/{floor.slug}/kiosk/enrol/{code}/").status_code == 404
    assert services.DEVICE_COOKIE not in tablet.cookies
    assert floor.reload(made).enrolled_at is None and not floor.audit("kiosk.device_enrolled")


def test_a_manager_revokes_the_device_after_confirming(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    made, tablet = kiosk
    client = floor.client(floor.manager)
    page = client.get(f"/{floor.slug}/kiosks/").content.decode()
    assert f'data-dialog-open="revoke-device-{made.pk}"' in page  # asked first, in a dialog
    client.post(f"/{floor.slug}/kiosks/", {"action": "revoke_device", "kiosk": str(made.pk)})
    refused = tablet.get(f"/{floor.slug}/kiosk/")
    assert refused.status_code == 404 and b'name="pin"' not in refused.content
    assert "Clocked in" not in punch_on(floor, tablet, "4821").content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()
    assert len(floor.audit("kiosk.device_revoked")) == 1
    # A new device is enrolled for the same kiosk; the old one stays out.
    new_tablet = enrolled(floor, made)
    assert "Clocked in" in punch_on(floor, new_tablet, "4821").content.decode()
    assert tablet.get(f"/{floor.slug}/kiosk/").status_code == 404


def test_enrolling_another_device_replaces_the_first(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    made, first = kiosk
    second = enrolled(floor, made)
    assert first.get(f"/{floor.slug}/kiosk/").status_code == 404
    assert second.get(f"/{floor.slug}/kiosk/").status_code == 200


def test_a_person_clocks_in_and_out_on_the_kiosk_with_their_pin(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    _made, tablet = kiosk
    page = tablet.get(f"/{floor.slug}/kiosk/")
    assert page.status_code == 200 and b"Employee 000" in page.content
    assert b"Max Manager" not in page.content  # only the people of this site
    done = punch_on(floor, tablet, "4821")
    assert "Clocked in: Employee 000" in done.content.decode()
    with tenant_context(floor.tenant):
        punch = Punch.objects.get()
    assert punch.in_source == "kiosk" and punch.shift_id == floor.now_shift.pk
    assert punch.in_place == ""  # location is not kept (the default): nothing about where
    [entry] = floor.audit("punch.clocked_in")
    assert entry.additional_data["source"] == "kiosk"
    assert "already clocked in" in punch_on(floor, tablet, "4821").content.decode().lower()


@pytest.mark.parametrize("keeps", [False, True])
def test_a_kiosk_punch_is_at_the_sites_kiosk_never_geolocated(
    floor: Floor, kiosk: tuple[Kiosk, Client], keeps: bool
) -> None:
    """The site blocks punches from outside its radius; the kiosk, enrolled at the site, is
    neither asked for a position nor refused. Where the company keeps location, its punches
    are recorded as at the site's kiosk; otherwise nothing of where is kept."""
    from gdpr import services as gdpr_services
    from tenancy.models import SensitiveKind

    if keeps:
        gdpr_services.data_settings_save(
            tenant=floor.tenant, actor=floor.admin, kinds=[SensitiveKind.LOCATION],
            former_employee_retention_days=730, audit_retention_days=2555,
        )  # fmt: skip
    with tenant_context(floor.tenant):
        SiteLocation.objects.create(site=floor.site, latitude=51, longitude=0, mode="block")
    assert "Clocked in" in punch_on(floor, kiosk[1], "4821").content.decode()
    assert "Clocked out" in punch_on(floor, kiosk[1], "4821", "out").content.decode()
    with tenant_context(floor.tenant):
        punch = Punch.objects.get()
    expected = "kiosk" if keeps else ""
    assert (punch.in_place, punch.out_place) == (expected, expected)
    assert punch.in_distance_m is None and punch.out_distance_m is None


def test_pins_are_hashed_and_weak_ones_refused(floor: Floor) -> None:
    client = floor.client(floor.worker)
    weak = client.post(f"/{floor.slug}/clock/pin/", {"pin": "1111"}, follow=True)
    assert "harder to guess" in weak.content.decode()
    letters = client.post(f"/{floor.slug}/clock/pin/", {"pin": "12ab"}, follow=True)
    assert "Use 4 to 8 digits." in letters.content.decode()
    with tenant_context(floor.tenant):
        assert not KioskPin.objects.exists()
    client.post(f"/{floor.slug}/clock/pin/", {"pin": "4821"})
    with tenant_context(floor.tenant):
        row = KioskPin.objects.get()
    assert "4821" not in row.pin_hash and row.pin_hash.startswith(("argon2", "pbkdf2", "fast"))


def test_a_pin_guessed_repeatedly_is_locked_and_audited(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    token = kiosk[1]  # the enrolled tablet
    for guess in ("0000", "1234", "9999", "2468"):
        assert "Wrong name or PIN" in punch_on(floor, token, guess).content.decode()
    locked = punch_on(floor, token, "1357")
    assert "Wrong name or PIN" in locked.content.decode()
    right_but_locked = punch_on(floor, token, "4821")
    assert "Your PIN is locked until" in right_but_locked.content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()
    assert len(floor.audit("kiosk.pin_failed")) == 5
    assert len(floor.audit("kiosk.pin_locked")) == 1
    # Setting a new PIN unlocks it.
    services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="7391")
    assert "Clocked in" in punch_on(floor, token, "7391").content.decode()


def test_a_kiosk_pauses_after_many_wrong_pins_for_anyone(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    token = kiosk[1]
    for _ in range(services.KIOSK_PAUSE_AFTER):
        punch_on(floor, token, "0000", who=floor.colleague)  # no PIN at all: still counted
    assert "this kiosk is paused" in punch_on(floor, token, "4821").content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()


def test_wrong_foreign_or_turned_off_kiosks_refuse_alike(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    made, tablet = kiosk
    other = Floor("beta")
    forged = Client()
    forged.cookies[services.DEVICE_COOKIE] = "x" * 43
    unknown = Client().get("/no-such-company/kiosk/")
    assert unknown.status_code == 404 and b"not enrolled as a kiosk" in unknown.content
    assert forged.get(f"/{floor.slug}/kiosk/").status_code == 404
    # this company's tablet is nothing to another company, even with its cookie sent there
    cookie = tablet.cookies[services.DEVICE_COOKIE].value
    elsewhere = Client()
    elsewhere.cookies[services.DEVICE_COOKIE] = cookie
    refused = elsewhere.get(f"/{other.slug}/kiosk/")
    assert refused.status_code == 404 and b'name="pin"' not in refused.content
    # another company's person on this kiosk: the same answer as a wrong PIN, nothing made
    services.pin_set(tenant=other.tenant, membership=other.worker, pin="4821")
    assert "Wrong name or PIN" in punch_on(floor, tablet, "4821", who=other.worker).content.decode()
    # another company's enrolment link on this company's address: not valid
    theirs = services.kiosk_create(tenant=other.tenant, actor=other.manager, site=other.site,
                                   name="Theirs")  # fmt: skip
    code = services.kiosk_enrolment_start(tenant=other.tenant, actor=other.manager, kiosk=theirs)
    assert Client().post(f"/{floor.slug}/kiosk/enrol/{code}/").status_code == 404
    assert other.reload(theirs).enrolled_at is None
    client = floor.client(floor.manager)
    assert (
        f'data-dialog-open="turn-off-{made.pk}"'
        in client.get(f"/{floor.slug}/kiosks/").content.decode()
    )
    client.post(f"/{floor.slug}/kiosks/", {"action": "revoke", "kiosk": str(made.pk)})
    assert tablet.get(f"/{floor.slug}/kiosk/").status_code == 404
    with tenant_context(other.tenant):
        assert not Punch.objects.exists()


def test_wrong_pins_keep_counting_each_lock_is_longer_and_the_third_needs_a_new_pin(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    """Locks do not start afresh: 15 minutes, then 30, then only a new PIN unlocks it; and the
    kiosk's count of wrong PINs is not reset by someone typing their own right one."""
    import datetime as dt

    from django.utils import timezone

    token = kiosk[1]
    services.pin_set(tenant=floor.tenant, membership=floor.colleague, pin="5902")
    lengths = []
    for _lock in range(services.PIN_LOCKS_BEFORE_RESET):
        for _ in range(services.PIN_LOCK_AFTER):
            punch_on(floor, token, "0000")
        with tenant_context(floor.tenant):
            row = KioskPin.objects.get(membership=floor.worker)
            if row.locked_until is not None:
                lengths.append(round((row.locked_until - timezone.now()).total_seconds() / 60))
            # The lock runs out (time passes), and the colleague's right PIN resets nothing.
            KioskPin.objects.filter(pk=row.pk).update(
                locked_until=timezone.now() - dt.timedelta(seconds=1)
            )
            Kiosk.objects.filter(pk=kiosk[0].pk).update(paused_until=None)
    assert lengths[:2] == [15, 30]
    assert "set a new one" in punch_on(floor, token, "4821").content.decode()
    services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="7391")
    assert "Clocked in" in punch_on(floor, token, "7391").content.decode()


def test_the_kiosk_count_is_not_reset_by_a_right_pin(
    floor: Floor, kiosk: tuple[Kiosk, Client]
) -> None:
    token = kiosk[1]
    services.pin_set(tenant=floor.tenant, membership=floor.colleague, pin="5902")
    for _ in range(services.KIOSK_PAUSE_AFTER - 1):  # guesses at someone not listed here
        punch_on(floor, token, "0000", who=floor.admin)
    assert "Clocked in" in punch_on(floor, token, "4821").content.decode()  # the worker's own
    punch_on(floor, token, "1111", who=floor.admin)  # the twentieth wrong one
    paused = punch_on(floor, token, "5902", who=floor.colleague).content.decode()
    assert "this kiosk is paused" in paused


def test_only_the_people_of_the_kiosks_site_can_clock_on_it(floor: Floor) -> None:
    """Someone who does not work at the kiosk's site is refused like a wrong PIN, even with
    their own right PIN."""
    made = services.kiosk_create(tenant=floor.tenant, actor=floor.manager,
                                 site=floor.other_site, name="Maple door")  # fmt: skip
    token = enrolled(floor, made)
    services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="4821")
    assert "Wrong name or PIN" in punch_on(floor, token, "4821").content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()


def test_kiosks_set_up_before_enrolment_forget_their_old_secret_address(floor: Floor) -> None:
    """The migration to enrolled devices replaces what a kiosk's old secret address hashed to,
    so that the old token, sent as a device cookie, opens nothing."""
    import importlib
    from types import SimpleNamespace

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from accounts.tokens import token_hash

    made = services.kiosk_create(tenant=floor.tenant, actor=floor.manager, site=floor.site,
                                 name="Old door")  # fmt: skip
    old_token = "old-secret-address-token-0123456789abcdefgh"
    with tenant_context(floor.tenant):
        Kiosk.objects.filter(pk=made.pk).update(token_hash=token_hash(old_token))
    tablet = Client()
    tablet.cookies[services.DEVICE_COOKIE] = old_token
    assert tablet.get(f"/{floor.slug}/kiosk/").status_code == 200  # before the migration
    name = "0005_kiosk_device_enrolment"
    module = importlib.import_module(f"attendance.migrations.{name}")
    state = MigrationLoader(connection).project_state(("attendance", name))
    module.forget_old_addresses(state.apps, SimpleNamespace(connection=connection))
    assert tablet.get(f"/{floor.slug}/kiosk/").status_code == 404
    assert floor.reload(made).token_hash != token_hash(old_token)
