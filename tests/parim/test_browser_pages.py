"""The browser journeys open their pages through one fixture, so none outlives its test's data.

tests/e2e/conftest.py's `pages` waits for a page's requests to be answered and closes it before
pytest-django flushes the database; a context opened straight from `browser` is not waited for,
and its late request (the notifications badge loads with every page) can deadlock the flush.
"""

from __future__ import annotations

from pathlib import Path

E2E = Path(__file__).resolve().parents[1] / "e2e"


def test_only_the_pages_fixture_opens_a_browser_context() -> None:
    opening = {
        path.name
        for path in E2E.glob("*.py")
        if path.name != "conftest.py"
        and ("new_context(" in path.read_text() or "browser.new_page(" in path.read_text())
    }
    assert opening == set()
    conftest = (E2E / "conftest.py").read_text()
    assert conftest.count("new_context(") == 1 and "browser.new_page(" not in conftest
    assert "def pages(browser: Browser, live_server: Any, transactional_db: None)" in conftest
