"""The web app in a real Chromium, against the served app and the demo workspace.

The clock is the suite's manual clock (Friday 27 Nov 2026, 14:00 UTC: Ana's Friday off);
the tests move it and run the delivery engine instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.devtools.seed import PEOPLE
from tests.browser.harness import Demo, ready
from tests.integration.api._helpers import sql

pytestmark = pytest.mark.browser


async def sign_in(page, demo: Demo, handle: str) -> None:
    await page.goto(demo.link(handle))
    await ready(page)


async def maya_hands_liam_the_invoice_run(browser, demo: Demo) -> None:
    """Maya (New York) hands Liam "Invoice run for December" in her own browser; it lands
    on Monday 30 Nov 08:40 in Sydney (the clock is moved there and the engine run)."""
    context = await browser.new_context(timezone_id="America/New_York", locale="en-US")
    maya = await context.new_page()
    await sign_in(maya, demo, "maya")
    form = maya.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Liam O'Connor (Australia/Sydney)")
    await form.get_by_label("Summary").fill("Invoice run for December")
    await form.get_by_role("button", name="Hand off").click()
    await form.get_by_role("status").get_by_text("Handed to Liam O'Connor").wait_for()
    await context.close()
    demo.clock.set(datetime(2026, 11, 29, 21, 40, tzinfo=UTC))
    await demo.run_engine()


async def weeks_on(page, weeks: int) -> None:
    """Step the timeline `weeks` weeks on, each step once the chart shows it."""
    for _ in range(weeks):
        before = await page.locator(".week").inner_text()
        await page.get_by_role("button", name="Next week →").click()
        await page.wait_for_function(
            "(b) => document.querySelector('.week').textContent !== b", arg=before
        )


async def test_sign_in_then_the_timeline_shows_everyone_and_anas_friday_off(page, demo) -> None:
    await sign_in(page, demo, "maya")
    assert await page.get_by_text("Signed in as Maya Johnson (America/New_York)").is_visible()
    # the token left the address bar (it lives in this tab's sessionStorage)
    assert "#token" not in page.url
    timeline = page.get_by_role("region", name="Team timeline")
    for person in PEOPLE:
        working = timeline.locator(f'rect[data-kind="WORKING"][data-person="{person.name}"]')
        assert await working.count() >= 4, person.name
    friday = timeline.locator('rect[data-kind="DAY_OFF"][data-person="Ana de Vries"]')
    labels = [await friday.nth(i).get_attribute("aria-label") for i in range(await friday.count())]
    assert any("day off, Friday 27 Nov" in label for label in labels), labels
    # focusing a segment shows that person's local times
    first = timeline.locator('rect[data-kind="WORKING"][data-person="Priya Raman"]').first
    await first.focus()
    tip = page.locator("#tooltip")
    assert await tip.is_visible()
    assert "Asia/Kolkata" in await tip.inner_text()


async def test_composing_to_someone_off_says_why_and_when_it_lands(page, demo) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Q4 numbers")
    preview = page.get_by_role("region", name="Handoff preview")
    await preview.get_by_text("Lands Monday 30 Nov 11:00 in Ana's time (11:00 yours)").wait_for()
    text = await preview.inner_text()
    assert "Friday 27 Nov is Ana de Vries's day off." in text
    assert "focus time" in text
    # the landing instant is marked on the timeline: next week, at its edge
    mark = page.locator("svg.timeline .land-label")
    assert await mark.text_content() == "lands: Ana de Vries Monday 30 Nov 11:00 Europe/Amsterdam →"
    await page.get_by_role("button", name="Next week →").click()
    await page.locator("svg.timeline .land-line").wait_for(state="attached")
    assert await mark.text_content() == "lands: Ana de Vries"


async def test_a_handoff_lands_live_in_the_receivers_inbox_and_is_acknowledged(
    browser, page, demo, db_url
) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Renewal contract for ACME")
    await form.get_by_label("Open questions").fill("Three years or one?")
    await form.get_by_label("Expect an answer within").select_option("PT4H")
    button = form.get_by_role("button", name="Hand off")
    await button.dblclick()  # one draft, one idempotency key: one handoff
    await form.get_by_role("status").get_by_text("Handed to Ana de Vries").wait_for()
    made = await sql(
        db_url, "SELECT count(*) FROM handoffs WHERE summary = 'Renewal contract for ACME'"
    )
    assert made == [(1,)]

    ana_context = await browser.new_context(timezone_id="Europe/Amsterdam", locale="en-GB")
    ana = await ana_context.new_page()
    pushed: list[str] = []
    ana.on("websocket", lambda ws: ws.on("framereceived", lambda f: pushed.append(str(f))))
    await sign_in(ana, demo, "ana")
    inbox = ana.get_by_role("region", name="Inbox")
    assert await inbox.get_by_text("Renewal contract for ACME").count() == 0
    # Monday 30 Nov 11:00 in Amsterdam: after Ana's focus block, it lands
    demo.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    await demo.run_engine()
    item = inbox.get_by_role("article", name="Renewal contract for ACME")
    # pushed over the WebSocket subscription, not found by a poll (none runs this soon)
    await item.wait_for(timeout=5_000)
    assert any('"inboxChanged"' in frame for frame in pushed), pushed
    text = await item.inner_text()
    assert "From Maya Johnson" in text and "America/New_York" in text
    assert "Three years or one?" in text
    assert "4 h of your working time left" in text
    await item.get_by_role("button", name="Acknowledge").click()
    await item.wait_for(state="detached")
    status = await sql(
        db_url, "SELECT status FROM handoffs WHERE summary = 'Renewal contract for ACME'"
    )
    assert status == [("ACKNOWLEDGED",)]
    await ana_context.close()


async def test_a_bad_interval_in_my_hours_shows_the_apis_message_at_that_field(
    page, demo, db_url
) -> None:
    await sign_in(page, demo, "ana")
    hours = page.get_by_role("region", name="My hours")
    before = await sql(db_url, "SELECT working_pattern FROM people WHERE handle = 'ana'")
    monday = hours.get_by_label("Monday working hours")
    await monday.fill("09:00-12:00, 11:00-25:00")
    await hours.get_by_role("button", name="Save my hours").click()
    error = hours.locator("#hours-mon-error")
    await error.wait_for()
    message = await error.inner_text()
    assert "25:00" in message or "overlap" in message, message
    assert await monday.get_attribute("aria-invalid") == "true"
    assert "hours-mon-error" in (await monday.get_attribute("aria-describedby") or "")
    assert await sql(db_url, "SELECT working_pattern FROM people WHERE handle = 'ana'") == before


async def test_a_quick_reply_from_the_inbox_answers_without_a_message(page, demo, db_url) -> None:
    await demo.run_engine()  # the demo's handoff of yesterday lands with Liam
    await sign_in(page, demo, "liam")
    inbox = page.get_by_role("region", name="Inbox")
    summary = "The payment provider's webhook times out"
    item = inbox.get_by_role("article", name=summary)
    reply = item.get_by_role("form", name=f"Quick reply to {summary}")
    await reply.get_by_role("textbox", name="Quick reply").fill("ticket opened")
    await reply.get_by_role("button", name="Will do").click()
    await inbox.get_by_role("status").get_by_text(f"Replied: {summary}").wait_for()
    await item.wait_for(state="detached")  # answered: it leaves the inbox
    stored = await sql(
        db_url,
        "SELECT r.preset, r.text, h.status FROM handoff_replies r"
        " JOIN handoffs h ON h.id = r.handoff_id WHERE h.summary LIKE 'The payment provider%'",
    )
    assert stored == [("WILL_DO", "ticket opened", "ACKNOWLEDGED")]


async def test_an_urgent_draft_says_whether_it_would_break_through(page, demo) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Prod is down")
    assert await form.get_by_label("Why it cannot wait").is_hidden()
    await form.get_by_label("Urgent").check()
    await form.get_by_label("Why it cannot wait").fill("checkout fails for every EU customer")
    preview = page.get_by_role("region", name="Handoff preview")
    urgency = preview.locator(".urgency")
    await urgency.wait_for()
    assert "break through once a week" in await urgency.inner_text()
    # Friday is Ana's day off: even an urgent handoff waits for her working time, but it
    # breaks through her Monday focus block (09:00, not 11:00)
    await preview.locator(".lands").get_by_text("Lands Monday 30 Nov 09:00").wait_for()


async def _engine_until(demo: Demo, db_url: str, end: datetime) -> None:
    """Run the engine at each follow-up's own instant up to `end`, as `make dev`'s worker
    would, so every handoff lands exactly when it is due."""
    for _ in range(100):
        [(due,)] = await sql(
            db_url, "SELECT min(due_at) FROM follow_ups WHERE state IN ('PENDING', 'ENQUEUED')"
        )
        if due is None or due > end:
            demo.clock.set(end)
            return
        demo.clock.set(max(due, demo.clock.now()))
        await demo.run_engine()
    raise AssertionError("follow-ups kept coming due")


async def test_team_health_shows_the_report_of_the_demo_team(page, demo, db_url) -> None:
    # By Monday morning a handoff has landed with each of the five (the report needs five
    # receivers, so that nobody's figures stand alone).
    await _engine_until(demo, db_url, datetime(2026, 11, 30, 10, 15, tzinfo=UTC))
    await sign_in(page, demo, "maya")
    health = page.get_by_role("region", name="Team health")
    await health.get_by_role("table").wait_for()
    row = health.get_by_role("row", name="Handoffs received")
    [(received,)] = await sql(
        db_url,
        "SELECT count(*) FROM handoffs WHERE deliver_at >= %s AND deliver_at < %s"
        " AND delivered_at IS NOT NULL",
        (demo.clock.now() - timedelta(days=28), demo.clock.now()),
    )
    assert received >= 1
    assert (await row.locator("td").first.inner_text()) == str(received)
    assert "should be 100 %" in await health.inner_text()
    await health.get_by_label("Period").select_option(label="Last 13 weeks")
    await health.get_by_role("row", name="Hours a week nobody works").wait_for()


async def test_signing_out_forgets_the_token(page, demo) -> None:
    await sign_in(page, demo, "liam")
    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_role("form", name="Sign in").wait_for()
    assert await page.evaluate("sessionStorage.getItem('handoff.token')") is None


async def test_enter_in_the_summary_moves_on_and_ctrl_enter_sends(page, demo, db_url) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    summary = form.get_by_label("Summary")
    await summary.fill("Q4 numbers")
    await summary.press("Enter")
    # not sent half-written: the keyboard is on the next field
    assert await page.evaluate("document.activeElement.id") == "compose-title"
    assert await sql(db_url, "SELECT count(*) FROM handoffs WHERE summary = 'Q4 numbers'") == [(0,)]
    await form.get_by_label("Done").fill("drafted the deck")
    await form.get_by_label("Done").press("Control+Enter")
    await form.get_by_role("status").get_by_text("Handed to Ana de Vries").wait_for()
    assert await sql(db_url, "SELECT count(*) FROM handoffs WHERE summary = 'Q4 numbers'") == [(1,)]


async def test_no_serious_or_critical_accessibility_violations(page, demo) -> None:
    from axe_playwright_python.async_playwright import Axe

    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Q4 numbers")
    await page.locator(".lands").wait_for()
    for scheme in ("light", "dark"):
        await page.emulate_media(color_scheme=scheme)
        results = await Axe().run(page)
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], (scheme, bad)


async def test_on_a_phone_the_page_keeps_its_width_and_the_timeline_scrolls(browser, demo) -> None:
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Europe/Amsterdam", locale="en-GB"
    )
    phone = await context.new_page()
    try:
        await sign_in(phone, demo, "ana")
        width = await phone.evaluate("document.scrollingElement.scrollWidth")
        assert width <= 390
        canvas = phone.locator(".timeline-canvas")
        assert await canvas.evaluate("(el) => el.scrollWidth > el.clientWidth")
        assert await phone.get_by_role("button", name="Next week →").is_visible()
    finally:
        await context.close()


async def test_a_server_error_is_said_and_the_screen_stays_true(page, demo) -> None:
    await sign_in(page, demo, "maya")
    label = page.locator(".week")
    shown = await label.inner_text()
    assert shown.startswith("Monday 23 Nov")

    async def broken(route) -> None:
        await route.fulfill(status=502, body="bad gateway")

    await page.route("**/graphql", broken)
    await page.get_by_role("button", name="Next week →").click()
    timeline = page.get_by_role("region", name="Team timeline")
    await timeline.get_by_role("alert").get_by_text("could not be loaded").wait_for()
    assert await label.inner_text() == shown  # the label still names the week on screen
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Q4 numbers")
    await form.get_by_role("button", name="Hand off").click()
    await form.get_by_role("status").get_by_text("Not sent: the server answered 502").wait_for()
    await page.unroute("**/graphql")
    await page.get_by_role("button", name="Next week →").click()
    await page.wait_for_function(
        "(before) => document.querySelector('.week').textContent !== before", arg=shown
    )
    # one week on from the week that was on screen (the failed step did not count)
    assert (await label.inner_text()).startswith("Monday 30 Nov")


async def test_a_lost_answer_then_an_edited_draft_is_said_and_sent_anew(page, demo) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    status = form.get_by_role("status")

    async def answer_lost(route) -> None:
        if "createHandoff" not in (route.request.post_data or ""):
            await route.continue_()
            return
        await route.fetch()  # the server makes the handoff; its answer never arrives
        await route.fulfill(status=502, body="bad gateway")

    await page.route("**/graphql", answer_lost)
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Q4 numbers")
    await form.get_by_role("button", name="Hand off").click()
    await status.get_by_text("Not sent: the server answered 502").wait_for()
    await page.unroute("**/graphql")
    # The draft changes before it is sent again: the same key would now ask for something
    # else, so the first send is owned up to and the new version gets a key of its own.
    await form.get_by_label("Summary").fill("Q4 numbers, with the December forecast")
    await form.get_by_role("button", name="Hand off").click()
    await status.get_by_text("An earlier send of this draft did go through").wait_for()
    await form.get_by_role("button", name="Hand off").click()
    await status.get_by_text("Handed to Ana de Vries").wait_for()
    found = await page.evaluate(
        """async () => {
            const token = sessionStorage.getItem("handoff.token");
            const r = await fetch("/graphql", {method: "POST",
                headers: {"content-type": "application/json", authorization: `Bearer ${token}`},
                body: JSON.stringify({query: "{ handoffs(first: 100) { edges { node { note { summary } } } } }"})});
            return (await r.json());
        }"""
    )
    summaries = [e["node"]["note"]["summary"] for e in found["data"]["handoffs"]["edges"]]
    assert summaries.count("Q4 numbers") == 1
    assert summaries.count("Q4 numbers, with the December forecast") == 1


async def test_composer_errors_stand_under_their_field_until_it_is_edited(page, demo) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    await form.get_by_label("Summary").fill("Q4 numbers")
    await form.get_by_label("Work item").fill("x" * 600)
    await form.get_by_role("button", name="Hand off").click()
    error = page.locator("#compose-title-error")
    await error.get_by_text("title must be 1 to 500 characters").wait_for()
    assert await page.locator("#compose-summary-error").inner_text() == ""
    await form.get_by_label("Work item").fill("Q4 board deck")
    assert await error.inner_text() == ""
    assert await form.get_by_label("Work item").get_attribute("aria-invalid") is None


async def test_choosing_a_zone_to_the_west_keeps_the_week(page, demo) -> None:
    await sign_in(page, demo, "liam")
    label = page.locator(".week")
    before = await label.inner_text()
    zone = page.get_by_label("Time zone")
    for west in ("America/Los_Angeles", "UTC"):
        await zone.fill(west)
        await zone.press("Enter")
        await page.wait_for_function(
            "(z) => document.querySelector('.week').textContent.includes(z)", arg=west
        )
        # the same days, named from another zone: never the week before
        assert (await label.inner_text()).split(" (")[0] == before.split(" (")[0], west


async def test_a_live_update_of_the_inbox_keeps_what_i_was_typing(browser, page, demo) -> None:
    await demo.run_engine()  # the demo's handoff of yesterday lands with Liam
    await sign_in(page, demo, "liam")
    inbox = page.get_by_role("region", name="Inbox")
    summary = "The payment provider's webhook times out"
    item = inbox.get_by_role("article", name=summary)
    await item.get_by_role("button", name="Return…").click()
    await item.get_by_label("Why it goes back").fill("Payments belong to the platform team")
    reply = item.get_by_role("textbox", name="Quick reply")
    await reply.fill("looking at it after")
    await reply.press("Home")
    await reply.press("ArrowRight")

    await maya_hands_liam_the_invoice_run(browser, demo)  # it lands while Liam is typing
    await inbox.get_by_role("article", name="Invoice run for December").wait_for(timeout=5_000)
    # said to a screen reader, politely: focus stays where it was (below)
    # (another demo handoff lands with Liam at the same run)
    said = inbox.locator("p[aria-live=polite]")
    await said.get_by_text("2 new handoffs in your inbox.").wait_for(state="attached")

    item = inbox.get_by_role("article", name=summary)  # redrawn: a new element
    assert (
        await item.get_by_role("textbox", name="Quick reply").input_value() == "looking at it after"
    )
    why = item.get_by_label("Why it goes back")
    assert await why.is_visible()
    assert await why.input_value() == "Payments belong to the platform team"
    focused = await page.evaluate(
        "() => [document.activeElement.id, document.activeElement.selectionStart]"
    )
    assert focused[0].startswith("reply-") and focused[1] == 1, focused


async def test_the_timeline_is_one_tab_stop_and_the_arrow_keys_move_inside(page, demo) -> None:
    await sign_in(page, demo, "maya")
    timeline = page.get_by_role("region", name="Team timeline")
    spans = timeline.locator("svg [data-row]")
    assert await spans.count() > 30
    assert await timeline.locator('svg [tabindex="0"]').count() == 1

    async def focused() -> dict:
        return await page.evaluate(
            "() => { const e = document.activeElement; return { row: e.dataset.row ?? null,"
            " x: Number(e.dataset.x), label: e.getAttribute('aria-label') }; }"
        )

    await page.get_by_label("Time zone").focus()
    await page.keyboard.press("Tab")
    start = await focused()
    assert start["row"] == "-1", start  # the group's row comes first
    await page.keyboard.press("ArrowDown")
    ana = await focused()
    assert ana["row"] == "0" and ana["label"].startswith("Ana de Vries:"), ana
    await page.keyboard.press("ArrowRight")
    later = await focused()
    assert later["row"] == "0" and later["x"] > ana["x"], later
    assert await page.locator("#tooltip").inner_text() == later["label"]
    await page.keyboard.press("End")
    last = await focused()
    assert last["row"] == "0" and last["x"] >= later["x"]
    await page.keyboard.press("Tab")  # out of the chart in one step
    assert (await focused())["row"] is None
    await page.keyboard.press("Shift+Tab")  # and back to where I was
    assert await focused() == last


async def test_on_the_day_the_clocks_change_the_hour_lines_follow_the_wall_clock(
    page, demo
) -> None:
    await sign_in(page, demo, "ana")  # the chart on Amsterdam's clock
    label = page.locator(".week")
    await weeks_on(page, 17)  # to the week Europe moves its clocks forward (Sunday 28 Mar 2027)
    assert (await label.inner_text()).startswith("Monday 22 Mar – Sunday 28 Mar")
    days = await page.eval_on_selector_all(
        "svg.timeline line.day-line", "ls => ls.map(l => Number(l.getAttribute('x1')))"
    )
    hours = await page.eval_on_selector_all(
        "svg.timeline line.hour-line", "ls => ls.map(l => Number(l.getAttribute('x1')))"
    )
    hour = (days[1] - days[0]) / 24
    saturday, sunday = hours[15:18], hours[18:21]
    # 06:00 on Saturday: six hours after midnight; on Sunday: five (02:00 became 03:00)
    assert saturday[0] - days[5] == pytest.approx(6 * hour, abs=0.01)
    assert sunday[0] - days[6] == pytest.approx(5 * hour, abs=0.01)
    assert sunday[1] - sunday[0] == pytest.approx(6 * hour, abs=0.01)


async def test_holiday_names_stay_inside_their_span(page, demo) -> None:
    await page.set_viewport_size({"width": 1100, "height": 800})
    await sign_in(page, demo, "ana")
    await weeks_on(page, 4)  # the week of Christmas
    overflow = await page.eval_on_selector_all(
        "svg.timeline text.seg-label",
        """ts => ts.map(t => {
            const r = t.previousElementSibling.getBBox(), b = t.getBBox();
            return [t.textContent, b.x + b.width - (r.x + r.width)];
        })""",
    )
    assert overflow, "no holiday named in the week of Christmas"
    assert all(over <= 0 for _, over in overflow), overflow
    # and the day names above do not run into each other
    days = await page.eval_on_selector_all(
        "svg.timeline text.day-label", "ts => ts.map(t => [t.getBBox().x, t.getBBox().width])"
    )
    assert all(x + w < days[i + 1][0] for i, (x, w) in enumerate(days[:-1])), days
    await page.screenshot(path="/tmp/christmas.png")


async def test_on_a_phone_a_handoffs_details_fit_and_close_from_the_top(browser, demo) -> None:
    await demo.run_engine()  # the demo's handoff of yesterday lands with Liam
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, timezone_id="Australia/Sydney", locale="en-GB"
    )
    phone = await context.new_page()
    try:
        await sign_in(phone, demo, "liam")
        await phone.get_by_role("button", name="Details").first.click()
        dialog = phone.get_by_role("dialog")
        await dialog.wait_for()
        assert await dialog.evaluate("(d) => d.scrollWidth <= d.clientWidth")
        close = dialog.get_by_role("button", name="Close")
        assert await close.evaluate("(b) => b === document.activeElement")
        assert await dialog.evaluate("(d) => d.scrollTop") == 0  # the title first
        plan = await dialog.get_by_role("listitem").filter(has_text="Reminder Monday").inner_text()
        # Liam's clock is the viewer's: named once, not twice
        assert plan.startswith("Reminder Monday 30 Nov 12:30 Australia/Sydney · pending"), plan
        await dialog.evaluate("(d) => { d.scrollTop = d.scrollHeight; }")
        box = await close.bounding_box()
        assert box is not None and 0 <= box["y"] < 844  # still within reach at the bottom
        await close.click()
        await dialog.wait_for(state="detached")
    finally:
        await context.close()
