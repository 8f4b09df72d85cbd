"""Helpers for the live-update tests (no tests here): the app served by a real uvicorn on
127.0.0.1, a graphql-transport-ws client (the `websockets` package) and an SSE client
(httpx streaming)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from handoff.api.app import create_app
from handoff.clock import ManualClock
from handoff.settings import Settings

WAIT = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """The app on a real socket."""

    app: FastAPI
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/graphql"

    @property
    def hub_subscribers(self) -> int:
        hub = self.app.state.live.hub
        return 0 if hub is None else hub.subscribers

    async def wait_subscribers(self, n: int) -> None:
        await until(lambda: self.hub_subscribers >= n, f"{n} subscribers at the hub")


@contextlib.asynccontextmanager
async def serve(settings: Settings, clock: ManualClock) -> AsyncIterator[Served]:
    """`create_app(settings, clock)` behind uvicorn in this event loop (same clock)."""
    app = create_app(settings, clock=clock)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    await until(lambda: server.started or task.done(), "uvicorn started")
    if task.done():
        task.result()
    try:
        yield Served(app, port)
    finally:
        server.should_exit = True
        await task


async def until(check: Any, what: str, limit: float = WAIT) -> None:
    deadline = time.monotonic() + limit
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit} s")
        await asyncio.sleep(0.01)


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass
class WS:
    """A graphql-transport-ws client on one connection."""

    conn: ClientConnection
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    pings: int = 0

    async def subscribe(self, op_id: str, query: str, variables: dict | None = None) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})

    async def send(self, message: dict[str, Any]) -> None:
        await self.conn.send(json.dumps(message))

    async def complete(self, op_id: str) -> None:
        await self.send({"id": op_id, "type": "complete"})

    async def _receive(self, limit: float) -> dict[str, Any]:
        try:
            raw = await asyncio.wait_for(self.conn.recv(), limit)
        except ConnectionClosed as closed:
            rcvd = closed.rcvd
            raise Closed(rcvd.code if rcvd else None, rcvd.reason if rcvd else "") from None
        message: dict[str, Any] = json.loads(raw)
        if message["type"] == "ping":
            self.pings += 1
            await self.send({"type": "pong"})
        return message

    async def next(self, op_id: str, limit: float = WAIT) -> dict[str, Any]:
        """The next message (next, error or complete) of one operation."""
        deadline = time.monotonic() + limit
        while not self.pending.get(op_id):
            message = await self._receive(max(0.01, deadline - time.monotonic()))
            if "id" in message:
                self.pending.setdefault(message["id"], []).append(message)
        return self.pending[op_id].pop(0)

    async def data(self, op_id: str, limit: float = WAIT) -> dict[str, Any]:
        """The `data` of the operation's next `next` message (fails on anything else)."""
        message = await self.next(op_id, limit)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]

    async def nothing(self, op_id: str, within: float = 0.5) -> None:
        """No message for the operation within `within` seconds."""
        with contextlib.suppress(TimeoutError):
            message = await self.next(op_id, within)
            raise AssertionError(f"unexpected message {message}")

    async def closed(self, limit: float = WAIT) -> Closed:
        """Read until the server closes the connection; its code and reason."""
        deadline = time.monotonic() + limit
        while True:
            try:
                await self._receive(max(0.01, deadline - time.monotonic()))
            except Closed as closed:
                return closed


@contextlib.asynccontextmanager
async def ws_client(
    url: str, token: str | None, *, init: dict | None = None, ack: bool = True
) -> AsyncIterator[WS]:
    """A connection that sent connection_init (with the token) and, with `ack`, got the ack."""
    async with connect(url, subprotocols=["graphql-transport-ws"], ping_interval=None) as conn:  # type: ignore[list-item]
        client = WS(conn)
        payload = init if init is not None else {"authorization": f"Bearer {token}"}
        await client.send({"type": "connection_init", "payload": payload})
        if ack:
            message = await client._receive(WAIT)
            assert message == {"type": "connection_ack"}, message
        yield client


@dataclass
class SSE:
    """An SSE response read event by event."""

    response: httpx.Response
    lines: AsyncIterator[str]
    last_id: str | None = None  # the last event `id`, as EventSource keeps it

    async def event(self, limit: float = WAIT) -> tuple[str, Any]:
        """(event name, decoded data) of the next event; comments are skipped."""
        name, data = "", ""
        async with asyncio.timeout(limit):
            while True:
                line = await anext(self.lines)
                if line.startswith(":"):
                    continue
                if line.startswith("id:"):
                    self.last_id = line.removeprefix("id:").strip()
                elif line.startswith("event:"):
                    name = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data = line.removeprefix("data:").strip()
                elif line == "" and name:
                    return name, json.loads(data) if data else None

    async def data(self, limit: float = WAIT) -> dict[str, Any]:
        name, body = await self.event(limit)
        assert name == "next", (name, body)
        assert "errors" not in body, body
        return body["data"]


@contextlib.asynccontextmanager
async def sse_client(
    base: str,
    query: str,
    variables: dict | None = None,
    token: str | None = None,
    *,
    in_url: bool = False,
    last_event_id: str | None = None,
) -> AsyncIterator[SSE]:
    """A subscription over SSE: POST with the Authorization header, or (`in_url`) a GET
    the way EventSource sends it, the token in `access_token` (and, reconnecting, the
    `Last-Event-ID` header)."""
    async with httpx.AsyncClient(base_url=base, timeout=httpx.Timeout(30.0)) as http:
        headers = {"Accept": "text/event-stream"}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        if in_url:
            params = {"query": query, "variables": json.dumps(variables or {})}
            if token:
                params["access_token"] = token
            request = http.build_request("GET", "/graphql", params=params, headers=headers)
        else:
            if token:
                headers["Authorization"] = f"Bearer {token}"
            body = {"query": query, "variables": variables or {}}
            request = http.build_request("POST", "/graphql", json=body, headers=headers)
        response = await http.send(request, stream=True)
        try:
            yield SSE(response, response.aiter_lines())
        finally:
            await response.aclose()
