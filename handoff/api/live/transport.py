"""graphql-transport-ws and SSE on `/graphql`: the router's live-update side.

WebSocket (`graphql-transport-ws`, what the `graphql-ws` client speaks):

- the token comes in `connection_init`'s payload, `{"authorization": "Bearer …"}`; a bad,
  revoked or expired one closes the socket with 4403; over the token's connection or rate
  limit with 4029;
- each `subscribe` spends one request of the token's rate limit and counts against
  `live_max_subscriptions_per_connection`; over either, that operation gets an `error`
  message (RATE_LIMITED) and the connection stays;
- the server sends `{"type": "ping"}` every `live_keepalive_seconds`; a connection that
  has sent nothing (not even the `pong`), or has had no subscription, for
  `live_idle_timeout_seconds` is closed with 1000;
- WebSockets carry subscriptions only: queries and mutations go over HTTP, where their
  rate limits and metrics apply.

SSE (`Accept: text/event-stream`, strawberry's "graphql-sse" single-connection mode):
the `Authorization` header as for any request, or for EventSource (which cannot send
headers) a short-lived token in `access_token`; a comment line at once (the response
starts before the first event) and every `live_keepalive_seconds`. A message whose
selection has its `cursor` carries it as the event's `id`, so EventSource's reconnect
(with `Last-Event-ID`) resumes where it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any

from graphql import GraphQLError
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from strawberry.fastapi import GraphQLRouter
from strawberry.http.streaming import SSETransport
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
    SubscribeMessage,
)

from handoff.api.auth import bearer
from handoff.api.context import Context
from handoff.api.errors import ErrorCode
from handoff.api.extensions import RETRY_AFTER_SECONDS
from handoff.api.live.connections import (
    CloseCode,
    LiveConnection,
    LiveContext,
    LiveRuntime,
    Refused,
)
from handoff.api.ratelimit import RateLimited
from handoff.observability.metrics import LIVE_CLOSED

log = logging.getLogger(__name__)
PROTOCOLS = (GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL)
URL_TOKEN = "access_token"
# where get_context leaves an SSE request's LiveConnection in the ASGI scope
LIVE_KEY = "handoff.live"


def wants_sse(connection: HTTPConnection) -> bool:
    """An HTTP request for a text/event-stream response (a subscription over SSE)."""
    accept = connection.headers.get("accept", "")
    return connection.scope["type"] == "http" and any(
        part.split(";", 1)[0].strip().lower() == "text/event-stream" for part in accept.split(",")
    )


def sse_token(request: HTTPConnection) -> tuple[str | None, bool]:
    """The bearer token of an SSE request and whether it came in the URL (EventSource)."""
    token = bearer(request.headers.get("authorization", ""))
    if token is None and request.scope.get("method") == "GET":
        token = request.query_params.get(URL_TOKEN) or None
        return token, token is not None
    return token, False


def _error(message: str, code: ErrorCode) -> dict[str, Any]:
    return GraphQLError(message, extensions={"code": code.value}).formatted  # type: ignore[return-value]


class LiveWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """strawberry's graphql-transport-ws handler with our authentication, limits,
    keep-alive pings and idle timeout."""

    connection: LiveConnection | None = None
    keepalive: asyncio.Task[None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_heard = self.quiet_since = time.monotonic()

    @property
    def runtime(self) -> LiveRuntime:
        runtime: LiveRuntime = self.view.live_runtime  # type: ignore[attr-defined]
        return runtime

    async def handle_message(self, message: Message) -> None:
        self.last_heard = time.monotonic()
        problem = _malformed(message)
        if problem is not None:  # strawberry would fail on it with a TypeError
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload") or {}
        if not isinstance(payload, dict):
            await self.websocket.close(code=4400, reason="Invalid connection init payload")
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        assert isinstance(self.context, LiveContext)
        try:
            self.connection = await self.runtime.open_ws(
                self.context, payload, self.websocket.close
            )
        except Refused as refused:
            LIVE_CLOSED.labels(reason=refused.reason).inc()
            await self.websocket.close(code=int(refused.code), reason=refused.message[:120])
            return
        except Exception:  # PostgreSQL away, a bug: the client may retry
            log.exception("live updates: connection_init failed")
            await self.websocket.close(code=1011, reason="Internal error")
            return
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        self.quiet_since = time.monotonic()
        self.keepalive = asyncio.create_task(self._keepalive())

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection is not None and message["id"] not in self.operations:
            limit = self.runtime.settings.live_max_subscriptions_per_connection
            problem = None
            if len(self.operations) >= limit:
                problem = f"at most {limit} subscriptions per connection"
            else:
                try:
                    await self.runtime.spend(self.connection.actor)
                except RateLimited as exc:
                    problem = exc.message
            if problem is not None:
                error = _error(problem, ErrorCode.RATE_LIMITED)
                refusal: Any = {"id": message["id"], "type": "error", "payload": [error]}
                await self.send_message(refusal)
                return
        await super().handle_subscribe(message)

    async def shutdown(self) -> None:
        if self.keepalive is not None:
            self.keepalive.cancel()
        await super().shutdown()
        if self.connection is not None:
            self.runtime.release(self.connection)

    async def _keepalive(self) -> None:
        settings = self.runtime.settings
        assert self.connection is not None
        while not self.connection.closed:
            await asyncio.sleep(settings.live_keepalive_seconds)
            now = time.monotonic()
            if self.operations:
                self.quiet_since = now
            silent = now - self.last_heard
            unused = now - self.quiet_since
            if max(silent, unused) > settings.live_idle_timeout_seconds:
                why = "idle: no subscription" if unused > silent else "idle: nothing heard"
                await self.connection.close(CloseCode.IDLE, why, "idle")
                return
            with contextlib.suppress(Exception):
                await self.send_message({"type": "ping"})


def _malformed(message: object) -> str | None:
    """What is wrong with a graphql-transport-ws message's shape (None: nothing)."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "a message is a JSON object with a string `type`"
    if message["type"] in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return f"`{message['type']}` needs a string `id`"
    if message["type"] == "subscribe":
        payload = message.get("payload")
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            return "`subscribe` needs a payload object with a string `query`"
        for key in ("variables", "extensions"):
            if not isinstance(payload.get(key), dict | None):
                return f"`subscribe` payload's `{key}` must be an object or null"
        if not isinstance(payload.get("operationName"), str | None):
            return "`subscribe` payload's `operationName` must be a string or null"
    return None


def sse_transport(heartbeat: float) -> type[SSETransport]:
    """strawberry's SSE transport with our keep-alive interval."""

    class Transport(SSETransport):
        # a ping comment at once: the response (its status and headers) is on its way
        # before the first event, so a client knows it subscribed (EventSource's `open`)
        send_initial_heartbeat = True

        def __init__(self) -> None:
            super().__init__(heartbeat_interval=heartbeat)

        def encode_next(self, response: Any, encode_json: Callable[[object], str]) -> str:
            event = super().encode_next(response, encode_json)
            cursor = _cursor_of(response)
            return event if cursor is None else f"id: {cursor}\n{event}"

    return Transport


class LiveRouter(GraphQLRouter[Context, None]):
    """strawberry's FastAPI router with our live-update side (`configure_live` wires it)."""

    live_runtime: LiveRuntime
    graphql_transport_ws_handler_class = LiveWSHandler

    def configure_live(self, runtime: LiveRuntime) -> None:
        self.live_runtime = runtime
        self.stream_transport_classes_by_protocol = {
            GRAPHQL_SSE_PROTOCOL: sse_transport(runtime.settings.live_keepalive_seconds)
        }

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        """Release an SSE request's connection unless a stream took it over."""
        try:
            return await super().run(request, context=context, root_value=root_value)
        finally:
            live = getattr(context, "live", None)
            if isinstance(live, LiveConnection) and live.transport == "sse" and not live.streaming:
                self.live_runtime.release(live)

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """As strawberry's, but an answer PostgreSQL's absence spoiled is a 503 with
        Retry-After, as the POST path gives (a GET that got past authentication)."""
        answers = response_data if isinstance(response_data, list) else [response_data]
        code = ErrorCode.SERVICE_UNAVAILABLE.value
        if any(
            (e.get("extensions") or {}).get("code") == code
            for a in answers
            for e in a.get("errors") or ()
        ):
            sub_response.status_code = 503
            sub_response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
        return super().create_response(response_data, sub_response)

    async def create_streaming_response(
        self,
        request: Request,
        stream: Callable[[], AsyncIterator[str]],
        sub_response: Response,
        headers: Mapping[str, str],
    ) -> Response:
        live = request.scope.get(LIVE_KEY)
        if isinstance(live, LiveConnection):
            live.streaming = True
            stream = _until_ended(stream, live)
        return await super().create_streaming_response(request, stream, sub_response, headers)


def _until_ended(
    stream: Callable[[], AsyncIterator[str]], live: LiveConnection
) -> Callable[[], AsyncIterator[str]]:
    """The SSE stream, cut short when the server ends the connection (shutdown, a revoked
    token); the connection is released when it ends."""
    transport = sse_transport(live.runtime.settings.live_keepalive_seconds)()

    async def until_ended() -> AsyncGenerator[str, None]:
        source = stream()
        ending = asyncio.ensure_future(live.ending.wait())
        chunk: asyncio.Future[str] | None = None
        try:
            while True:
                chunk = asyncio.ensure_future(anext(source))
                await asyncio.wait({chunk, ending}, return_when=asyncio.FIRST_COMPLETED)
                if chunk.done():
                    try:
                        yield chunk.result()
                    except StopAsyncIteration:
                        return
                    continue
                chunk.cancel()
                with contextlib.suppress(BaseException):
                    await chunk
                if live.end_error is not None:
                    code, message = live.end_error
                    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
                    yield transport.encode_next(body, _json)  # type: ignore[arg-type]
                    yield transport.encode_complete()
                return
        finally:
            ending.cancel()
            # A client that went away leaves the source's next chunk pending: it must end
            # before the source can close, or the source (and its hub subscriber) lives on.
            if chunk is not None and not chunk.done():
                chunk.cancel()
                with contextlib.suppress(BaseException):
                    await chunk
            aclose = getattr(source, "aclose", None)
            if aclose is not None:
                with contextlib.suppress(BaseException):
                    await aclose()
            live.runtime.release(live)

    return until_ended


def _cursor_of(response: Any) -> str | None:
    """The `cursor` of a subscription message (one root field), if it was selected."""
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict) or len(data) != 1:
        return None
    (value,) = data.values()
    cursor = value.get("cursor") if isinstance(value, dict) else None
    # our cursors are URL-safe base64; anything else must not reach an SSE field
    if isinstance(cursor, str) and cursor.isascii() and cursor.isprintable() and cursor:
        return cursor
    return None


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
