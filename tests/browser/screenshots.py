"""`make screenshots`: PNGs of the timeline, the composer, the inbox and the team's
async health from the demo.

Run from the repository root: `.venv/bin/python -m tests.browser.screenshots [DIR]`
(default `docs/screenshots`). The demo is seeded on Friday 27 Nov 2026 at 14:00 UTC and
the clock moved to Monday 30 Nov 10:15 UTC (11:15 in Amsterdam), so Ana's inbox holds what
landed after her focus block.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import async_playwright

from handoff.clock import ManualClock
from tests.browser.harness import CHROMIUM_ARGS, ready, served_demo
from tests.browser.servers import scratch_servers


async def shoot(db_url: str, redis_url: str, out: Path) -> None:
    clock = ManualClock(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    async with served_demo(db_url, redis_url, clock) as demo:
        # the worker runs all along in `make dev`: step the clock as it would see it, so
        # everything lands at its instant (the health report measures exactly that)
        while clock.now() < datetime(2026, 11, 30, 10, 15, tzinfo=UTC):
            clock.advance(timedelta(minutes=5))
            await demo.run_engine()
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            context = await browser.new_context(
                viewport={"width": 1400, "height": 900},
                timezone_id="Europe/Amsterdam",
                locale="en-GB",
                device_scale_factor=1,
            )
            page = await context.new_page()
            await page.goto(demo.link("maya"))
            await ready(page)
            await page.get_by_role("region", name="Team timeline").screenshot(
                path=out / "timeline.png"
            )
            form = page.get_by_role("form", name="Hand off")
            await form.get_by_label("To").select_option(label="Ana de Vries (Europe/Amsterdam)")
            await form.get_by_label("Summary").fill("Q4 numbers for the board deck")
            await form.get_by_label("Open questions").fill("Include the EMEA split?")
            await form.get_by_label("Expect an answer within").select_option("PT4H")
            await page.locator(".lands").wait_for()
            columns = page.locator(".columns .column").first
            await columns.screenshot(path=out / "composer.png")
            ana = await context.new_page()
            await ana.goto(demo.link("ana"))
            await ready(ana)
            await ana.get_by_role("region", name="Inbox").screenshot(path=out / "inbox.png")
            health = ana.get_by_role("region", name="Team health")
            await health.get_by_role("table").wait_for()
            await health.screenshot(path=out / "health.png")
            await browser.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with scratch_servers("handoff_screenshots") as (db_url, redis_url):
        asyncio.run(shoot(db_url, redis_url, out))
    for name in ("timeline", "composer", "inbox"):
        print(out / f"{name}.png")


if __name__ == "__main__":
    main()
