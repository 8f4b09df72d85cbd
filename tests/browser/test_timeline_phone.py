"""The timeline on a phone: the chart scrolls sideways, the names stay in view."""

from __future__ import annotations

import pytest

from tests.browser.test_web_app import sign_in

pytestmark = pytest.mark.browser


async def test_names_stay_in_view_when_the_chart_scrolls(browser, demo) -> None:
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Europe/Amsterdam", locale="en-GB"
    )
    try:
        phone = await context.new_page()
        await sign_in(phone, demo, "ana")
        canvas = phone.locator(".timeline-canvas")
        name = phone.locator("svg.timeline .row-label", has_text="Ana de Vries")
        start = await name.bounding_box()
        assert start is not None
        await canvas.evaluate("(el) => { el.scrollLeft = 500; }")
        await phone.wait_for_function(
            "document.querySelector('.row-labels').getAttribute('transform') === 'translate(500 0)'"
        )
        moved = await name.bounding_box()
        box = await canvas.bounding_box()
        assert moved is not None and box is not None
        # the name is where it was on screen, inside the scrolled chart's visible part
        assert abs(moved["x"] - start["x"]) < 1
        assert box["x"] <= moved["x"] < box["x"] + box["width"]
    finally:
        await context.close()
