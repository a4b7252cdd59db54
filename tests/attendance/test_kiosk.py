"""The kiosk at the site: its own secret address (no person's session), personal PINs hashed,
wrong PINs throttled per person and per kiosk, every punch and attempt audited."""

from __future__ import annotations

import pytest
from django.test import Client

from attendance.kiosk import services
from attendance.models import Kiosk, KioskPin, Punch, SiteLocation
from tenancy.context import tenant_context
from tests.attendance.conftest import Floor

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk(floor: Floor) -> tuple[Kiosk, str]:
    made, token = services.kiosk_create(tenant=floor.tenant, actor=floor.manager, site=floor.site,
                                        name="Front door")  # fmt: skip
    services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="4821")
    return made, token


def punch_on(floor: Floor, token: str, pin: str, action: str = "in", who=None):  # type: ignore[no-untyped-def]
    person = who or floor.worker
    data = {"person": str(person.pk), "pin": pin, "action": action}
    return Client().post(f"/{floor.slug}/kiosk/{token}/", data, follow=True)


def test_a_manager_sets_up_a_kiosk_and_the_address_is_shown_once(floor: Floor) -> None:
    client = floor.client(floor.manager)
    page = client.post(f"/{floor.slug}/kiosks/", {"action": "create", "site": str(floor.site.pk),
                                                  "name": "Front door"})  # fmt: skip
    text = page.content.decode()
    assert f"/{floor.slug}/kiosk/" in text
    with tenant_context(floor.tenant):
        made = Kiosk.objects.get()
    token = text.split(f"/{floor.slug}/kiosk/")[1].split("/")[0]
    assert made.token_hash != token and len(made.token_hash) == 64  # only the hash is stored
    assert f"/{floor.slug}/kiosk/" not in client.get(f"/{floor.slug}/kiosks/").content.decode()
    assert floor.audit("kiosk.set_up")
    assert floor.client(floor.worker).get(f"/{floor.slug}/kiosks/").status_code == 403


def test_a_person_clocks_in_and_out_on_the_kiosk_with_their_pin(
    floor: Floor, kiosk: tuple[Kiosk, str]
) -> None:
    _made, token = kiosk
    page = Client().get(f"/{floor.slug}/kiosk/{token}/")
    assert page.status_code == 200 and b"Employee 000" in page.content
    assert b"Max Manager" not in page.content  # only the people of this site
    done = punch_on(floor, token, "4821")
    assert "Clocked in: Employee 000" in done.content.decode()
    with tenant_context(floor.tenant):
        punch = Punch.objects.get()
    assert punch.in_source == "kiosk" and punch.shift_id == floor.now_shift.pk
    [entry] = floor.audit("punch.clocked_in")
    assert entry.additional_data["source"] == "kiosk"
    assert "already clocked in" in punch_on(floor, token, "4821").content.decode().lower()


def test_a_kiosk_ignores_the_sites_location_check(floor: Floor, kiosk: tuple[Kiosk, str]) -> None:
    with tenant_context(floor.tenant):
        SiteLocation.objects.create(site=floor.site, latitude=51, longitude=0, mode="block")
    assert "Clocked in" in punch_on(floor, kiosk[1], "4821").content.decode()


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
    floor: Floor, kiosk: tuple[Kiosk, str]
) -> None:
    token = kiosk[1]
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
    floor: Floor, kiosk: tuple[Kiosk, str]
) -> None:
    token = kiosk[1]
    for _ in range(services.KIOSK_PAUSE_AFTER):
        punch_on(floor, token, "0000", who=floor.colleague)  # no PIN at all: still counted
    assert "this kiosk is paused" in punch_on(floor, token, "4821").content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()


def test_wrong_or_revoked_or_foreign_kiosk_addresses_are_404(
    floor: Floor, kiosk: tuple[Kiosk, str]
) -> None:
    made, token = kiosk
    other = Floor("beta")
    assert Client().get(f"/{floor.slug}/kiosk/{'x' * 43}/").status_code == 404
    assert Client().get(f"/{other.slug}/kiosk/{token}/").status_code == 404
    # another company's person on this kiosk: the same answer as a wrong PIN, nothing made
    services.pin_set(tenant=other.tenant, membership=other.worker, pin="4821")
    assert "Wrong name or PIN" in punch_on(floor, token, "4821", who=other.worker).content.decode()
    services.kiosk_revoke(tenant=floor.tenant, actor=floor.manager, kiosk=made)
    assert Client().get(f"/{floor.slug}/kiosk/{token}/").status_code == 404
    with tenant_context(other.tenant):
        assert not Punch.objects.exists()


def test_wrong_pins_keep_counting_each_lock_is_longer_and_the_third_needs_a_new_pin(
    floor: Floor, kiosk: tuple[Kiosk, str]
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
    floor: Floor, kiosk: tuple[Kiosk, str]
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
    _made, token = services.kiosk_create(tenant=floor.tenant, actor=floor.manager,
                                         site=floor.other_site, name="Maple door")  # fmt: skip
    services.pin_set(tenant=floor.tenant, membership=floor.worker, pin="4821")
    assert "Wrong name or PIN" in punch_on(floor, token, "4821").content.decode()
    with tenant_context(floor.tenant):
        assert not Punch.objects.exists()
