"""Fixtures of the live-update tests: the app served by uvicorn on the test's manual clock,
the delivery engine (real Redis and arq) on the same clock, and workspace tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from psycopg_pool import AsyncConnectionPool

from handoff.clock import ManualClock
from handoff.jobs.worker import run_due
from handoff.settings import Settings
from handoff.storage.tokens import create_token
from tests.conftest import GraphQLClient
from tests.integration._delivery_helpers import engine
from tests.integration.live._live import Served, serve


@dataclass
class Live:
    """One test's world: the served app, its database pool, Redis and clock."""

    served: Served
    pool: AsyncConnectionPool
    redis: ArqRedis
    settings: Settings
    clock: ManualClock
    http: httpx.AsyncClient

    async def token(self, workspace: str = "acme", person_id: int | None = None) -> str:
        async with self.pool.connection() as conn:
            return await create_token(conn, workspace, self.clock.now(), person_id=person_id)

    async def client(self, workspace: str = "acme") -> GraphQLClient:
        return GraphQLClient(self.http, await self.token(workspace))

    async def run_due(self) -> int:
        """The delivery engine: everything due by the clock's now."""
        return await run_due(self.pool, self.redis, self.clock, self.settings)


@pytest.fixture
def live_settings() -> dict[str, Any]:
    """Settings a test overrides (module-level `pytest.mark.parametrize` or a fixture)."""
    return {}


@pytest.fixture
async def live(
    db_url: str, redis_url: str, clock: ManualClock, live_settings: dict[str, Any]
) -> AsyncIterator[Live]:
    async with engine(db_url, redis_url, **live_settings) as (pool, redis, settings):  # noqa: SIM117
        # the settings come from the engine, the app from the settings
        async with (
            serve(settings, clock) as served,
            httpx.AsyncClient(base_url=served.http, timeout=30) as http,
        ):
            yield Live(served, pool, redis, settings, clock, http)
