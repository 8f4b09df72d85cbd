"""Helpers for the webhook tests (no tests here): a real HTTP receiver on 127.0.0.1,
a workspace/GraphQL harness, and an in-process arq worker running the webhook jobs.

The receiver is a small HTTP/1.1 server on asyncio streams in its own thread and event
loop: it records every request and answers with programmable statuses and delays.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import Worker
from fastapi import FastAPI
from psycopg_pool import AsyncConnectionPool

from handoff.api.app import create_app
from handoff.clock import Clock
from handoff.jobs import webhooks as jobs
from handoff.settings import Settings
from handoff.storage import events, tokens, workspaces
from handoff.storage.db import open_pool


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Reply:
    status: int = 200
    delay: float = 0.0
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """A real HTTP server on 127.0.0.1:<port> in a background thread."""

    def __init__(self) -> None:
        self.requests: list[Received] = []
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        # when set, every connection is closed at once without an answer ("down")
        self.refuse = False
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def program(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, then with `default`."""
        with self._lock:
            self.replies.extend(replies)

    def start(self) -> Receiver:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("receiver did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def boot() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        loop.run_until_complete(boot())
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            assert self._server is not None
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not self.refuse:
                line = await reader.readline()
                if not line:
                    break
                method, path, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = h.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                if self.refuse:
                    break
                with self._lock:
                    self.requests.append(Received(method, path, headers, body, time.monotonic()))
                    reply = self.replies.popleft() if self.replies else self.default
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
                writer.write(
                    f"HTTP/1.1 {reply.status} X\r\ncontent-length: {len(reply.body)}\r\n{extra}\r\n".encode()
                    + reply.body
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


@asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver().start()
    try:
        yield r
    finally:
        r.stop()


class Harness:
    """One database, a token per tenant, the real app over ASGI and a webhook worker."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        redis: ArqRedis,
        clock: Clock,
        settings: Settings,
        http: httpx.AsyncClient,
    ) -> None:
        self.pool = pool
        self.redis = redis
        self.clock = clock
        self.settings = settings
        self.http = http
        self.tokens: dict[int, str] = {}
        self.worker_ctx: dict[str, Any] = {}

    async def workspace(self, name: str) -> int:
        """A workspace with a token for its GraphQL calls."""
        async with self.pool.connection() as conn:
            token = await tokens.create_token(conn, name, self.clock.now())
            workspace_id = await tokens.workspace_for_token(conn, token, self.clock.now())
        assert workspace_id is not None
        self.tokens[workspace_id] = token
        return workspace_id

    async def token(self, workspace_id: int) -> str:
        """A token of the workspace (made by another harness on the same database too)."""
        if workspace_id not in self.tokens:
            async with self.pool.connection() as conn:
                found = await workspaces.get(conn, workspace_id)
                assert found is not None
                self.tokens[workspace_id] = await tokens.create_token(
                    conn, found.name, self.clock.now()
                )
        return self.tokens[workspace_id]

    async def gql(self, workspace_id: int, query: str, **variables: Any) -> dict[str, Any]:
        """POST to /graphql with the workspace's token; fails on GraphQL errors."""
        token = await self.token(workspace_id)
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        return dict(body["data"])

    async def event(self, workspace_id: int, type_: str, data: dict[str, Any]) -> int:
        async with self.pool.connection() as conn:
            new = events.NewEvent(workspace_id, type_, data)
            return await events.record(conn, new, self.clock.now())

    async def run_jobs(self, timeout: float = 60.0) -> dict[str, int]:
        """One tick (dispatch + enqueue due senders), then drain the senders' queue with a
        burst worker."""
        ctx = self._ctx()
        stats = await jobs.webhook_tick(ctx)
        worker = Worker(
            functions=jobs.SENDER_FUNCTIONS,
            queue_name=jobs.sender_queue(self.settings),
            redis_pool=self.redis,
            burst=True,
            handle_signals=False,
            poll_delay=0.01,
            max_jobs=10,
            ctx=ctx,
            log_results=False,
        )
        await asyncio.wait_for(worker.async_run(), timeout)
        return stats

    def _ctx(self) -> dict[str, Any]:
        ctx = self.worker_ctx
        ctx.update(pool=self.pool, clock=self.clock, settings=self.settings, redis=self.redis)
        return ctx


@asynccontextmanager
async def harness(
    db_url: str, redis_url: str, clock: Clock, **settings: Any
) -> AsyncIterator[Harness]:
    # 5 s: on a loaded machine a 0.5 s limit turned a receiver's prompt 200 into a timeout
    # (a fresh-clone run failed so); tests of timeouts set their own, shorter limit
    base: dict[str, Any] = {"webhook_allow_private": True, "webhook_timeout_seconds": 5.0}
    base.update(settings)
    cfg = Settings(database_url=db_url, **base)
    pool = await open_pool(db_url, min_size=1, max_size=10)
    redis = await create_pool(RedisSettings.from_dsn(redis_url), default_queue_name=cfg.queue_name)
    app: FastAPI = create_app(cfg, clock=clock, pool=pool)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
            ) as http,
        ):
            yield Harness(pool, redis, clock, cfg, http)
    finally:
        await redis.aclose()
        await pool.close()


def until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def as_dt(value: str) -> datetime:
    return datetime.fromisoformat(value)
