"""Travel and cover: a person plans a trip and a colleague's cover from the web app, and
errors are said at the field the API names, with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_web_app import sign_in
from tests.integration.api._helpers import sql

pytestmark = pytest.mark.browser

ANA = "SELECT id FROM people WHERE handle = 'ana'"


async def add_trip(away: Any, start: str, end: str, zone: str) -> None:
    """Fill in and send the "Add travel" form; returns once the page says it was added."""
    form = away.get_by_role("form", name="Add travel")
    await form.get_by_label("From").fill(start)
    await form.get_by_label("To (inclusive)").fill(end)
    await form.get_by_label("Zone there").fill(zone)
    await form.get_by_role("button", name="Add travel").click()
    await away.get_by_role("status").get_by_text("Travel added.").wait_for()


async def test_a_trip_is_added_shown_on_the_timeline_and_removed(page, demo, db_url) -> None:
    await sign_in(page, demo, "ana")
    away = page.get_by_role("region", name="Travel and cover")
    trips = away.get_by_role("list", name="Travel periods")
    await trips.get_by_text("No travel planned.").wait_for()
    travel = page.locator("svg.timeline rect.k-TRAVEL[data-person='Ana de Vries']")
    assert await travel.count() == 0
    await add_trip(away, "2026-11-28", "2026-12-05", "asia/tokyo")  # the browser's spelling
    await trips.get_by_text("2026-11-28 to 2026-12-05 · Asia/Tokyo").wait_for()
    stored = await sql(
        db_url,
        f"SELECT start_date::text, end_date::text, timezone FROM travel_periods "
        f"WHERE person_id = ({ANA})",
    )
    assert stored == [("2026-11-28", "2026-12-05", "Asia/Tokyo")]
    # the timeline is drawn again with the trip on Ana's row (Saturday and Sunday)
    await travel.first.wait_for()
    label = await travel.first.get_attribute("aria-label")
    assert label is not None and "Asia/Tokyo" in label

    await trips.get_by_role("button", name="Remove travel 2026-11-28 to 2026-12-05").click()
    await away.get_by_role("status").get_by_text("Travel removed.").wait_for()
    await trips.get_by_text("No travel planned.").wait_for()
    assert await sql(db_url, f"SELECT id FROM travel_periods WHERE person_id = ({ANA})") == []
    await page.wait_for_function(
        "() => !document.querySelector(\"svg.timeline rect.k-TRAVEL[data-person='Ana de Vries']\")"
    )


async def test_a_trip_is_changed_in_place(page, demo, db_url) -> None:
    await sign_in(page, demo, "ana")
    away = page.get_by_role("region", name="Travel and cover")
    trips = away.get_by_role("list", name="Travel periods")
    await add_trip(away, "2026-12-14", "2026-12-16", "Asia/Tokyo")
    await trips.get_by_text("2026-12-14 to 2026-12-16 · Asia/Tokyo").wait_for()
    [(first_id,)] = await sql(db_url, f"SELECT id FROM travel_periods WHERE person_id = ({ANA})")

    await trips.get_by_role("button", name="Edit travel 2026-12-14 to 2026-12-16").click()
    editing = away.get_by_role("form", name="Edit travel 2026-12-14 to 2026-12-16")
    assert await editing.get_by_label("From").input_value() == "2026-12-14"
    assert await editing.get_by_label("Zone there").input_value() == "Asia/Tokyo"
    await editing.get_by_label("To (inclusive)").fill("2026-12-18")
    await editing.get_by_label("Zone there").fill("Asia/Seoul")
    await editing.get_by_label("Hours").select_option("HOME")
    await editing.get_by_role("button", name="Save travel").click()
    await away.get_by_role("status").get_by_text("Travel changed.").wait_for()
    await trips.get_by_text("2026-12-14 to 2026-12-18 · Asia/Seoul · my home hours").wait_for()
    stored = await sql(
        db_url,
        f"SELECT id, start_date::text, end_date::text, timezone, hours FROM travel_periods "
        f"WHERE person_id = ({ANA})",
    )
    # the same period, changed: not removed and added again
    assert stored == [(first_id, "2026-12-14", "2026-12-18", "Asia/Seoul", "HOME")]
    # the form adds again afterwards
    assert (
        await away.get_by_role("form", name="Add travel").get_by_label("From").input_value() == ""
    )

    # Cancel leaves the trip as it was and the form empty
    await trips.get_by_role("button", name="Edit travel 2026-12-14 to 2026-12-18").click()
    editing = away.get_by_role("form", name="Edit travel 2026-12-14 to 2026-12-18")
    await editing.get_by_label("To (inclusive)").fill("2026-12-30")
    await editing.get_by_role("button", name="Cancel").click()
    adding = away.get_by_role("form", name="Add travel")
    assert await adding.get_by_label("To (inclusive)").input_value() == ""
    assert not await adding.get_by_role("button", name="Cancel").is_visible()
    assert await sql(
        db_url, f"SELECT end_date::text FROM travel_periods WHERE person_id = ({ANA})"
    ) == [("2026-12-18",)]


async def test_a_zone_the_api_refuses_is_said_at_the_zone_field(page, demo, db_url) -> None:
    await sign_in(page, demo, "ana")
    form = page.get_by_role("form", name="Add travel")
    await form.get_by_label("From").fill("2026-12-10")
    await form.get_by_label("To (inclusive)").fill("2026-12-12")
    zone = form.get_by_label("Zone there")
    await zone.fill("Mars/Olympus_Mons")
    await form.get_by_role("button", name="Add travel").click()
    error = page.locator("#travel-timezone-error")
    await error.get_by_text("Mars/Olympus_Mons").wait_for()
    assert await zone.get_attribute("aria-invalid") == "true"
    assert await sql(db_url, "SELECT count(*) FROM travel_periods") == [(0,)]
    # typing again clears the error
    await zone.fill("Asia/Tokyo")
    assert await error.inner_text() == ""


async def test_cover_is_set_listed_and_called_off(page, demo, db_url) -> None:
    await sign_in(page, demo, "ana")
    away = page.get_by_role("region", name="Travel and cover")
    covers = away.get_by_role("list", name="Cover")
    await covers.get_by_text("Nobody covers for you").wait_for()
    form = away.get_by_role("form", name="Set cover")
    await form.get_by_label("Covered by").select_option(label="Maya Johnson (America/New_York)")
    await form.get_by_label("From (Europe/Amsterdam)").fill("2026-12-07T09:00")
    await form.get_by_label("Until (Europe/Amsterdam)").fill("2026-12-11T18:00")
    await form.get_by_label("Handoffs you already hold").select_option("REASSIGN")
    await form.get_by_label("Hand back what they still hold when it ends").check()
    await form.get_by_role("button", name="Set cover").click()
    await away.get_by_role("status").get_by_text("Cover set.").wait_for()
    item = covers.get_by_role("listitem").filter(has_text="Maya Johnson")
    await item.wait_for()
    text = await item.inner_text()
    assert "Maya Johnson · Monday 7 Dec 09:00 – Friday 11 Dec 18:00 (Europe/Amsterdam)" in text
    assert "planned · your open handoffs move to them · handed back at the end" in text
    stored = await sql(
        db_url,
        "SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), "
        "to_char(ends_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), open_handoffs, hand_back, "
        f"state FROM delegations WHERE person_id = ({ANA})",
    )
    assert stored == [("2026-12-07 08:00", "2026-12-11 17:00", "REASSIGN", True, "SCHEDULED")]

    await covers.get_by_role("button", name="Call off: cover by Maya Johnson").click()
    await away.get_by_role("status").get_by_text("Cover called off.").wait_for()
    await covers.get_by_text("Nobody covers for you").wait_for()
    assert await sql(db_url, f"SELECT state FROM delegations WHERE person_id = ({ANA})") == [
        ("CANCELLED",)
    ]


async def test_cover_that_ends_before_it_starts_is_refused_at_the_until_field(
    page, demo, db_url
) -> None:
    await sign_in(page, demo, "ana")
    form = page.get_by_role("form", name="Set cover")
    await form.get_by_role("button", name="Set cover").click()
    await page.locator("#cover-delegate-error").get_by_text("Choose who covers").wait_for()
    await form.get_by_label("Covered by").select_option(label="Team Follow the Sun")
    await form.get_by_label("From (Europe/Amsterdam)").fill("2026-12-07T09:00")
    await form.get_by_label("Until (Europe/Amsterdam)").fill("2026-12-06T09:00")
    await form.get_by_role("button", name="Set cover").click()
    until = form.get_by_label("Until (Europe/Amsterdam)")
    await page.locator("#cover-end-error").wait_for()
    assert await page.locator("#cover-end-error").inner_text() != ""
    assert await until.get_attribute("aria-invalid") == "true"
    assert await sql(db_url, "SELECT count(*) FROM delegations") == [(0,)]
