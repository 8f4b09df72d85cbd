"""My hours: errors are said where they belong, and failures are never silent."""

from __future__ import annotations

import pytest

from tests.browser.harness import api
from tests.browser.test_web_app import sign_in
from tests.integration.api._helpers import sql

pytestmark = pytest.mark.browser

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


async def test_an_error_about_the_whole_pattern_is_said_on_the_status_line(
    page, demo, db_url
) -> None:
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    before = await sql(db_url, "SELECT working_pattern FROM people WHERE handle = 'ana'")
    for day in DAYS:
        await hours.get_by_label(f"{day} working hours").fill("")
    await hours.get_by_role("button", name="Save my hours").click()
    status = hours.get_by_role("status")
    await status.get_by_text("Not saved:").wait_for()
    assert "no working time" in await status.inner_text()
    # not under a field it is not about
    assert await page.locator("#digests-error").inner_text() == ""
    assert await sql(db_url, "SELECT working_pattern FROM people WHERE handle = 'ana'") == before


async def test_a_failed_request_is_said_and_a_half_save_says_which_half(page, demo, db_url) -> None:
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    status = hours.get_by_role("status")

    async def broken(route) -> None:
        await route.fulfill(status=502, body="bad gateway")

    await page.route("**/graphql", broken)
    await hours.get_by_role("button", name="Save my hours").click()
    await status.get_by_text("Not saved: the server answered 502").wait_for()
    await page.unroute("**/graphql")

    await hours.get_by_label("Tuesday working hours").fill("08:00-16:00")
    await hours.get_by_label("Digest times").fill("25:00")
    await hours.get_by_role("button", name="Save my hours").click()
    await status.get_by_text("Your working hours were saved; your focus blocks").wait_for()
    assert await page.locator("#digests-error").inner_text() != ""
    stored = await sql(
        db_url, "SELECT working_pattern->'weekly'->'tue' FROM people WHERE handle = 'ana'"
    )
    assert stored == [(["08:00-16:00"],)]


async def test_a_time_off_error_goes_once_either_date_is_edited(page, demo) -> None:
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    form = hours.get_by_role("form", name="Add time off")
    await form.get_by_label("From").fill("2026-12-20")
    await form.get_by_label("To (inclusive)").fill("2026-12-18")
    await form.get_by_role("button", name="Add time off").click()
    error = page.locator("#off-end-error")
    await error.get_by_text("before start").wait_for()
    await form.get_by_label("From").fill("2026-12-17")
    assert await error.inner_text() == ""
    assert await form.get_by_label("To (inclusive)").get_attribute("aria-invalid") is None


async def test_saving_my_hours_keeps_time_off_added_elsewhere_since_the_page_opened(
    page, demo, db_url
) -> None:
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    me = (await api(demo, "ana", "{ viewer { person { id } } }"))["viewer"]["person"]["id"]
    # another client (a second tab, a script) adds time off while this page is open
    added = await api(
        demo,
        "ana",
        'mutation($me: ID!) { addTimeOff(personId: $me, start: "2026-12-21",'
        ' end: "2026-12-24", reason: "elsewhere") { __typename } }',
        {"me": me},
    )
    assert added["addTimeOff"]["__typename"] == "PersonPayload"

    await hours.get_by_label("Tuesday working hours").fill("08:00-16:00")
    await hours.get_by_role("button", name="Save my hours").click()
    await hours.get_by_role("status").get_by_text("Saved.").wait_for()

    stored = await sql(
        db_url, "SELECT working_pattern->'weekly'->'tue' FROM people WHERE handle = 'ana'"
    )
    assert stored == [(["08:00-16:00"],)]
    pattern = await api(
        demo, "ana", "{ viewer { person { workingPattern { timeOff { start end reason } } } } }"
    )
    time_off = pattern["viewer"]["person"]["workingPattern"]["timeOff"]
    assert {"start": "2026-12-21", "end": "2026-12-24", "reason": "elsewhere"} in time_off
    # and the page, redrawn after the save, lists it
    await hours.get_by_role("button", name="Remove time off 2026-12-21 to 2026-12-24").wait_for()
