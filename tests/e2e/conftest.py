"""Playwright driving Debian's chromium against pytest-django's live server, with axe checks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, sync_playwright

from tests.conftest import IN_CI

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        message = "Debian's chromium is not installed (apt-get install chromium; make test does it)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _InFlight:
    """Counts the requests a browser context has sent and not yet seen answered.

    A page keeps talking to the server after a test's last line: the notifications badge loads
    with every page, and progress panels poll. Such a request holds the live server's database
    transaction open; if the test database is flushed meanwhile, TRUNCATE and the request's
    locks can deadlock and the flush fails, leaving rows that break the next test. So a page is
    closed only when nothing is in flight, and before the database is flushed.
    """

    def __init__(self, context: BrowserContext) -> None:
        self.pending = 0
        context.on("request", self._sent)
        context.on("requestfinished", self._done)
        context.on("requestfailed", self._done)

    def _sent(self, request: Request) -> None:
        self.pending += 1

    def _done(self, request: Request) -> None:
        self.pending -= 1

    def settle(self, page: Page, *, timeout_ms: int) -> bool:
        """Wait until nothing is in flight; False when something still is after `timeout_ms`."""
        waited = 0
        while self.pending > 0 and waited < timeout_ms and not page.is_closed():
            page.wait_for_timeout(50)  # lets Playwright deliver the finished events
            waited += 50
        return self.pending <= 0 or page.is_closed()


class Pages:
    """Opens browser pages on the live server; each is settled and closed when the test ends."""

    def __init__(self, browser: Browser, live_server: Any) -> None:
        self._browser = browser
        self._url = live_server.url
        self._opened: list[tuple[Page, _InFlight]] = []

    def __call__(self, **options: Any) -> Page:
        context = self._browser.new_context(base_url=self._url, **options)
        context.set_default_timeout(10_000)
        in_flight = _InFlight(context)
        page = context.new_page()
        self._opened.append((page, in_flight))
        return page

    def desktop(self, **options: Any) -> Page:
        return self(viewport={"width": 1280, "height": 800}, **options)

    def phone(self, **options: Any) -> Page:
        return self(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
            device_scale_factor=2, **options,
        )  # fmt: skip

    def close(self) -> None:
        """Refuse every new request (a poll that comes due now), wait for those in flight to be
        answered, then close. A request still unanswered after 15 s fails the test: closing
        would not stop the server working on it while the database is flushed."""
        for page, _ in self._opened:
            if not page.is_closed():
                page.context.route("**/*", lambda route: route.abort())
        unanswered = [page.url for page, in_flight in self._opened
                      if not in_flight.settle(page, timeout_ms=15_000)]  # fmt: skip
        for page, _ in self._opened:
            page.context.close()
        assert not unanswered, f"requests still unanswered when the test ended: {unanswered}"


# It depends on transactional_db so that it is torn down first: every page is quiet and closed
# before pytest-django flushes the database.
@pytest.fixture
def pages(browser: Browser, live_server: Any, transactional_db: None) -> Iterator[Pages]:
    opened = Pages(browser, live_server)
    yield opened
    opened.close()


@pytest.fixture
def page(pages: Pages) -> Page:
    return pages.desktop()


@pytest.fixture
def phone(pages: Pages) -> Page:
    return pages.phone()


_axe = Axe()


def assert_accessible(page: Page, name: str) -> None:
    """Fail on any serious or critical axe violation; keep a screenshot to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    results = _axe.run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not violations, f"{name}: " + "; ".join(violations)


def menu(page: Page) -> Locator:
    """The main navigation: where a person goes to find a page (the home page links to the
    same places, so a bare ``get_by_role("link")`` would match twice)."""
    return page.get_by_role("navigation", name="Main")


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def code_from_secret(secret_text: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key printed on the enrolment page."""
    import base64
    import time

    from django_otp.oath import TOTP

    secret = secret_text.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"
