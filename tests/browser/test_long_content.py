"""Long text (a URL, a word without spaces) wraps inside its card: the page never gets
wider than the window, on a desktop or a phone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.browser.harness import hand_off
from tests.browser.test_web_app import sign_in

pytestmark = pytest.mark.browser

LONG = "https://example.invalid/" + "a" * 120
WIDTHS = (1366, 390)


async def _fits(browser, demo, handle: str, width: int, then=None) -> None:
    context = await browser.new_context(
        viewport={"width": width, "height": 900}, timezone_id="Europe/Amsterdam", locale="en-GB"
    )
    try:
        page = await context.new_page()
        await sign_in(page, demo, handle)
        if then is not None:
            await then(page)
        sizes = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], (handle, width, sizes)
    finally:
        await context.close()


async def test_a_long_url_in_a_note_keeps_the_page_within_the_window(browser, demo) -> None:
    await hand_off(demo, "maya", "liam", LONG)
    demo.clock.set(datetime(2026, 11, 29, 21, 40, tzinfo=UTC))  # Monday morning in Sydney
    await demo.run_engine()

    async def in_the_inbox(page) -> None:
        inbox = page.get_by_role("region", name="Inbox")
        await inbox.get_by_role("article", name=LONG).wait_for()

    async def sent_and_drafted(page) -> None:
        mine = page.get_by_role("region", name="My handoffs")
        await mine.get_by_text(LONG).first.wait_for()
        form = page.get_by_role("form", name="Hand off")
        await form.get_by_label("To").select_option(label="Liam O'Connor (Australia/Sydney)")
        await form.get_by_label("Summary").fill(LONG)
        await page.locator(".lands").wait_for()

    for width in WIDTHS:
        await _fits(browser, demo, "liam", width, in_the_inbox)
        await _fits(browser, demo, "maya", width, sent_and_drafted)
