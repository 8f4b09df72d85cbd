"""Liveness, readiness and Prometheus metrics for the API process.

- `GET /healthz`: the process is up and serving (no I/O).
- `GET /readyz`: PostgreSQL answers, every migration is applied, Redis answers;
  503 with the failing check's reason otherwise. Load balancers route on this.
- `GET /metrics`: the process's Prometheus registry, plus gauges computed at scrape
  time from PostgreSQL (pending follow-ups, relay lag) and Redis (queue depth); with
  `metrics_token` set, only for a request that carries it.

The app's lifespan puts `pool` (psycopg AsyncConnectionPool), `settings` and
`redis` (redis.asyncio.Redis or None) on `app.state`; an optional `clock` too.

Request counts and latency come from `handoff.api.middleware.MetricsMiddleware`.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest

from handoff.observability.metrics import QUEUE_DEPTH, RELAY_LAG
from handoff.observability.redaction import redact
from handoff.storage import follow_ups, readiness
from handoff.storage.migrate import available

log = logging.getLogger(__name__)

router = APIRouter(tags=["operations"])

CHECK_TIMEOUT_SECONDS = 3.0

FOLLOW_UPS_PENDING = Gauge(
    "handoff_follow_ups_pending",
    "Follow-ups not yet carried out (PENDING or ENQUEUED), read from PostgreSQL at scrape time",
)


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
        await readiness.ping(conn)
        done = await readiness.applied_migrations(conn)
    missing = [m.version for m in available() if m.version not in done]
    if missing:
        return False, f"migrations pending: {', '.join(missing)} (run `handoff migrate`)"
    return True, "ok"


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
                    stats = await follow_ups.open_stats(conn, now)
            FOLLOW_UPS_PENDING.set(stats.pending)
            oldest = stats.oldest_due
            RELAY_LAG.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        except Exception as e:
            # unknown, not the last value read: a stale 0 would hide the outage
            FOLLOW_UPS_PENDING.set(math.nan)
            RELAY_LAG.set(math.nan)
            log.warning("metrics: could not read follow-up gauges: %s", _short(e))
    redis = getattr(request.app.state, "redis", None)
    settings = getattr(request.app.state, "settings", None)
    if redis is not None and settings is not None:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                QUEUE_DEPTH.set(await redis.zcard(settings.queue_name))
        except Exception as e:
            QUEUE_DEPTH.set(math.nan)
            log.warning("metrics: could not read the queue depth: %s", _short(e))


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition of this process's registry (behind `metrics_token`)."""
    settings = getattr(request.app.state, "settings", None)
    token = settings.metrics_token if settings is not None else None
    if token is not None:
        sent = request.headers.get("authorization", "")
        expected = f"Bearer {token.get_secret_value()}"
        # before any gauge is read: an unauthenticated scrape costs no database query
        if not hmac.compare_digest(sent.encode(), expected.encode()):
            return JSONResponse(
                {"error": "metrics need Authorization: Bearer <HANDOFF_METRICS_TOKEN>"},
                status_code=401,
                headers={"www-authenticate": "Bearer"},
            )
    await _refresh_gauges(request)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
