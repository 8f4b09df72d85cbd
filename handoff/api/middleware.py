"""The ASGI middlewares around the app, outermost first as `create_app` adds them:

- `BodyLimit`: refuse request bodies over the limit with 413 before reading them whole;
- `RequestContextMiddleware`: a request id per request (echoed in `X-Request-ID`),
  bound for every log line, and one access line per request;
- `MetricsMiddleware`: request counts and latency by GraphQL operation name.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi.responses import JSONResponse

from handoff.observability.logging import bind
from handoff.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def graphql_error(message: str, code: str, status: int) -> JSONResponse:
    """A GraphQL-shaped error body for failures before GraphQL runs."""
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
    )


class BodyLimit:
    """Refuse request bodies larger than the limit with 413, before reading them whole."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or {}).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Any:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = graphql_error(
            f"request body larger than {self.max_bytes} bytes", "REQUEST_TOO_LARGE", 413
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_logger = logging.getLogger("handoff.access")


class RequestContextMiddleware:
    """ASGI middleware: a request id for every HTTP request, echoed in `X-Request-ID`.

    The id comes from the client's `X-Request-ID` header when it is a sane token, else
    a fresh one is generated. It is bound (with an empty workspace, which the auth step
    fills in with `bind(workspace_id=...)`) for everything the request logs, and one
    access line per request is logged (method, path without query string, status, ms).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope.get("headers", []):
            if name.lower() == b"x-request-id":
                candidate = value.decode("latin-1").strip()
                if _VALID_REQUEST_ID.match(candidate):
                    request_id = candidate
                break
        if request_id is None:
            request_id = uuid.uuid4().hex
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        with bind(request_id=request_id, workspace_id=None):
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                access_logger.info(
                    "%s %s %s",
                    scope.get("method", "?"),
                    scope.get("path", "?"),
                    status,
                    extra={"duration_ms": round((time.perf_counter() - start) * 1000, 2)},
                )


_OPERATION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_FIRST_OPERATION = re.compile(
    r"^\s*(?:#[^\n]*\n\s*)*(query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)"
)
# Bound label cardinality: clients choose operation names, so cap the distinct ones.
MAX_OPERATION_LABELS = 200
# Bodies larger than this are passed through without looking for the operation name.
MAX_PARSED_BODY = 1_000_000


def operation_name(body: bytes | None, query_string: bytes = b"") -> str:
    """The GraphQL operation name of a request, `anonymous` when it has none."""
    name: str | None = None
    query: str | None = None
    if body:
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return "invalid"
        if isinstance(payload, list):
            return "batch"
        if isinstance(payload, dict):
            raw_name = payload.get("operationName")
            name = raw_name if isinstance(raw_name, str) else None
            raw_query = payload.get("query")
            query = raw_query if isinstance(raw_query, str) else None
    elif query_string:
        from urllib.parse import parse_qs

        params = parse_qs(query_string.decode("latin-1"))
        name = next(iter(params.get("operationName", [])), None)
        query = next(iter(params.get("query", [])), None)
    if not name and query:
        match = _FIRST_OPERATION.match(query)
        if match:
            name = match.group(2)
    if not name:
        return "anonymous"
    return name if _OPERATION_NAME.match(name) else "invalid"


class MetricsMiddleware:
    """ASGI middleware: HTTP_REQUESTS{operation,status} and HTTP_LATENCY{operation}.

    For the GraphQL endpoint the label is the operation name (from `operationName` or
    the document's first named operation); other paths are labelled by their route
    for the operational endpoints and `other` otherwise, so label values stay bounded.
    """

    def __init__(self, app: ASGIApp, graphql_path: str = "/graphql") -> None:
        self.app = app
        self.graphql_path = graphql_path.rstrip("/")
        self._seen: set[str] = set()

    def _label(self, name: str) -> str:
        if name in self._seen:
            return name
        if len(self._seen) >= MAX_OPERATION_LABELS:
            return "other"
        self._seen.add(name)
        return name

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "").rstrip("/")
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        if path == self.graphql_path:
            operation, receive = await self._graphql_operation(scope, receive)
            operation = self._label(operation)
        elif path in ("/healthz", "/readyz", "/metrics"):
            operation = path.lstrip("/")
        else:
            operation = "other"
        try:
            await self.app(scope, receive, send_status)
        finally:
            HTTP_REQUESTS.labels(operation=operation, status=str(status)).inc()
            HTTP_LATENCY.labels(operation=operation).observe(time.perf_counter() - start)

    async def _graphql_operation(self, scope: Scope, receive: Receive) -> tuple[str, Receive]:
        """Read the body (up to MAX_PARSED_BODY) and return a receive that replays it."""
        if scope.get("method") != "POST":
            return operation_name(None, scope.get("query_string", b"")), receive
        chunks: list[Message] = []
        size = 0
        more = True
        while more and size <= MAX_PARSED_BODY:
            message = await receive()
            chunks.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        complete = not more and all(m["type"] == "http.request" for m in chunks)
        body = b"".join(m.get("body", b"") for m in chunks) if complete else None
        name = operation_name(body) if complete else "oversize"

        async def replay() -> Message:
            if chunks:
                return chunks.pop(0)
            return await receive()

        return name, replay
