"""The real app on a real port with the demo workspace, for a real Chromium.

uvicorn serves `create_app` in the test's event loop with a manual clock, so a test
moves the server's clock and runs the delivery engine (`run_due`) instead of sleeping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from arq.connections import ArqRedis, RedisSettings, create_pool
from psycopg_pool import AsyncConnectionPool

from handoff.api.app import create_app
from handoff.clock import ManualClock
from handoff.devtools.embedded import free_port
from handoff.devtools.seed import DEMO_WORKSPACE, seed_demo
from handoff.jobs.worker import run_due
from handoff.settings import Settings
from handoff.storage import people, tokens, workspaces
from handoff.storage.db import open_pool

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """Debian's Chromium; outside CI a missing one skips the browser tests, in CI it fails."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = (
        "browser tests need Debian's Chromium: `sudo apt-get install chromium` "
        "(Playwright's own browser download is not used)"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Demo:
    """The served demo: its URL, a person token per handle, and the engine's parts."""

    url: str
    tokens: dict[str, str]
    clock: ManualClock
    pool: AsyncConnectionPool
    redis: ArqRedis
    settings: Settings

    def link(self, handle: str) -> str:
        """The sign-in link `make dev` prints for a demo person."""
        return f"{self.url}/#token={self.tokens[handle]}"

    async def run_engine(self) -> None:
        """Carry out every follow-up due by the clock's now."""
        await run_due(self.pool, self.redis, self.clock, self.settings)


@asynccontextmanager
async def served_demo(db_url: str, redis_url: str, clock: ManualClock) -> AsyncIterator[Demo]:
    """Seed the demo at the clock's now, serve the app on a free port, yield a Demo."""
    settings = Settings(database_url=db_url, redis_url=redis_url, rate_limit_per_minute=0)
    pool = await open_pool(db_url, 1, 10)
    redis = await create_pool(
        RedisSettings.from_dsn(redis_url), default_queue_name=settings.queue_name
    )
    handles: dict[str, str] = {}
    async with pool.connection() as conn, conn.transaction():
        await seed_demo(conn, clock.now())
        ws = await workspaces.ensure(conn, DEMO_WORKSPACE, clock.now())
        for person in await people.page(conn, ws.id, 0, 50):
            _, secret = await tokens.insert(
                conn,
                ws.id,
                clock.now(),
                label="browser test",
                person_id=person.id,
                expires_at=clock.now() + timedelta(days=30),
            )
            handles[person.handle] = secret
    port = free_port()
    app = create_app(settings, clock=clock, pool=pool)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        yield Demo(f"http://127.0.0.1:{port}", handles, clock, pool, redis, settings)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        await redis.aclose()
        await pool.close()


async def ready(page: Any) -> None:
    """Wait until the app has loaded everything it shows."""
    await page.wait_for_selector("body[data-ready=true]", timeout=15_000)


async def api(demo: Demo, handle: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """One GraphQL request with `handle`'s token, as another client of the API would send
    it (not through the page); returns `data`, failing on GraphQL errors."""
    async with httpx.AsyncClient(base_url=demo.url) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {demo.tokens[handle]}"},
        )
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


async def hand_off(demo: Demo, sender: str, receiver: str, summary: str) -> str:
    """`sender` hands `receiver` (handles) a note with `summary` through the API; the
    handoff's global ID."""
    people = await api(demo, sender, "{ people(first: 100) { nodes { id handle } } }")
    to = next(p["id"] for p in people["people"]["nodes"] if p["handle"] == receiver)
    data = await api(
        demo,
        sender,
        "mutation($input: CreateHandoffInput!) { createHandoff(input: $input) {"
        " __typename ... on CreateHandoffPayload { handoff { id } } } }",
        {
            "input": {
                "toPersonId": to,
                "note": {"summary": summary},
                "newWorkItem": {"title": summary[:120]},
            }
        },
    )
    assert data["createHandoff"]["__typename"] == "CreateHandoffPayload", data
    return data["createHandoff"]["handoff"]["id"]
