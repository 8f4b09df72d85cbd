"""Live-update connections of one API process: who they act for, their limits, and how
the server ends them.

- A WebSocket authenticates with its `connection_init` payload, an SSE request with its
  `Authorization` header (or, for EventSource, a short-lived token in the URL). Opening
  one spends one request of the token's rate limit; so does each subscription.
- `live_max_connections_per_token` connections per token (a person's tokens together)
  and process, and
  `live_max_connections` in all per process (its memory: ~60 KiB each); past the second
  a WebSocket is closed with 1013 (try again later) and an SSE request gets a 429.
- Every second the tokens of the open connections are looked up together: a revoked or
  expired token's connections are closed (WebSocket 4403, SSE an UNAUTHENTICATED error).
- A slow consumer's WebSocket is closed with 4008 (its client resumes with `after`).
- On shutdown every WebSocket is closed with 1001 (going away) and every SSE stream ends,
  before uvicorn closes what is left: `install_signal_hook` runs that on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import IntEnum
from typing import Any

from psycopg_pool import AsyncConnectionPool

from handoff.api.auth import TokenCache, Unauthenticated, authenticate, bearer
from handoff.api.context import Context
from handoff.api.ratelimit import RateLimited, RateLimiter
from handoff.clock import Clock
from handoff.live.hub import Hub
from handoff.live.streams import Streams
from handoff.observability.logging import bind
from handoff.observability.metrics import LIVE_CLOSED, LIVE_CONNECTIONS
from handoff.services.rights import Actor, whose_budget
from handoff.settings import Settings
from handoff.storage import live as live_store

log = logging.getLogger(__name__)
TOKEN_CHECK_SECONDS = 1.0
# how long a stopping process waits for its live connections' goodbyes
GOODBYE_SECONDS = 5.0


class CloseCode(IntEnum):
    """How the server closes a WebSocket (besides graphql-transport-ws's own 44xx)."""

    IDLE = 1000  # no subscription, or nothing heard, for live_idle_timeout_seconds
    GOING_AWAY = 1001  # the server is shutting down: reconnect (to another replica)
    TRY_AGAIN_LATER = 1013  # this process holds live_max_connections already
    SLOW_CONSUMER = 4008  # a subscription fell live_queue_size events behind
    TOO_MANY = 4029  # connection or rate limit of the token
    FORBIDDEN = 4403  # bad, revoked or expired token (graphql-transport-ws "Forbidden")


class Refused(Exception):
    """A connection the server will not hold, with the WebSocket close code and reason."""

    def __init__(self, code: CloseCode, message: str, reason: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason  # the label of handoff_live_closed_total


@dataclass(eq=False)
class LiveConnection:
    """One WebSocket or SSE stream, acting as `actor`."""

    transport: str  # "ws" or "sse"
    actor: Actor
    runtime: LiveRuntime
    # closes a WebSocket; for SSE, ending is signalled through `ending`
    closer: Callable[[int, str], Awaitable[None]] | None = None
    ending: asyncio.Event = field(default_factory=asyncio.Event)
    end_error: tuple[str, str] | None = None  # (code, message) an SSE stream ends with
    closed: bool = False
    streaming: bool = False  # an SSE response owns it (and releases it when it ends)
    # an SSE client's Last-Event-ID (EventSource sends it when it reconnects): a cursor
    # its stream sent, where a subscription given no `after` resumes
    last_event_id: str | None = None

    def on_drop(self) -> None:
        """A subscription of this connection was dropped as a slow consumer."""
        if self.transport == "ws":
            self.runtime.spawn(
                self.close(CloseCode.SLOW_CONSUMER, "slow consumer: resume with `after`", "slow")
            )

    async def close(self, code: CloseCode, message: str, reason: str) -> None:
        """End the connection (once): a WebSocket closes with `code`; an SSE stream ends,
        with an error unless the server is going away."""
        if self.closed:
            return
        self.closed = True
        LIVE_CLOSED.labels(reason=reason).inc()
        if self.closer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.closer(int(code), message), timeout=5)
        else:
            if code is CloseCode.FORBIDDEN:
                self.end_error = ("UNAUTHENTICATED", message)
            self.ending.set()


@dataclass(eq=False)
class LiveContext(Context):
    """The context of a WebSocket connection or an SSE request; `live` is set once the
    connection is authenticated."""

    live: LiveConnection | None = None
    # the client's address, for the budget of unknown tokens (handoff.api.auth)
    address: str = ""


class LiveRuntime:
    """The process's live-update side: its hub, its streams, its open connections."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        tokens: TokenCache,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.tokens = tokens
        self.pool: AsyncConnectionPool | None = None
        self.limiter: RateLimiter | None = None
        self.hub: Hub | None = None
        self.streams: Streams | None = None
        self.connections: set[LiveConnection] = set()
        self._per_token: Counter[int | None] = Counter()  # connections held, by token id
        # and by budget (a person's tokens together, as for rate limits): the limit's count
        self._per_holder: Counter[str | None] = Counter()
        self.closing = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._watcher: asyncio.Task[None] | None = None

    # -- life cycle -------------------------------------------------------------------------

    def start(self, pool: AsyncConnectionPool, limiter: RateLimiter | None) -> None:
        """Called in the app's lifespan; the hub itself starts with the first subscriber."""
        self.pool, self.limiter = pool, limiter
        self.hub = Hub(
            pool,
            pool.conninfo
            if isinstance(pool.conninfo, str)
            else self.settings.require_database_url(),
            self.clock,
            queue_size=self.settings.live_queue_size,
            dispatch=self.settings.live_dispatch,
        )
        self.streams = Streams(self.hub, pool, self.clock)
        self._watcher = asyncio.create_task(self._watch_tokens(), name="live-token-watch")

    async def begin_shutdown(self) -> None:
        """Say goodbye: every WebSocket gets 1001 (going away), every SSE stream ends."""
        self.closing = True
        await asyncio.gather(
            *(
                c.close(CloseCode.GOING_AWAY, "server going away", "shutdown")
                for c in list(self.connections)
            )
        )

    async def stop(self) -> None:
        await self.begin_shutdown()
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.hub is not None:
            await self.hub.stop()
        for task in list(self._tasks):
            task.cancel()

    async def _goodbye_then(self, previous: Callable[[int, Any], Any], signum: int) -> None:
        try:
            await asyncio.wait_for(self.begin_shutdown(), GOODBYE_SECONDS)
        except TimeoutError:
            log.warning("live connections were still closing after %s s", GOODBYE_SECONDS)
        finally:
            previous(signum, None)

    def spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def install_signal_hook(self) -> Callable[[], None]:
        """On SIGTERM/SIGINT, close live connections before the server's own handler runs
        (uvicorn then closes what is left with 1012); returns the undo.

        The server's handler runs once the goodbyes are out (at most `GOODBYE_SECONDS`):
        run at once, uvicorn's next tick (within 0.1 s) could close a WebSocket with 1012
        before a busy process had sent its 1001. A second signal goes to it at once (a
        second Ctrl-C forces the exit)."""
        loop = asyncio.get_running_loop()
        installed: list[tuple[signal.Signals, Any]] = []
        signalled = False

        def wrap(previous: Callable[[int, Any], Any]) -> Callable[[int, Any], None]:
            def handler(signum: int, frame: Any) -> None:
                nonlocal signalled
                if signalled:
                    previous(signum, frame)
                    return
                signalled = True
                loop.call_soon_threadsafe(self.spawn, self._goodbye_then(previous, signum))

            return handler

        for sig in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(sig)
            if callable(previous):
                ours = wrap(previous)
                signal.signal(sig, ours)
                installed.append((sig, (previous, ours)))

        def undo() -> None:
            for sig, (previous, ours) in installed:
                if signal.getsignal(sig) is ours:
                    signal.signal(sig, previous)

        return undo

    # -- opening ----------------------------------------------------------------------------

    async def authenticate(self, token: str | None, address: str) -> Actor:
        assert self.pool is not None, "the app's lifespan starts the live runtime"
        return await authenticate(token, self.pool, self.tokens, self.clock.now(), address)

    async def spend(self, actor: Actor) -> None:
        """One request of the token's rate limit (RateLimited when it is spent)."""
        if self.limiter is not None and actor.budget_key is not None:
            await self.limiter.spend(actor.budget_key, False, self.clock.now())

    def admit(self, connection: LiveConnection) -> None:
        """Hold a connection: `Refused` past the process's or the token's limit, or while
        shutting down."""
        if self.closing:
            raise Refused(CloseCode.GOING_AWAY, "server going away", "shutdown")
        if len(self.connections) >= self.settings.live_max_connections:
            raise Refused(
                CloseCode.TRY_AGAIN_LATER,
                f"this server holds its maximum of {self.settings.live_max_connections} live "
                "connections; try again later",
                "server_full",
            )
        token_id, holder = connection.actor.token_id, connection.actor.budget_key
        held = self._per_holder[holder]
        if holder is not None and held >= self.settings.live_max_connections_per_token:
            raise Refused(
                CloseCode.TOO_MANY,
                f"{whose_budget(holder)} already "
                f"{'hold' if connection.actor.acts_as_person else 'holds'} {held} live "
                "connections on this server "
                f"(at most {self.settings.live_max_connections_per_token})",
                "too_many_connections",
            )
        self.connections.add(connection)
        self._per_token[token_id] += 1
        self._per_holder[holder] += 1
        LIVE_CONNECTIONS.labels(transport=connection.transport).inc()

    def release(self, connection: LiveConnection) -> None:
        if connection in self.connections:
            self.connections.discard(connection)
            token_id, holder = connection.actor.token_id, connection.actor.budget_key
            self._per_token[token_id] -= 1
            if not self._per_token[token_id]:
                del self._per_token[token_id]
            self._per_holder[holder] -= 1
            if not self._per_holder[holder]:
                del self._per_holder[holder]
            LIVE_CONNECTIONS.labels(transport=connection.transport).dec()

    async def open_ws(
        self,
        context: LiveContext,
        payload: dict[str, Any],
        closer: Callable[[int, str], Awaitable[None]],
    ) -> LiveConnection:
        """Authenticate a WebSocket's `connection_init` payload (`{"authorization":
        "Bearer …"}`) and hold the connection; `Refused` otherwise."""
        raw = payload.get("authorization", payload.get("Authorization", ""))
        try:
            actor = await self.authenticate(
                bearer(raw) if isinstance(raw, str) else None, context.address
            )
        except Unauthenticated as exc:
            raise Refused(
                CloseCode.FORBIDDEN, f"Forbidden: {exc.message}", "unauthenticated"
            ) from None
        except RateLimited as exc:
            raise Refused(CloseCode.TOO_MANY, exc.message, "rate_limited") from None
        try:
            await self.spend(actor)
        except RateLimited as exc:
            raise Refused(CloseCode.TOO_MANY, exc.message, "rate_limited") from None
        connection = LiveConnection("ws", actor, self, closer=closer)
        self.admit(connection)
        context.workspace_id = actor.workspace_id
        context.actor = actor
        context.live = connection
        bind(request_id=uuid.uuid4().hex, workspace_id=actor.workspace_id)
        return connection

    async def open_sse(self, actor: Actor, token_in_url: bool) -> LiveConnection:
        """Hold an SSE stream of an authenticated request; the API errors of HTTP
        (`Unauthenticated`, `RateLimited`) otherwise."""
        if token_in_url:
            await self._short_lived(actor)
        connection = LiveConnection("sse", actor, self)
        try:
            self.admit(connection)
        except Refused as exc:
            raise RateLimited(exc.message, 5, {"Retry-After": "5"}) from None
        return connection

    async def _short_lived(self, actor: Actor) -> None:
        """A token in a URL must expire soon: URLs end up in browser history and proxy logs."""
        assert self.pool is not None and actor.token_id is not None
        async with self.pool.connection() as conn:
            expires = await live_store.token_expiry(conn, actor.token_id)
        longest = timedelta(seconds=self.settings.live_url_token_max_seconds)
        if expires is None or expires > self.clock.now() + longest:
            raise Unauthenticated(
                f"a token in the URL (access_token) must expire within "
                f"{self.settings.live_url_token_max_seconds} s; create one with "
                "createPersonToken(expiresAt: …), or send the Authorization header"
            )

    # -- revocation -------------------------------------------------------------------------

    async def _watch_tokens(self) -> None:
        while True:
            await asyncio.sleep(TOKEN_CHECK_SECONDS)
            try:
                await self.check_tokens()
            except Exception as exc:  # a database hiccup must not end the watch
                log.warning("live updates: token check failed (%s)", type(exc).__name__)

    async def check_tokens(self) -> None:
        """Close the connections whose token was revoked or expired."""
        held = {token_id for token_id in self._per_token if token_id is not None}
        if not held or self.pool is None:
            return
        async with self.pool.connection() as conn:
            alive = await live_store.live_tokens(conn, sorted(held), self.clock.now())
        gone = held - alive
        for connection in list(self.connections):
            if connection.actor.token_id in gone:
                self.release(connection)
                await connection.close(
                    CloseCode.FORBIDDEN, "Forbidden: the token was revoked or expired", "revoked"
                )
