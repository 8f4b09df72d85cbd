"""An inbox longer than a page says how many wait and shows the rest on request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.harness import api, hand_off
from tests.browser.test_web_app import sign_in

pytestmark = pytest.mark.browser

MORE = 55  # the demo's own handoff for Ana, and these: past the API's page of 50


async def test_an_inbox_past_one_page_says_the_total_and_shows_more(page, demo) -> None:
    for i in range(MORE):
        await hand_off(demo, "maya", "ana", f"Batch item {i + 1:02d}")
    demo.clock.set(datetime(2026, 11, 30, 10, 30, tzinfo=UTC))  # Monday 11:30 in Amsterdam
    await demo.run_engine()
    me = (await api(demo, "ana", "{ viewer { person { id } } }"))["viewer"]["person"]["id"]
    total = (
        await api(
            demo, "ana", "query($me: ID!) { inbox(personId: $me) { totalCount } }", {"me": me}
        )
    )["inbox"]["totalCount"]
    assert total > 50

    await sign_in(page, demo, "ana")
    inbox = page.get_by_role("region", name="Inbox")
    items = inbox.get_by_role("article")
    assert await items.count() == 50
    heading = inbox.get_by_text(f"{total} handoffs waiting")
    assert "showing the first 50" in await heading.inner_text()
    more = inbox.get_by_role("button", name="Show more")
    await more.click()
    await page.wait_for_function(
        "(n) => document.querySelectorAll('#inbox article').length === n", arg=total
    )
    assert await more.is_hidden()
    assert await heading.inner_text() == f"{total} handoffs waiting"
    # the keyboard is on the first item that was not shown before
    focused = await page.evaluate("document.activeElement.getAttribute('aria-labelledby')")
    assert focused == await items.nth(50).get_attribute("aria-labelledby")
