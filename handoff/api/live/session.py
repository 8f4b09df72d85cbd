"""What a subscription resolver needs from its connection, and how its stream is sent.

`session(info)` is the authenticated live connection behind a resolver (subscriptions
run only over WebSocket or SSE); `relay` turns a `handoff.live` stream into GraphQL
values, counts them, gives every message fresh DataLoaders (a subscription lives for
hours; a loader's cache would go stale) and turns the stream's failures into coded
errors.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.api.live.connections import LiveConnection, LiveContext, LiveRuntime
from handoff.api.types.common import Info
from handoff.live.events import decode_cursor
from handoff.live.hub import HubClosed, SlowConsumer
from handoff.live.streams import CursorExpired, Streams, check_after
from handoff.observability.metrics import LIVE_MESSAGES, LIVE_SUBSCRIPTIONS
from handoff.services.errors import Invalid
from handoff.services.rights import Actor

T = TypeVar("T")
R = TypeVar("R")


class NotLive(ApiError):
    """A subscription sent as a plain HTTP request."""

    code = ErrorCode.BAD_REQUEST


class CursorTooOld(ApiError):
    code = ErrorCode.CURSOR_EXPIRED


class TooSlow(ApiError):
    code = ErrorCode.SLOW_CONSUMER


@dataclass(frozen=True)
class Session:
    """An authenticated live connection, as a resolver sees it."""

    context: LiveContext
    connection: LiveConnection

    @property
    def runtime(self) -> LiveRuntime:
        return self.connection.runtime

    @property
    def actor(self) -> Actor:
        return self.connection.actor

    @property
    def streams(self) -> Streams:
        assert self.runtime.streams is not None
        return self.runtime.streams

    async def after(self, cursor: str | None) -> int | None:
        """The outbox position of an `after` cursor, checked against the retention; an
        SSE stream resumes after its client's Last-Event-ID when that is later (EventSource
        reconnects with the URL it was opened with, so its `after` may be the older one)."""
        field = "after"
        position = None if cursor is None else decode_cursor(cursor, field)
        header = self.connection.last_event_id
        if header is not None:
            resumed = decode_cursor(header, "Last-Event-ID")
            if position is None or resumed > position:
                position, field = resumed, "Last-Event-ID"
        if position is None:
            return None
        assert self.runtime.pool is not None
        retention = timedelta(hours=self.runtime.settings.live_retention_hours)
        try:
            await check_after(self.runtime.pool, self.runtime.clock, retention, position)
        except CursorExpired as exc:
            raise CursorTooOld(exc.message, field) from None
        except Invalid as exc:  # ahead of the outbox: name what the client sent
            exc.field = field
            raise
        return position


def session(info: Info) -> Session:
    """The live connection behind a subscription resolver."""
    context = info.context
    if isinstance(context, LiveContext) and context.live is not None:
        return Session(context, context.live)
    raise NotLive(
        "subscriptions run over a WebSocket (graphql-transport-ws) or SSE "
        "(send `Accept: text/event-stream`)"
    )


async def relay(
    live: Session, field: str, items: AsyncIterator[T], wrap: Callable[[T], R]
) -> AsyncGenerator[R, None]:
    """The stream's items as GraphQL values, until the client leaves or the server ends
    it (shutdown ends it quietly; a dropped slow consumer gets SLOW_CONSUMER)."""
    LIVE_SUBSCRIPTIONS.labels(field=field).inc()
    messages = LIVE_MESSAGES.labels(field=field)
    try:
        async for item in items:
            live.context.loaders.clear()
            yield wrap(item)
            messages.inc()
    except SlowConsumer as exc:
        raise TooSlow(str(exc)) from None
    except HubClosed:
        return
    finally:
        LIVE_SUBSCRIPTIONS.labels(field=field).dec()
        aclose = getattr(items, "aclose", None)
        if aclose is not None:
            await aclose()
