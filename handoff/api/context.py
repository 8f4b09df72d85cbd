"""The typed per-request context every resolver receives."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from strawberry.fastapi import BaseContext

from handoff.clock import Clock
from handoff.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")
Service = Callable[Concatenate[AsyncConnection[Any], int, datetime, P], Awaitable[R]]


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
    async def transaction(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A connection inside one transaction; commits on success, rolls back on error."""
        async with self.pool.connection() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A connection for reads."""
        async with self.pool.connection() as conn:
            yield conn

    async def change(self, service: Service[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a service `fn(conn, workspace, now, ...)` in one transaction, now by the
        request's clock."""
        async with self.transaction() as conn:
            return await service(conn, self.workspace_id, self.clock.now(), *args, **kwargs)
