"""The ASGI middlewares around the app, outermost first as `create_app` adds them:

- `RequestContextMiddleware`: a request id per request (echoed in `X-Request-ID`),
  bound for every log line, and one access line per request;
- `MetricsMiddleware`: request counts and latency by GraphQL operation name;
- `RequestBody`: bodies over the limit get 413, GraphQL bodies that are not UTF-8 JSON
  of a sane depth get 400, before anything parses them.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

from fastapi.responses import JSONResponse

from handoff.observability.logging import bind
from handoff.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS
from handoff.observability.redaction import redact

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


class RequestBody:
    """Read, bound and check request bodies before anything parses them.

    Any body over `max_bytes` gets 413 (PAYLOAD_TOO_LARGE), checked against
    Content-Length first and while reading. A JSON body posted to the GraphQL path must
    be UTF-8, valid JSON and nested at most `max_depth` deep, else 400 (BAD_REQUEST):
    a client's malformed body never reaches the parsers that would fail on it with a
    500. The operation's name is left in the scope for the metrics.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, max_depth: int, graphql_path: str = "/graphql"
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth
        self.graphql_path = graphql_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or {})
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        graphql = scope.get("path", "").rstrip("/") == self.graphql_path
        if not graphql or scope.get("method") != "POST":
            if graphql and scope.get("method") == "GET":
                payload, problem = query_payload(scope.get("query_string", b""), self.max_depth)
                if problem is not None:
                    scope[OPERATION_KEY] = "invalid"
                    await graphql_error(problem, "BAD_REQUEST", 400)(scope, receive, send)
                    return
                if payload is not None:
                    scope[PAYLOAD_KEY] = payload
                scope[OPERATION_KEY] = operation_of(payload or {})
            await self._limited(scope, receive, send)
            return
        body = await self._read(receive)
        if body is None:
            await self._too_large(scope, receive, send)
            return
        if b"json" in headers.get(b"content-type", b"application/json").lower():
            payload, problem = parse_body(body, self.max_depth)
            if problem is not None:
                scope[OPERATION_KEY] = "invalid"
                await graphql_error(problem, "BAD_REQUEST", 400)(scope, receive, send)
                return
            scope[PAYLOAD_KEY] = payload
            scope[OPERATION_KEY] = operation_of(payload)
        else:
            scope[OPERATION_KEY] = "anonymous"
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None once it grows past the limit."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _limited(self, scope: Scope, receive: Receive, send: Send) -> None:
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
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[OPERATION_KEY] = "oversize"
        message = f"request body larger than {self.max_bytes} bytes"
        await graphql_error(message, "PAYLOAD_TOO_LARGE", 413)(scope, receive, send)


class _TooLarge(Exception):
    pass


# What RequestBody leaves in the ASGI scope: the operation's name (for the metrics) and the
# parsed JSON body (so nobody before strawberry parses it again).
OPERATION_KEY = "handoff.operation"
PAYLOAD_KEY = "handoff.payload"
# A JSON string, as an unrolled loop: one alternation per character made a 1 MB string
# cost ~90 ms of the event loop; this is ~2 ms.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (strings skipped), without
    recursion, so no body can exhaust the stack while it is measured."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_body(body: bytes, max_depth: int) -> tuple[Any, str | None]:
    """A GraphQL request body's JSON, or what is wrong with it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, f"the request body is not UTF-8 (invalid byte at offset {e.start})"
    if json_depth(body) > max_depth:
        return None, f"the request body nests deeper than {max_depth} levels"
    try:
        payload = json.loads(text)
    except ValueError as e:
        return None, f"the request body is not JSON: {e}"
    if not isinstance(payload, dict | list):
        return None, "the request body must be a JSON object with a `query`"
    return payload, None


def query_payload(query_string: bytes, max_depth: int) -> tuple[dict[str, Any] | None, str | None]:
    """A GET request's GraphQL parameters as a request body would hold them (`variables`
    and `extensions` are JSON texts), or what is wrong with them; (None, None) when it
    has neither `query` nor `extensions` (a browser asking for GraphiQL)."""
    try:
        text = query_string.decode("utf-8")
    except UnicodeDecodeError:
        return None, "the query string is not UTF-8"
    params = parse_qs(text, keep_blank_values=True)
    if "query" not in params and "extensions" not in params:
        return None, None
    payload: dict[str, Any] = {}
    for name, values in params.items():
        if name not in {"query", "variables", "operationName", "extensions"}:
            continue
        if len(values) > 1:
            return None, f"the query string gives `{name}` {len(values)} times"
        value: Any = values[0]
        if name in {"variables", "extensions"}:
            if value == "":
                continue
            if json_depth(value.encode()) > max_depth:
                return None, f"`{name}` nests deeper than {max_depth} levels"
            try:
                value = json.loads(value)
            except ValueError as e:
                return None, f"`{name}` is not JSON: {e}"
            if not isinstance(value, dict):
                return None, f"`{name}` must be a JSON object"
        payload[name] = value
    return payload, None


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
                # an id that looks like a secret (a token pasted by mistake) is not
                # logged or echoed: the request gets one of ours
                if _VALID_REQUEST_ID.match(candidate) and redact(candidate) == candidate:
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


def operation_of(payload: Any) -> str:
    """The GraphQL operation name of a parsed request body, `anonymous` when it has none."""
    if isinstance(payload, list):
        return "batch"
    if not isinstance(payload, dict):
        return "invalid"
    raw_name = payload.get("operationName")
    raw_query = payload.get("query")
    return _name_of(
        raw_name if isinstance(raw_name, str) else None,
        raw_query if isinstance(raw_query, str) else None,
    )


def _name_of(name: str | None, query: str | None) -> str:
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

        try:
            await self.app(scope, receive, send_status)
        finally:
            if path == self.graphql_path and status == 401:
                # names sent without a working token take no label slot: anyone could
                # otherwise fill the slots and hide the workspaces' real operations
                operation = "unauthenticated"
            elif path == self.graphql_path:
                operation = self._label(scope.get(OPERATION_KEY, "anonymous"))
            elif path in ("/healthz", "/readyz", "/metrics"):
                operation = path.lstrip("/")
            else:
                operation = "other"
            HTTP_REQUESTS.labels(operation=operation, status=str(status)).inc()
            HTTP_LATENCY.labels(operation=operation).observe(time.perf_counter() - start)
