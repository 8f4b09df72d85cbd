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


async def test_private_time_off_is_listed_as_mine_and_stays_private_after_a_save(
    page, demo, db_url
) -> None:
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    form = hours.get_by_role("form", name="Add time off")
    await form.get_by_label("From").fill("2026-12-28")
    await form.get_by_label("To (inclusive)").fill("2026-12-29")
    await form.get_by_label("Reason", exact=True).fill("surgery")
    await form.get_by_label("Keep the reason to myself").check()
    await form.get_by_role("button", name="Add time off").click()
    await hours.get_by_role("status").get_by_text("Time off added.").wait_for()
    await hours.get_by_text("2026-12-28 to 2026-12-29 (surgery, only you see why)").wait_for()
    assert not await form.get_by_label("Keep the reason to myself").is_checked()
    query = "SELECT working_pattern->'time_off' FROM people WHERE handle = 'ana'"
    entry = {"start": "2026-12-28", "end": "2026-12-29", "reason": "surgery", "private": True}
    [(stored,)] = await sql(db_url, query)
    assert entry in stored
    # saving the week sends the time off back: it stays private
    await hours.get_by_label("Tuesday working hours").fill("08:00-16:00")
    await hours.get_by_role("button", name="Save my hours").click()
    await hours.get_by_role("status").get_by_text("Saved.").wait_for()
    [(stored,)] = await sql(db_url, query)
    assert entry in stored


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


async def test_other_hours_on_a_date_are_set_replaced_refused_and_removed(
    page, demo, db_url
) -> None:
    """A date's own hours go in without the week's unsaved edits; the same date again
    replaces them; hours the API refuses are said at the field; Remove brings the week back."""
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    listed = hours.get_by_role("list", name="Other hours on a date")
    form = hours.get_by_role("form", name="Set hours for a date")
    status = hours.get_by_role("status")
    stored = "SELECT working_pattern FROM people WHERE handle = 'ana'"
    week = (await sql(db_url, stored))[0][0]["weekly"]
    await listed.get_by_text("Every date follows your week.").wait_for()
    await hours.get_by_label("Monday working hours").fill("10:00-11:00")  # not saved

    await form.get_by_label("Date").fill("2026-12-24")
    await form.get_by_label("Hours that day").fill("09:00-13:00")
    await form.get_by_role("button", name="Set hours for the date").click()
    await status.get_by_text("Hours for 2026-12-24 set.").wait_for()
    await listed.get_by_text("2026-12-24: 09:00-13:00").wait_for()
    pattern = (await sql(db_url, stored))[0][0]
    assert pattern["overrides"] == {"2026-12-24": ["09:00-13:00"]}
    assert pattern["weekly"] == week

    await form.get_by_label("Date").fill("2026-12-24")
    await form.get_by_role("button", name="Set hours for the date").click()  # empty: off
    await listed.get_by_text("2026-12-24: off").wait_for()
    assert (await sql(db_url, stored))[0][0]["overrides"] == {"2026-12-24": []}

    before = await sql(db_url, stored)
    await form.get_by_label("Date").fill("2026-12-31")
    field = form.get_by_label("Hours that day")
    await field.fill("25:00-26:00")
    await form.get_by_role("button", name="Set hours for the date").click()
    await page.locator("#ov-intervals-error").get_by_text("25:00").wait_for()
    assert await field.get_attribute("aria-invalid") == "true"
    assert await sql(db_url, stored) == before

    await listed.get_by_role("button", name="Remove the hours for 2026-12-24").click()
    await status.get_by_text("2026-12-24 follows your week again.").wait_for()
    await listed.get_by_text("Every date follows your week.").wait_for()
    assert not (await sql(db_url, stored))[0][0].get("overrides")


async def test_each_day_says_what_its_hours_add_up_to_as_the_api_reads_them(
    page, demo, db_url
) -> None:
    """09:00-09:00 is a whole day, not nothing: the page says so before it is saved, and
    the saved week is what the API then works with."""
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    stored = "SELECT working_pattern->'weekly' FROM people WHERE handle = 'ana'"
    week = (await sql(db_url, stored))[0][0]

    def total(day: str):
        return page.locator(f"#hours-{day}-total")

    expected_mon = ", ".join(week["mon"])
    assert await hours.get_by_label("Monday working hours").input_value() == expected_mon
    assert (await total("mon").inner_text()).endswith(" a day")
    saturday = hours.get_by_label("Saturday working hours")
    for typed, said in (
        ("09:00-09:00", "24 h a day"),
        ("22:00-06:00", "8 h a day"),
        ("09:00-12:30, 13:30-17:00", "7 h a day"),
        ("08:15-09:00", "45 min a day"),
        ("", "off"),
        ("09:00-17:00, 12:00-13:00", ""),  # overlapping: the API refuses it on save
        ("9-5", ""),
    ):
        await saturday.fill(typed)
        assert await total("sat").inner_text() == said, typed
    await saturday.fill("09:00-09:00")
    await hours.get_by_role("button", name="Save my hours").click()
    await hours.get_by_role("status").get_by_text("saved", exact=False).wait_for()
    assert (await sql(db_url, stored))[0][0]["sat"] == ["09:00-09:00"]
    assert await total("sat").inner_text() == "24 h a day"  # read back after the save
