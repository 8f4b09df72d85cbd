"""The streams subscriptions read: replay from PostgreSQL, then the hub's queue.

Each stream registers with the hub first (so every later event reaches its queue), then
replays `(after, start]` from the outbox when it resumes from a cursor (or reads the
state it starts from when it does not), then follows its queue: no gap, no duplicate.

Validation (`check_after`, rights, unknown IDs) happens before a stream starts, so a
client gets an error instead of a stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from handoff.clock import Clock
from handoff.live.events import AVAILABILITY, LiveEvent, from_row, visible, visible_handoff
from handoff.live.hub import Hub, Subscriber
from handoff.live.inbox import InboxChangeKind, InboxEdge, InboxTracker
from handoff.services.errors import Invalid
from handoff.services.rights import Actor
from handoff.storage import handoffs as handoff_store
from handoff.storage import live as store
from handoff.storage.models import Handoff

REPLAY_PAGE = 500


class CursorExpired(Exception):
    """`after` is older than the replay retention: start afresh (and re-read state)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def check_after(
    pool: AsyncConnectionPool, clock: Clock, retention: timedelta, position: int
) -> None:
    """Refuse a cursor ahead of the outbox (`Invalid`) or older than `retention`."""
    async with pool.connection() as conn:
        last = await store.last_position(conn)
        at = await store.dispatched_at(conn, position)
    if position > last:
        raise Invalid("after", "not a cursor of this server's outbox (it is ahead of it)")
    if at is not None and at < clock.now() - retention:
        hours = retention.total_seconds() / 3600
        raise CursorExpired(
            f"the cursor is older than the {hours:g} h that can be replayed; subscribe "
            "without `after` and read the current state with queries"
        )


async def replay(
    pool: AsyncConnectionPool,
    ws: int,
    after: int,
    upto: int,
    *,
    types: Sequence[str] | None = None,
    handoff_id: int | None = None,
) -> AsyncIterator[LiveEvent]:
    """A workspace's events in (after, upto], in outbox order, a page at a time."""
    while after < upto:
        async with pool.connection() as conn:
            found = await store.replay(
                conn, ws, after, upto, REPLAY_PAGE, types=types, handoff_id=handoff_id
            )
        if not found:
            return
        for row in found:
            yield from_row(row)
        after = int(found[-1]["position"])
        if len(found) < REPLAY_PAGE:
            return


@dataclass
class Streams:
    """What every stream needs: the hub, a pool and the clock."""

    hub: Hub
    pool: AsyncConnectionPool
    clock: Clock

    async def _follow(
        self,
        ws: int,
        accept: Callable[[LiveEvent], bool],
        after: int | None,
        on_drop: Callable[[], None] | None,
        **replay_filter: Any,
    ) -> AsyncIterator[tuple[Subscriber, LiveEvent | None]]:
        """(subscriber, None) once registered, then every accepted event: replayed ones
        (with `after`), then live ones."""
        sub = await self.hub.subscribe(ws, accept, on_drop)
        try:
            yield sub, None
            if after is not None:
                async for event in replay(self.pool, ws, after, sub.start, **replay_filter):
                    if accept(event):
                        yield sub, event
            while True:
                yield sub, await sub.get()
        finally:
            self.hub.unsubscribe(sub)

    async def events(
        self,
        actor: Actor,
        types: frozenset[str] | None,
        after: int | None,
        on_drop: Callable[[], None] | None = None,
    ) -> AsyncIterator[LiveEvent]:
        """The workspace's events (of `types`), as webhooks carry them, in outbox order."""

        def accept(event: LiveEvent) -> bool:
            return (types is None or event.type in types) and visible(actor, event)

        chosen = sorted(types) if types is not None else None
        async for _, event in self._follow(
            actor.workspace_id, accept, after, on_drop, types=chosen
        ):
            if event is not None:
                yield event

    async def handoff(
        self,
        actor: Actor,
        handoff_id: int,
        after: int | None,
        on_drop: Callable[[], None] | None = None,
    ) -> AsyncIterator[HandoffChange]:
        """One handoff's changes; without `after`, first the handoff as it is."""

        def accept(event: LiveEvent) -> bool:
            touched = event.handoffs.get(handoff_id)
            return touched is not None and visible_handoff(actor, touched)

        ws = actor.workspace_id
        async for sub, event in self._follow(ws, accept, after, on_drop, handoff_id=handoff_id):
            if event is None:
                if after is None:
                    async with self.pool.connection() as conn:
                        current = await handoff_store.get(conn, ws, handoff_id)
                    if current is not None:
                        yield HandoffChange.of_model(current, sub.start)
                continue
            yield HandoffChange.of_event(event, handoff_id)

    async def inbox(
        self,
        actor: Actor,
        person_id: int,
        after: int | None,
        on_drop: Callable[[], None] | None = None,
    ) -> AsyncIterator[InboxEdge]:
        """Changes of a person's inbox; without `after`, first the inbox as it is."""
        tracker: InboxTracker | None = None

        def accept(event: LiveEvent) -> bool:
            return bool(event.handoffs)

        ws = actor.workspace_id
        async for sub, event in self._follow(ws, accept, after, on_drop):
            if event is None:
                if after is not None:
                    tracker = InboxTracker(person_id, actor, None)
                    continue
                # a person token watching another person's inbox sees only what it sent
                sender = actor.person_id if actor.person_id not in (None, person_id) else None
                async with self.pool.connection() as conn:
                    current = await store.inbox_ids(conn, ws, person_id, sender)
                tracker = InboxTracker(person_id, actor, {hid for hid, _ in current})
                for hid, delivered_at in current:
                    yield InboxEdge(InboxChangeKind.ADDED, hid, sub.start, delivered_at)
                continue
            assert tracker is not None
            for edge in tracker.apply(event):
                yield edge

    async def availability(self, ws: int, person_ids: frozenset[int]) -> Subscriber:
        """A subscriber to the availability changes of some people (for reachability)."""

        def accept(event: LiveEvent) -> bool:
            return event.type in AVAILABILITY and event.person_id in person_ids

        return await self.hub.subscribe(ws, accept)


@dataclass(frozen=True, slots=True)
class HandoffChange:
    """A handoff as one event (or, first, the database) shows it."""

    handoff_id: int
    position: int
    event_type: str | None
    at: datetime
    status: str
    deliver_at: datetime | None
    respond_by: datetime | None
    explanation: list[str]

    @classmethod
    def of_model(cls, h: Handoff, position: int) -> HandoffChange:
        return cls(
            h.id,
            position,
            None,
            h.updated_at,
            h.status,
            h.deliver_at,
            h.respond_by,
            list(h.explanation),
        )

    @classmethod
    def of_event(cls, event: LiveEvent, handoff_id: int) -> HandoffChange:
        data = event.handoffs[handoff_id].data
        status = str(data.get("status") or "")
        if event.type == "digest.delivered":
            status = "DELIVERED"
        return cls(
            handoff_id,
            event.position,
            event.type,
            event.occurred_at,
            status,
            _instant(data.get("deliverAt")),
            _instant(data.get("respondBy")),
            [str(line) for line in data.get("explanation") or []],
        )


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
