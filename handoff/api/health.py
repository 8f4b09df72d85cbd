"""Liveness, readiness and Prometheus metrics for the API process.

- `GET /healthz`: the process is up and serving (no I/O).
- `GET /readyz`: PostgreSQL answers, every migration is applied, Redis answers;
  503 with the failing check's reason otherwise. Load balancers route on this.
- `GET /metrics`: the process's Prometheus registry, plus gauges computed at scrape
  time from PostgreSQL (pending follow-ups, relay lag) and Redis (queue depth).

The app's lifespan puts `pool` (psycopg AsyncConnectionPool), `settings` and
`redis` (redis.asyncio.Redis or None) on `app.state`; an optional `clock` too.

`MetricsMiddleware` counts requests and their latency by GraphQL operation name.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest

from handoff.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS, QUEUE_DEPTH, RELAY_LAG
from handoff.storage.migrate import available

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

CHECK_TIMEOUT_SECONDS = 3.0

FOLLOW_UPS_PENDING = Gauge(
    "handoff_follow_ups_pending",
    "Follow-ups not yet carried out (PENDING or ENQUEUED), read from PostgreSQL at scrape time",
)

_FOLLOW_UP_STATS = """
SELECT count(*) AS pending,
       min(due_at) FILTER (WHERE due_at <= %(now)s) AS oldest_due
FROM follow_ups
WHERE state IN ('PENDING', 'ENQUEUED')
"""


def _now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process is up (it does not look at its dependencies)."""
    return {"status": "ok"}


async def _check_postgres(request: Request) -> tuple[bool, str]:
    pool = getattr(request.app.state, "pool", None)
    if pool is None:
        return False, "no database pool (the app has not started)"
    async with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
        await conn.execute("SELECT 1")
        exists = await (
            await conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL AS ok")
        ).fetchone()
        done: set[str] = set()
        if exists and _first(exists):
            cur = await conn.execute("SELECT version FROM schema_migrations")
            done = {_first(row) for row in await cur.fetchall()}
    missing = [m.version for m in available() if m.version not in done]
    if missing:
        return False, f"migrations pending: {', '.join(missing)} (run `handoff migrate`)"
    return True, "ok"


def _first(row: Any) -> Any:
    """The first column of a row, whatever the pool's row factory."""
    if isinstance(row, dict):
        return next(iter(row.values()))
    return row[0]


async def _check_redis(request: Request) -> tuple[bool, str]:
    redis = getattr(request.app.state, "redis", None)
    if redis is None:
        settings = getattr(request.app.state, "settings", None)
        if settings is not None and settings.redis_url is not None:
            return False, "no Redis client (the app has not started)"
        return True, "not configured"
    await redis.ping()
    return True, "ok"


async def _run_check(
    check: Callable[[Request], Awaitable[tuple[bool, str]]], request: Request
) -> tuple[bool, str]:
    try:
        return await asyncio.wait_for(check(request), CHECK_TIMEOUT_SECONDS + 1)
    except TimeoutError:
        return False, f"timed out after {CHECK_TIMEOUT_SECONDS + 1:g}s"
    except Exception as e:  # the reason is the point of this endpoint
        return False, f"{type(e).__name__}: {_short(e)}"


def _short(e: BaseException) -> str:
    from handoff.observability.logging import redact

    text = " ".join(str(e).split()) or type(e).__name__
    return redact(text[:300])


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """200 when PostgreSQL and Redis answer and migrations are current; else 503 + reason."""
    (pg_ok, pg_reason), (redis_ok, redis_reason) = await asyncio.gather(
        _run_check(_check_postgres, request), _run_check(_check_redis, request)
    )
    ready = pg_ok and redis_ok
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {
            "postgres": {"ok": pg_ok, "detail": pg_reason},
            "redis": {"ok": redis_ok, "detail": redis_reason},
        },
    }
    if not ready:
        body["reason"] = "; ".join(
            f"{name}: {detail}"
            for name, ok, detail in (
                ("postgres", pg_ok, pg_reason),
                ("redis", redis_ok, redis_reason),
            )
            if not ok
        )
        log.warning("not ready: %s", body["reason"])
    return JSONResponse(body, status_code=200 if ready else 503)


async def _refresh_gauges(request: Request) -> None:
    pool = getattr(request.app.state, "pool", None)
    if pool is not None:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                now = _now(request)
                async with pool.connection(timeout=CHECK_TIMEOUT_SECONDS) as conn:
                    cur = await conn.execute(_FOLLOW_UP_STATS, {"now": now})
                    row = await cur.fetchone()
            pending = row["pending"] if isinstance(row, dict) else row[0]
            oldest = row["oldest_due"] if isinstance(row, dict) else row[1]
            FOLLOW_UPS_PENDING.set(pending or 0)
            RELAY_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        except Exception as e:
            log.warning("metrics: could not read follow-up gauges: %s", _short(e))
    redis = getattr(request.app.state, "redis", None)
    settings = getattr(request.app.state, "settings", None)
    if redis is not None and settings is not None:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                QUEUE_DEPTH.set(await redis.zcard(settings.queue_name))
        except Exception as e:
            log.warning("metrics: could not read the queue depth: %s", _short(e))


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's registry."""
    await _refresh_gauges(request)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


# --- request metrics ---------------------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

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
