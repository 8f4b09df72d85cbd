"""The composer's preview always says something: with nothing to preview, the hint."""

from __future__ import annotations

import pytest

from tests.browser.test_web_app import sign_in

pytestmark = pytest.mark.browser

HINT = "Choose someone and write a summary: the preview says when it lands."


async def test_the_preview_shows_its_hint_again_when_emptied_and_after_a_send(page, demo) -> None:
    await sign_in(page, demo, "maya")
    form = page.get_by_role("form", name="Hand off")
    preview = page.get_by_role("region", name="Handoff preview")
    assert HINT in await preview.inner_text()
    await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
    summary = form.get_by_label("Summary")
    await summary.fill("Q4 numbers")
    await preview.locator(".lands").wait_for()
    # the summary cleared: nothing to preview, and the region says how to get one
    await summary.fill("")
    await preview.get_by_text(HINT).wait_for()
    assert "Lands" not in await preview.inner_text()
    # sent: the form is empty again, and so is the preview, with its hint
    await summary.fill("Q4 numbers")
    await preview.locator(".lands").wait_for()
    await form.get_by_role("button", name="Hand off").click()
    await form.get_by_role("status").get_by_text("Handed to Ana de Vries").wait_for()
    await preview.get_by_text(HINT).wait_for()
    assert "Lands" not in await preview.inner_text()
