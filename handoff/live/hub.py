"""One hub per API process: reads the outbox once for all of the process's subscribers.

How an event reaches a subscriber:

1. The transaction that writes events also sends `NOTIFY handoff_events` (a trigger,
   migration 0009), delivered at its commit.
2. The hub's LISTEN connection wakes it. The hub whose LISTEN session holds the leader
   lock (one per database; another process takes over when its session ends) runs the
   outbox dispatcher (`storage.webhooks.dispatch_events` under `lock_dispatch`):
   serialized and idempotent, so it and the worker's 1 s tick may both run it, and the
   events get their outbox positions within milliseconds of the commit.
3. The dispatch's commit sends `NOTIFY handoff_outbox, '<last position>'` (a trigger on
   `outbox_cursor`); every hub reads the events after its position once, in outbox
   order, and offers each to the subscribers of its workspace.
4. Each subscriber has a bounded queue. One that falls `queue_size` events behind is
   dropped (`SlowConsumer`) instead of being buffered without bound; its client resumes
   with `after` and replays from PostgreSQL.

A subscriber's `start` is the hub's position when it registered: every event after it
reaches the queue, every event up to it is PostgreSQL's to replay, so a subscription
resuming from a cursor replays (after, start] and then switches to the queue, without a
gap or a duplicate.

Notifications only wake; the outbox is the truth. A lost LISTEN connection is opened
again (and the hub catches up), and every `poll_seconds` without a notification the hub
looks anyway (and a follower tries to become the leader).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable

import psycopg
from psycopg_pool import AsyncConnectionPool

from handoff.clock import Clock
from handoff.live.events import LiveEvent, from_row
from handoff.observability.metrics import LIVE_SLOW_CONSUMERS
from handoff.storage import live as store
from handoff.storage import webhooks as dispatcher

log = logging.getLogger(__name__)

READ_BATCH = 500
DISPATCH_BATCH = 1000
RECONNECT_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0)
REACH_SECONDS = 10.0
# how the LISTEN session shows in pg_stat_activity
APPLICATION_NAME = "handoff live hub"


class SlowConsumer(Exception):
    """The subscriber fell too far behind and was dropped; resume with `after`."""


class HubClosed(Exception):
    """The hub stopped: the process is shutting down."""


class Subscriber:
    """One subscription's place at the hub: a filter and a bounded queue."""

    __slots__ = (
        "_failure",
        "_items",
        "_wake",
        "accept",
        "limit",
        "on_drop",
        "start",
        "workspace_id",
    )

    def __init__(
        self,
        workspace_id: int,
        accept: Callable[[LiveEvent], bool],
        limit: int,
        on_drop: Callable[[], None] | None = None,
    ) -> None:
        self.workspace_id = workspace_id
        self.accept = accept
        self.limit = limit
        self.on_drop = on_drop
        self.start = 0
        self._items: deque[LiveEvent] = deque()
        self._wake = asyncio.Event()
        self._failure: Exception | None = None

    def offer(self, event: LiveEvent) -> bool:
        """Queue the event if the subscriber wants it; False when the queue is full."""
        if self._failure is not None or not self.accept(event):
            return True
        if len(self._items) >= self.limit:
            return False
        self._items.append(event)
        self._wake.set()
        return True

    def fail(self, error: Exception) -> None:
        """End the subscription: `get` raises `error` (queued events are discarded)."""
        if self._failure is None:
            self._failure = error
            self._items.clear()
            self._wake.set()

    async def get(self) -> LiveEvent:
        """The next event; raises the failure once the subscriber was dropped."""
        while True:
            if self._failure is not None:
                raise self._failure
            if self._items:
                return self._items.popleft()
            self._wake.clear()
            await self._wake.wait()

    @property
    def waiting(self) -> int:
        return len(self._items)


class Hub:
    """The process's one reader of the outbox; started by its first subscriber."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        database_url: str,
        clock: Clock,
        *,
        queue_size: int = 500,
        dispatch: bool = True,
        poll_seconds: float = 5.0,
        stop_seconds: float = 5.0,
    ) -> None:
        self.pool = pool
        self.stop_seconds = stop_seconds
        self.database_url = database_url
        self.clock = clock
        self.queue_size = queue_size
        self.dispatch = dispatch
        self.poll_seconds = poll_seconds
        self.position = 0
        self.leading = False  # this process dispatches when woken
        self._by_workspace: dict[int, set[Subscriber]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._closed = False
        self._start_lock = asyncio.Lock()
        self._listening = asyncio.Event()
        self._dispatch_wanted = asyncio.Event()
        self._read_wanted = asyncio.Event()
        self._advanced = asyncio.Event()  # set whenever the reader moved the position

    # -- subscribers ------------------------------------------------------------------------

    async def subscribe(
        self,
        workspace_id: int,
        accept: Callable[[LiveEvent], bool],
        on_drop: Callable[[], None] | None = None,
    ) -> Subscriber:
        """Register a subscriber; every event after its `start` reaches its queue.

        Everything committed before the call is positioned and read first, so `start` is
        "now": a stream without `after` gets exactly what commits after it subscribed.
        """
        await self.start()
        if self._closed:
            raise HubClosed("the server is shutting down")
        await self._reach_now()
        sub = Subscriber(workspace_id, accept, self.queue_size, on_drop)
        # no await between reading the position and joining: the reader moves the
        # position only after offering a batch to every registered subscriber
        sub.start = self.position
        self._by_workspace.setdefault(workspace_id, set()).add(sub)
        return sub

    async def _reach_now(self) -> None:
        """Dispatch what has committed, then wait until the reader got to the end of it."""
        try:
            if self.dispatch:
                await self.dispatch_now()
            async with self.pool.connection() as conn:
                target = await store.last_position(conn)
        except psycopg.Error as exc:
            log.warning("live updates: could not look at the outbox (%s)", type(exc).__name__)
            return
        async with asyncio.timeout(REACH_SECONDS):
            while self.position < target:
                self._advanced.clear()
                self._read_wanted.set()
                await self._advanced.wait()

    def unsubscribe(self, sub: Subscriber) -> None:
        subs = self._by_workspace.get(sub.workspace_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._by_workspace[sub.workspace_id]

    @property
    def subscribers(self) -> int:
        return sum(len(s) for s in self._by_workspace.values())

    def offer(self, events: Iterable[LiveEvent]) -> None:
        """Hand events (in outbox order) to their workspaces' subscribers."""
        for event in events:
            subs = self._by_workspace.get(event.workspace_id)
            if not subs:
                continue
            for sub in tuple(subs):
                if not sub.offer(event):
                    self._drop(sub)

    def _drop(self, sub: Subscriber) -> None:
        self.unsubscribe(sub)
        LIVE_SLOW_CONSUMERS.inc()
        sub.fail(SlowConsumer(f"more than {sub.limit} events waited; resume with `after`"))
        if sub.on_drop is not None:
            sub.on_drop()

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen, learn the current position, then run (once; later calls return)."""
        if self._started:
            return
        async with self._start_lock:
            if self._started or self._closed:
                return
            listener = asyncio.create_task(self._listen_loop(), name="live-hub-listen")
            self._tasks.append(listener)
            # listening before the position is read: nothing committed after it is missed
            waiting = asyncio.ensure_future(self._listening.wait())
            await asyncio.wait({waiting, listener}, timeout=30, return_when="FIRST_COMPLETED")
            if not self._listening.is_set():
                waiting.cancel()
                await self._stop_tasks()
                raise HubClosed("could not LISTEN on PostgreSQL")
            async with self.pool.connection() as conn:
                self.position = await store.last_position(conn)
            self._tasks += [
                asyncio.create_task(self._dispatch_loop(), name="live-hub-dispatch"),
                asyncio.create_task(self._read_loop(), name="live-hub-read"),
            ]
            self._dispatch_wanted.set()
            self._started = True

    async def stop(self) -> None:
        """Stop reading; every subscriber's `get` raises `HubClosed`."""
        self._closed = True
        await self._stop_tasks()
        for subs in list(self._by_workspace.values()):
            for sub in list(subs):
                sub.fail(HubClosed("the server is shutting down"))
        self._by_workspace.clear()

    async def _stop_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()
        # bounded: a loop stuck where cancelling does not reach (a statement PostgreSQL
        # does not answer) must not hold up the shutdown of the whole process
        if self._tasks:
            done, stuck = await asyncio.wait(self._tasks, timeout=self.stop_seconds)
            for task in done:
                if not task.cancelled():
                    task.exception()  # retrieved: the loop ended; its error is not news
            for task in stuck:
                log.warning("live updates: %s did not stop in time", task.get_name())
        self._tasks = []

    # -- the loops --------------------------------------------------------------------------

    async def _listen_loop(self) -> None:
        failures = 0
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.database_url, autocommit=True, application_name=APPLICATION_NAME
                )
                async with conn:
                    await store.listen(conn)
                    failures = 0
                    self._listening.set()
                    while True:
                        if not self.leading:
                            self.leading = await store.try_lead(conn)
                        # whatever happened while nobody listened, or went unnoticed
                        self._dispatch_wanted.set()
                        self._read_wanted.set()
                        async for note in conn.notifies(timeout=self.poll_seconds):
                            self._notified(note.channel)
            except (psycopg.Error, OSError) as exc:
                self.leading = False
                delay = RECONNECT_SECONDS[min(failures, len(RECONNECT_SECONDS) - 1)]
                failures += 1
                log.warning(
                    "live updates: LISTEN connection lost (%s); again in %.1f s",
                    type(exc).__name__,
                    delay,
                )
                await asyncio.sleep(delay)

    def _notified(self, channel: str) -> None:
        if channel == store.EVENTS_CHANNEL:
            self._dispatch_wanted.set()
        elif channel == store.OUTBOX_CHANNEL:
            self._read_wanted.set()

    async def _dispatch_loop(self) -> None:
        while True:
            await self._dispatch_wanted.wait()
            self._dispatch_wanted.clear()
            if not (self.dispatch and self.leading):
                continue
            try:
                if await self.dispatch_now():
                    self._read_wanted.set()
            except psycopg.Error as exc:
                log.warning("live updates: dispatch failed (%s)", type(exc).__name__)
                await asyncio.sleep(1.0)

    async def dispatch_now(self) -> int:
        """Give every committed, undispatched event its outbox position; how many got one."""
        moved = 0
        while True:
            async with self.pool.connection() as conn, conn.transaction():
                await dispatcher.lock_dispatch(conn, wait=True)
                result = await dispatcher.dispatch_events(conn, self.clock.now(), DISPATCH_BATCH)
            moved += result.events
            if result.events < DISPATCH_BATCH:
                return moved

    async def _read_loop(self) -> None:
        while True:
            await self._read_wanted.wait()
            self._read_wanted.clear()
            try:
                await self.catch_up()
            except psycopg.Error as exc:
                log.warning("live updates: reading the outbox failed (%s)", type(exc).__name__)
                await asyncio.sleep(1.0)
                self._read_wanted.set()

    async def catch_up(self) -> None:
        """Read and offer every event after the hub's position, in outbox order."""
        while True:
            async with self.pool.connection() as conn:
                found = await store.after_position(conn, self.position, READ_BATCH)
            if not found:
                return
            events = [from_row(row) for row in found]
            self.offer(events)
            self.position = events[-1].position
            self._advanced.set()
            if len(found) < READ_BATCH:
                return
