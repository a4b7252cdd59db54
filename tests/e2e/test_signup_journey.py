"""Journey: a company signs up, confirms its email and lands on its dashboard in trial."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import assert_accessible


def test_a_company_signs_up_and_lands_on_its_dashboard_in_trial(
    page: Page, transactional_db: None, mailoutbox: Any
) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Start a free trial").click()
    expect(page.get_by_role("heading", name="Start your free trial")).to_be_visible()
    assert_accessible(page, "signup")
    page.get_by_label("Company name").fill("Harbour Lights Care")
    page.get_by_label("Your full name").fill("Nadia Harbour")
    page.get_by_label("Your work email").fill("nadia@harbour.test")
    page.get_by_label("Choose a password").fill("lighthouse keeper morning tide")
    page.get_by_role("button", name="Create my company").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    link = re.search(r"https?://\S+/signup/verify/\S+/", mailoutbox[-1].body)
    assert link is not None
    page.goto(link.group(0))
    expect(page.get_by_text("/harbour-lights-care/")).to_be_visible()
    page.get_by_role("button", name="Confirm and start my trial").click()

    expect(page).to_have_url(re.compile(r"/harbour-lights-care/$"))
    expect(page.get_by_role("heading", name="Welcome, Nadia Harbour")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your free trial has 1[34] days left"))).to_be_visible()
    expect(page.get_by_role("heading", name="Get started")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Owner")
    assert_accessible(page, "dashboard-trial")
