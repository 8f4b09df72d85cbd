"""The timeline at its edges: a phone's sideways scroll, the zone field's odd input."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.calendar.wallclock import resolve
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
            "() => document.querySelector('.row-labels').getAttribute('transform')"
            " === 'translate(500 0)'"
        )
        moved = await name.bounding_box()
        box = await canvas.bounding_box()
        assert moved is not None and box is not None
        # the name is where it was on screen, inside the scrolled chart's visible part
        assert abs(moved["x"] - start["x"]) < 1
        assert box["x"] <= moved["x"] < box["x"] + box["width"]
    finally:
        await context.close()


async def test_the_zone_field_takes_any_spelling_and_says_what_is_missing(page, demo) -> None:
    await sign_in(page, demo, "ana")
    zone = page.get_by_label("Time zone")
    timeline = page.get_by_role("region", name="Team timeline")
    await zone.fill("  ")
    await zone.press("Enter")
    await timeline.get_by_text("Type a time zone, e.g. Europe/Amsterdam.").wait_for()
    await zone.fill("asia/tokyo")
    await zone.press("Enter")
    await page.wait_for_function(
        "() => document.querySelector('.week').textContent.includes('(Asia/Tokyo)')"
    )
    assert await zone.input_value() == "Asia/Tokyo"
    assert await timeline.get_by_text("Type a time zone").count() == 0


async def test_a_redraw_keeps_the_keyboards_place_in_the_chart(page, demo) -> None:
    await sign_in(page, demo, "maya")

    async def focused() -> dict:
        return await page.evaluate(
            "() => { const e = document.activeElement; return { row: e.dataset.row ?? null,"
            " label: e.getAttribute('aria-label') }; }"
        )

    await page.get_by_label("Time zone").focus()
    await page.keyboard.press("Tab")
    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowRight")
    before = await focused()
    assert before["row"] == "0", before
    drawn = await page.locator("svg.timeline").element_handle()
    await page.set_viewport_size({"width": 1100, "height": 800})  # the chart is redrawn
    await page.wait_for_function("(old) => !old.isConnected", arg=drawn)
    assert await focused() == before


async def test_wall_times_at_clock_changes_name_the_instants_the_engine_does(page, demo) -> None:
    await sign_in(page, demo, "ana")
    cases = [
        ("Europe/Amsterdam", 2026, 10, 25, 2, 30),  # fall back: ambiguous
        ("Europe/Amsterdam", 2026, 3, 29, 2, 30),  # spring forward: a gap
        ("America/New_York", 2026, 11, 1, 1, 30),
        ("Australia/Lord_Howe", 2026, 10, 4, 2, 10),  # a 30-minute gap
        ("Australia/Lord_Howe", 2026, 4, 5, 1, 45),  # a 30-minute fold
        ("Pacific/Chatham", 2026, 12, 7, 9, 0),
    ]
    found = await page.evaluate(
        """async (cases) => {
            const scripts = [...document.querySelectorAll("script[type=module]")];
            const base = new URL(scripts[0].src, location.href);
            const { fromWall } = await import(new URL("time.js", base).href);
            return cases.map(([zone, y, mo, d, h, mi]) => fromWall(y, mo, d, h, mi, zone).toISOString());
        }""",
        cases,
    )
    for (zone, y, mo, d, h, mi), shown in zip(cases, found, strict=True):
        engine = datetime.fromtimestamp(
            resolve(ZoneInfo(zone), datetime(y, mo, d).toordinal(), h * 60 + mi) / 1e6, UTC
        )
        assert shown == engine.strftime("%Y-%m-%dT%H:%M:%S.000Z"), (zone, y, mo, d, h, mi)


async def test_graphiql_runs_under_its_content_security_policy(page, demo) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = await page.goto(f"{demo.url}/graphql#token={demo.tokens['ana']}")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self';" in policy
    await page.locator(".graphiql-container").wait_for()
    # the schema came (the docs explorer lists the root types), and nothing was blocked
    await page.get_by_role("button", name="Show Documentation Explorer").click()
    await page.get_by_text("Query", exact=True).first.wait_for()
    assert violations == []


async def test_day_labels_go_under_the_pinned_names_when_the_chart_scrolls(browser, demo) -> None:
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Europe/Amsterdam", locale="en-GB"
    )
    try:
        phone = await context.new_page()
        await sign_in(phone, demo, "ana")
        # scroll so that Tuesday's label sits behind the names column
        tuesday = phone.locator("svg.timeline .day-label").nth(1)
        x = float(await tuesday.get_attribute("x") or 0)
        await phone.locator(".timeline-canvas").evaluate(f"(el) => {{ el.scrollLeft = {x - 60}; }}")
        await phone.wait_for_function(
            "() => document.querySelector('.row-labels').getAttribute('transform')"
            " !== 'translate(0 0)'"
        )
        hit = await tuesday.evaluate(
            """(label) => {
                const r = label.getBoundingClientRect();
                const bg = document.querySelector('.labels-bg').getBoundingClientRect();
                const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
                return {
                    under: cx >= bg.left && cx <= bg.right,
                    top: document.elementFromPoint(cx, cy).getAttribute('class'),
                };
            }"""
        )
        assert hit["under"], hit
        # the names column's background covers it: the label does not show through
        assert hit["top"] == "labels-bg", hit
    finally:
        await context.close()


async def test_the_zone_field_keeps_a_current_name_and_suggests_it(page, demo) -> None:
    await sign_in(page, demo, "ana")
    zone = page.get_by_label("Time zone")
    options = await page.locator("#timeline-zones option").evaluate_all(
        "(os) => os.map((o) => o.value)"
    )
    # the browser's list says Asia/Calcutta; people (and the API) say Asia/Kolkata
    assert "Asia/Kolkata" in options and "Asia/Calcutta" not in options
    assert "Europe/Amsterdam" in options
    for typed in ("Asia/Kolkata", "asia/kolkata"):
        await zone.fill(typed)
        await zone.press("Enter")
        await page.wait_for_function(
            "() => document.querySelector('.week').textContent.includes('(Asia/Kolkata)')"
        )
        assert await zone.input_value() == "Asia/Kolkata"
        await zone.fill("Europe/Amsterdam")
        await zone.press("Enter")
        await page.wait_for_function(
            "() => document.querySelector('.week').textContent.includes('(Europe/Amsterdam)')"
        )


async def test_spans_cut_by_the_week_say_so(page, demo) -> None:
    """A colleague's day that began on the viewer's Sunday is not told as hours from
    Monday 00:00: the spans the week cuts say they began before it or go on after it."""
    await sign_in(page, demo, "ana")
    spans = page.locator("svg.timeline rect.seg")
    await spans.first.wait_for()
    labels = [await s.get_attribute("aria-label") or "" for s in await spans.all()]
    before = [x for x in labels if x.endswith("; began before this week")]
    after = [x for x in labels if "goes on after it" in x]
    assert before and after, labels
    # each person's row has at most one span cut at each edge of each kind
    inside = [x for x in labels if "this week" not in x and "after it" not in x]
    assert len(inside) > len(before) + len(after)
    # the tooltip says it too
    cut = spans.filter(has=page.locator("xpath=self::*[contains(@aria-label, 'began before')]"))
    await cut.first.hover()
    tooltip = page.locator("#tooltip")
    await tooltip.wait_for()
    assert "began before this week" in await tooltip.text_content()
