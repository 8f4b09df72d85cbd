"""After the inbox: what I acknowledged stays reachable until I finish it, and what I sent
shows where it is, the replies and why it came back; the keyboard keeps its place."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.harness import api, ready
from tests.browser.test_web_app import maya_hands_liam_the_invoice_run, sign_in
from tests.integration.api._helpers import sql

pytestmark = pytest.mark.browser

SUMMARY = "The payment provider's webhook times out"


async def test_an_acknowledged_handoff_stays_in_progress_until_completed(
    page, demo, db_url
) -> None:
    await demo.run_engine()  # the demo's handoff of yesterday lands with Liam
    await sign_in(page, demo, "liam")
    inbox = page.get_by_role("region", name="Inbox")
    mine = page.get_by_role("region", name="My handoffs")
    item = inbox.get_by_role("article", name=SUMMARY)
    await item.get_by_role("button", name="Acknowledge").click()
    await item.wait_for(state="detached")
    # the keyboard stays in the inbox, on the line that says what happened
    focused = await page.evaluate("document.activeElement.textContent")
    assert focused.startswith(f"Acknowledged: {SUMMARY}"), focused
    progress = mine.get_by_role("list", name="In progress (acknowledged, not finished)")
    row = progress.get_by_role("listitem").filter(has_text=SUMMARY)
    await row.wait_for()
    await row.get_by_role("button", name="Complete").click()
    await mine.get_by_role("status").get_by_text(f"Completed: {SUMMARY}").wait_for()
    await row.wait_for(state="detached")
    assert await page.evaluate("document.activeElement.getAttribute('role')") == "status"
    status = await sql(
        db_url, "SELECT status FROM handoffs WHERE summary LIKE %s", (SUMMARY + "%",)
    )
    assert status == [("COMPLETED",)]


async def test_the_sender_sees_the_reply_and_why_it_came_back(browser, page, demo, db_url) -> None:
    await demo.run_engine()
    await sign_in(page, demo, "liam")
    item = page.get_by_role("region", name="Inbox").get_by_role("article", name=SUMMARY)
    # Enter in the reply's text does not send the first preset ("OK") in its place
    text = item.get_by_role("textbox", name="Quick reply")
    await text.fill("Which region?")
    await text.press("Enter")
    replies = await sql(db_url, "SELECT count(*) FROM handoff_replies")
    assert replies == [(0,)]
    await item.get_by_role("button", name="Need more information").click()
    await item.wait_for(state="detached")
    progress = page.get_by_role("region", name="My handoffs").get_by_role("listitem")
    row = progress.filter(has_text=SUMMARY)
    await row.get_by_role("button", name="Return…").click()
    await row.get_by_label("Why it goes back").fill("Not mine: ask the payments team")
    await row.get_by_role("button", name="Send it back").click()
    await row.wait_for(state="detached")

    sender = (
        await sql(
            db_url,
            "SELECT p.handle FROM handoffs h JOIN people p ON p.id = h.sender_id"
            " WHERE h.summary LIKE %s",
            (SUMMARY + "%",),
        )
    )[0][0]
    context = await browser.new_context(timezone_id="Europe/Amsterdam", locale="en-GB")
    try:
        theirs = await context.new_page()
        await sign_in(theirs, demo, sender)
        await ready(theirs)
        sent = theirs.get_by_role("region", name="My handoffs").get_by_role(
            "list", name="Sent by me"
        )
        mine = sent.get_by_role("listitem").filter(has_text=SUMMARY)
        await mine.wait_for()
        shown = await mine.inner_text()
        assert "returned to you" in shown
        assert "Why it came back: Not mine: ask the payments team" in shown
        assert "Need more information — “Which region?”" in shown
        assert "Liam" in shown
    finally:
        await context.close()


async def test_a_token_revoked_while_the_page_is_open_asks_to_sign_in_again(
    page, demo, db_url
) -> None:
    await sign_in(page, demo, "ana")
    await sql(db_url, "UPDATE api_tokens SET revoked_at = now() WHERE revoked_at IS NULL")
    demo.clock.advance(timedelta(seconds=5))  # past the API's token cache
    await page.get_by_role("button", name="Next week →").click()
    form = page.get_by_role("form", name="Sign in")
    await form.wait_for()
    assert "token was revoked or has expired" in await form.get_by_role("alert").inner_text()
    assert await page.evaluate("sessionStorage.getItem('handoff.token')") is None
    # the notice is said once, not again on the next visit
    await page.reload()
    await form.wait_for()
    assert await page.locator("#signin-error").inner_text() == ""


async def test_a_live_update_keeps_a_half_typed_return_reason(browser, page, demo) -> None:
    await demo.run_engine()
    await sign_in(page, demo, "liam")
    inbox = page.get_by_role("region", name="Inbox")
    await (
        inbox.get_by_role("article", name=SUMMARY).get_by_role("button", name="Acknowledge").click()
    )
    mine = page.get_by_role("region", name="My handoffs")
    row = mine.get_by_role("listitem").filter(has_text=SUMMARY)
    await row.get_by_role("button", name="Return…").click()
    why = row.get_by_label("Why it goes back")
    # an empty reason is refused at its field, which gets the keyboard and the message
    await row.get_by_role("button", name="Send it back").click()
    await page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-invalid') === 'true'"
    )
    assert await why.get_attribute("aria-invalid") == "true"
    await why.fill("Payments belong to")

    await maya_hands_liam_the_invoice_run(browser, demo)  # it lands while Liam types
    await inbox.get_by_role("article", name="Invoice run for December").wait_for(timeout=5_000)
    # My handoffs was redrawn too: the form is still open, the reason and the focus kept
    await page.wait_for_timeout(300)
    row = mine.get_by_role("listitem").filter(has_text=SUMMARY)
    why = row.get_by_label("Why it goes back")
    assert await why.is_visible()
    assert await why.input_value() == "Payments belong to"
    assert await page.evaluate("document.activeElement.id") == await why.get_attribute("id")


async def test_a_token_revoked_elsewhere_asks_to_sign_in_again_without_any_click(
    page, demo
) -> None:
    await sign_in(page, demo, "ana")
    # the live connection is up (the inbox subscribes once the page is ready)
    await page.wait_for_timeout(500)
    tokens = await api(demo, "ana", "{ tokens { id revokedAt } }")
    (token,) = [t for t in tokens["tokens"] if t["revokedAt"] is None]
    revoked = await api(
        demo,
        "ana",
        "mutation($id: ID!) { revokeToken(id: $id) { __typename } }",
        {"id": token["id"]},
    )
    assert revoked["revokeToken"]["__typename"] == "RevokeTokenPayload"
    # nobody clicks: the server closes the live connection, and the page says so
    form = page.get_by_role("form", name="Sign in")
    await form.wait_for(timeout=5_000)
    assert "Your session ended" in await form.get_by_role("alert").inner_text()
    assert await page.evaluate("sessionStorage.getItem('handoff.token')") is None


async def test_each_details_button_is_named_by_its_handoff(page, demo) -> None:
    await sign_in(page, demo, "maya")
    sent = page.get_by_role("region", name="My handoffs").get_by_role("list", name="Sent by me")
    summaries = await sent.locator("h4").all_inner_texts()
    assert len(summaries) >= 2
    names = [
        await sent.get_by_role("button", name=f"Details: {summary}", exact=True).count()
        for summary in summaries
    ]
    # one button per handoff, each telling which handoff it opens
    assert names == [1] * len(summaries), (summaries, names)
    assert await sent.get_by_role("button", name="Details", exact=True).count() == 0
