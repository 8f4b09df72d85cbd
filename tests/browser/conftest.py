"""A real Chromium (Debian's, driven by Playwright) against the served app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.browser.harness import CHROMIUM_ARGS, Demo, chromium_path, served_demo


@pytest.fixture
async def demo(db_url: str, redis_url: str, clock) -> AsyncIterator[Demo]:
    async with served_demo(db_url, redis_url, clock) as served:
        yield served


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    path = chromium_path()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(
        viewport={"width": 1400, "height": 1000}, timezone_id="Europe/Amsterdam", locale="en-GB"
    )
    yield await context.new_page()
    await context.close()
