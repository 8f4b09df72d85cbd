"""The typed per-request context every resolver receives."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection
from psycopg.errors import DeadlockDetected, SerializationFailure
from psycopg_pool import AsyncConnectionPool
from strawberry.fastapi import BaseContext

from handoff.clock import Clock
from handoff.services.rights import Actor
from handoff.settings import Settings

R = TypeVar("R")
log = logging.getLogger(__name__)
CHANGE_ATTEMPTS = 3
# service(conn, workspace id, now, ..., actor=...): every service a resolver changes
# something through takes the acting actor last, as a keyword.
Service = Callable[..., Awaitable[R]]


@asynccontextmanager
async def read_connection(pool: AsyncConnectionPool) -> AsyncIterator[AsyncConnection[Any]]:
    """A connection for reads, in autocommit: under READ COMMITTED each statement reads
    its own snapshot whether or not a transaction wraps them, and without one a read
    saves the BEGIN and COMMIT round trips (an inbox page had six, now three). Never
    write through it: changes go through `Context.transaction` (or `change`)."""
    async with pool.connection() as conn:
        await conn.set_autocommit(True)
        try:
            yield conn
        finally:
            # fails only on a connection left mid-statement, which the pool then
            # discards rather than reuse
            with suppress(psycopg.Error):
                await conn.set_autocommit(False)


@dataclass
class Context(BaseContext):
    """Built once per request by `handoff.api.app`; scoped to one workspace, acting as
    `actor` (the workspace, or the person of a person token)."""

    pool: AsyncConnectionPool
    workspace_id: int
    clock: Clock
    settings: Settings
    actor: Actor | None = None
    # per-request DataLoaders, created lazily by handoff.api.loaders
    loaders: dict[str, Any] = field(default_factory=dict)
    # API objects made once per request and shared by the fields that name the same row
    # (a page of handoffs names its receiver 20 times)
    wrapped: dict[tuple[str, int], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__()
        if self.actor is None:
            self.actor = Actor(self.workspace_id)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A connection inside one transaction; commits on success, rolls back on error."""
        async with self.pool.connection() as conn, conn.transaction():
            yield conn

    def connection(self) -> AbstractAsyncContextManager[AsyncConnection[Any]]:
        """A connection for reads (see `read_connection`)."""
        return read_connection(self.pool)

    async def change(self, service: Service[R], *args: Any, **kwargs: Any) -> R:
        """Run a service `fn(conn, workspace, now, ..., actor=...)` in one transaction, now by
        the request's clock, acting as the request's actor (the service checks its rights).

        A transaction PostgreSQL aborted to break a deadlock (two changes locking the same
        people in opposite orders, e.g. two deactivations handing work to each other) was
        rolled back whole, so it runs again, up to `CHANGE_ATTEMPTS` times."""
        for attempt in range(1, CHANGE_ATTEMPTS + 1):
            try:
                async with self.transaction() as conn:
                    return await service(
                        conn, self.workspace_id, self.clock.now(), *args, actor=self.actor, **kwargs
                    )
            except (DeadlockDetected, SerializationFailure):
                if attempt == CHANGE_ATTEMPTS:
                    raise
                log.info("a change was retried after a deadlock (attempt %d)", attempt)
        raise AssertionError("unreachable")
