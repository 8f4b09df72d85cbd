"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from strawberry.fastapi import BaseContext

from handoff.clock import Clock
from handoff.settings import Settings


@dataclass
class Context(BaseContext):
    """Built once per request by `handoff.api.app`; scoped to one workspace."""

    pool: AsyncConnectionPool
    workspace_id: int
    clock: Clock
    settings: Settings
    # per-request DataLoaders, created lazily by handoff.api.loaders
    loaders: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one transaction; commits on success, rolls back on error."""
        async with self.pool.connection() as conn, conn.transaction():
            yield conn
