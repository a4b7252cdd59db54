"""Journey: rule feedback where the work is. A manager saves a shift that overlaps another; the
dialog stays open and says which rule it breaks and why, offering to change it or keep it as a
draft; the flagged chip explains itself on keyboard focus, as does a warned chip of a rule over
days (a late shift the day after a night, which the company forbids as a warning); the publish
review names whose shift; the day view lays the two overlapping shifts side by side."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import Page, expect

from tests.builders import MONDAY, add_shift, at, build_rota
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD


def test_a_rule_break_is_explained_in_the_dialog_on_the_chip_in_the_review_and_the_day(
    page: Page, transactional_db: None
) -> None:
    rota = build_rota(people=2)
    tuesday = MONDAY + dt.timedelta(days=1)
    add_shift(rota, rota.people[0], at(tuesday, 9), hours=8)  # 09:00-17:00
    rota.settings(forbidden_successions=["night-late"], succession_is_hard=False)
    add_shift(rota, rota.people[1], at(MONDAY, 20), hours=8)  # a night, to Tuesday 04:00
    add_shift(rota, rota.people[1], at(tuesday, 16), hours=8)  # a late the day after

    sign_in(page, rota.manager.user.email, TEST_PASSWORD)
    page.goto(f"/alpha/rota/?week={MONDAY}")
    add = re.compile("Add a shift on Tuesday .* for Employee 000")
    page.get_by_role("button", name=add).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Site").select_option(label="Rosewood")
    dialog.get_by_label("Start").fill("13:00")
    dialog.get_by_label("End", exact=True).fill("21:00")
    dialog.get_by_role("button", name="Save shift").click()

    # The dialog stays open and says what the saved shift breaks, and why.
    expect(dialog.get_by_text("It breaks 1 working-time rule:")).to_be_visible()
    expect(dialog.get_by_role("listitem").filter(has_text="Overlaps the shift")).to_have_count(1)
    expect(dialog.get_by_role("link", name="Change it")).to_be_visible()
    assert_accessible(page, "rota-saved-with-breaks")
    dialog.get_by_role("button", name="Keep it as a draft").click()
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Every flagged chip shows its reasons on keyboard focus.
    flagged = page.locator("#rota-grid .shift--blocked")
    expect(flagged).to_have_count(2)
    flagged.first.focus()
    why = flagged.first.get_by_role("tooltip")
    expect(why).to_be_visible()
    expect(why).to_contain_text(re.compile("overlaps", re.IGNORECASE))

    # A rule over days the company made a warning: the late shift the day after a night.
    warned = page.locator("#rota-grid .shift--warned")
    expect(warned).to_have_count(2)
    warned.last.focus()
    expect(warned.last.get_by_role("tooltip")).to_contain_text(
        "Warning: This late shift follows the night shift at Mon 23 Nov 20:00 the day before"
    )
    assert_accessible(page, "rota-rule-over-days")

    # The publish review names the person, the shift and the reason.
    page.get_by_role("link", name="Review and publish").click()
    review = page.get_by_role("main")
    expect(review).to_contain_text("Employee 000")
    expect(review).to_contain_text(re.compile("overlaps", re.IGNORECASE))
    expect(review).to_contain_text("This night shift is followed the next day by the late shift")
    assert_accessible(page, "rota-publish-review")

    # The day view lays the two overlapping shifts side by side.
    page.goto(f"/alpha/rota/day/?date={tuesday}")
    bars = page.locator(".timeline__line", has_text="Employee 000").locator(".timeline__bar")
    expect(bars).to_have_count(2)
    first, second = bars.nth(0).bounding_box(), bars.nth(1).bounding_box()
    assert first is not None and second is not None
    apart = first["y"] + first["height"] <= second["y"] + 1 or (
        second["y"] + second["height"] <= first["y"] + 1
    )
    assert apart, f"overlapping bars drawn on top of each other: {first} {second}"
    assert_accessible(page, "rota-day-lanes")
