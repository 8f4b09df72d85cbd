"""/healthz, /readyz and /metrics against real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY
from pydantic import SecretStr

from handoff.api.middleware import (
    MetricsMiddleware,
    RequestBody,
    operation_of,
    parse_body,
    query_payload,
)
from handoff.clock import ManualClock
from handoff.devtools.embedded import EmbeddedPostgres, free_port
from handoff.settings import Settings
from handoff.storage.migrate import migrate


def _settings(db_url: str, redis_url: str | None) -> Settings:
    return Settings(
        database_url=SecretStr(db_url),
        redis_url=SecretStr(redis_url) if redis_url else None,
        db_pool_min=1,
        db_pool_max=4,
    )


@asynccontextmanager
async def running(
    settings: Settings, clock: ManualClock | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app (create_app) with its lifespan, behind an in-process client."""
    from handoff.api.app import create_app

    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


async def test_healthz_answers_without_dependencies(db_url: str, redis_url: str) -> None:
    async with running(_settings(db_url, redis_url)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


async def test_readyz_is_200_when_everything_is_reachable(db_url: str, redis_url: str) -> None:
    async with running(_settings(db_url, redis_url)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["postgres"] == {"ok": True, "detail": "ok"}
    assert body["checks"]["redis"] == {"ok": True, "detail": "ok"}


async def test_readyz_is_503_while_migrations_are_pending(
    empty_db_url: str, redis_url: str
) -> None:
    async with running(_settings(empty_db_url, redis_url)) as client:
        response = await client.get("/readyz")
        assert response.status_code == 503
        assert "migrations pending" in response.json()["reason"]
        assert "0001_init" in response.json()["reason"]
        migrate(empty_db_url)
        assert (await client.get("/readyz")).status_code == 200


async def test_readyz_is_503_when_redis_is_unreachable(db_url: str) -> None:
    settings = _settings(db_url, f"redis://127.0.0.1:{free_port()}/0")
    async with running(settings) as client:
        response = await client.get("/readyz")
        depth = _sample((await client.get("/metrics")).text, "handoff_queue_depth")
    assert depth is not None and math.isnan(depth)
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["postgres"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is False
    assert body["reason"].startswith("redis:")


async def test_readyz_is_503_with_the_database_stopped_and_recovers(
    tmp_path: Path, redis_url: str
) -> None:
    server = EmbeddedPostgres(tmp_path / "pg", durable=False)
    url = await asyncio.to_thread(server.start)
    try:
        await asyncio.to_thread(migrate, url)
        async with running(_settings(url, redis_url)) as client:
            assert (await client.get("/readyz")).status_code == 200
            assert (await client.get("/healthz")).status_code == 200

            await asyncio.to_thread(server.stop)
            response = await client.get("/readyz")
            assert response.status_code == 503, response.text
            body = response.json()
            assert body["status"] == "unavailable"
            assert body["checks"]["postgres"]["ok"] is False
            assert body["reason"].startswith("postgres:")
            # the process itself is still alive
            assert (await client.get("/healthz")).status_code == 200
            # gauges read from PostgreSQL are unknown, not the last value
            text = (await client.get("/metrics")).text
            for gauge in ("handoff_follow_ups_pending", "handoff_relay_lag_seconds"):
                assert math.isnan(_sample(text, gauge) or 0.0), gauge

            await asyncio.to_thread(server.start)
            for _ in range(100):
                if (await client.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("readiness did not come back after PostgreSQL restarted")
            text = (await client.get("/metrics")).text
            assert _sample(text, "handoff_follow_ups_pending") == 0.0
    finally:
        await asyncio.to_thread(server.stop)


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


async def test_metrics_expose_every_metric_and_scrape_time_gauges(
    db_url: str, redis_url: str, clock: ManualClock
) -> None:
    import psycopg
    from psycopg.rows import dict_row
    from redis.asyncio import Redis

    from handoff.devtools.seed import seed_demo
    from handoff.storage.tokens import create_token

    # demo data: handoffs sent in the past, so some follow-ups are already due
    conn = await psycopg.AsyncConnection.connect(db_url, row_factory=dict_row)
    async with conn, conn.transaction():
        await seed_demo(conn, clock.now())
        token = await create_token(conn, "demo", clock.now())
    clock.advance(timedelta(days=4))  # the seeded deliveries are a day overdue by now
    settings = _settings(db_url, redis_url)
    redis = Redis.from_url(redis_url)
    try:
        await redis.zadd(settings.queue_name, {"job-a": 1, "job-b": 2, "job-c": 3})
    finally:
        await redis.aclose()

    async with running(settings, clock) as client:
        graphql = await client.post(
            "/graphql",
            json={"query": "query WhoAmI { __typename }"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert graphql.status_code == 200, graphql.text
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in (
        "handoff_http_requests_total",
        "handoff_http_request_seconds",
        "handoff_handoffs_created_total",
        "handoff_follow_ups_due_total",
        "handoff_follow_ups_delivered_total",
        "handoff_follow_ups_late_total",
        "handoff_follow_up_lateness_seconds",
        "handoff_relay_lag_seconds",
        "handoff_queue_depth",
        "handoff_webhook_attempts_total",
        "handoff_follow_ups_pending",
    ):
        assert f"# TYPE {name} " in text, name
    assert _sample(text, "handoff_http_requests_total", operation="WhoAmI", status="200")
    assert _sample(text, "handoff_queue_depth") == 3.0
    pending = _sample(text, "handoff_follow_ups_pending")
    assert pending is not None and pending >= 5
    # the oldest seeded delivery was due a day before the clock's now
    lag = _sample(text, "handoff_relay_lag_seconds")
    assert lag is not None and lag > 3600


# --- MetricsMiddleware ---------------------------------------------------------------------


def _echo_app() -> FastAPI:
    app = FastAPI()

    @app.post("/graphql")
    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse({"size": len(body), "head": body[:40].decode()})

    @app.get("/graphql")
    async def get(request: Request) -> JSONResponse:
        return JSONResponse({})

    app.add_middleware(RequestBody, max_bytes=BODY_LIMIT, max_depth=32)
    app.add_middleware(MetricsMiddleware)
    return app


BODY_LIMIT = 1_000_000


def _count(operation: str, status: str = "200") -> float:
    value = REGISTRY.get_sample_value(
        "handoff_http_requests_total", {"operation": operation, "status": status}
    )
    return value or 0.0


async def _delta(operation: str, request: Callable[[httpx.AsyncClient], object]) -> float:
    before = _count(operation)
    transport = httpx.ASGITransport(app=_echo_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await request(client)  # type: ignore[misc]
        assert response.status_code == 200
    return _count(operation) - before


async def test_metrics_middleware_labels_by_operation_and_replays_the_body() -> None:
    assert (
        await _delta(
            "CreateHandoffX",
            lambda c: c.post(
                "/graphql",
                json={"query": "mutation M { x }", "operationName": "CreateHandoffX"},
            ),
        )
        == 1
    )
    assert await _delta(
        "InboxX", lambda c: c.post("/graphql", json={"query": "query InboxX { x }"})
    )
    assert await _delta(
        "ViaGetX", lambda c: c.get("/graphql?query=query%20ViaGetX%20%7B%20x%20%7D")
    )

    transport = httpx.ASGITransport(app=_echo_app())
    big = b'{"query": "query Big { ' + b"x" * (BODY_LIMIT - 40) + b' }"}'
    too_big = b'{"query": "' + b"x" * (BODY_LIMIT + 10) + b'"}'
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/graphql", content=big)
        assert response.json()["size"] == len(big)  # nothing lost in the replay
        before = _count("oversize", "413")
        response = await client.post("/graphql", content=too_big)
        assert response.status_code == 413
        assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
        assert _count("oversize", "413") == before + 1
        response = await client.post("/graphql", json={"query": "{ __typename }"})
        assert response.json()["head"] == '{"query":"{ __typename }"}'


def operation_name(body: bytes | None, query_string: bytes = b"") -> str:
    """The metrics label RequestBody gives a POST body or a GET query string."""
    if body is None:
        payload, problem = query_payload(query_string, 64)
    else:
        payload, problem = parse_body(body, 64)
    return "invalid" if problem else operation_of(payload or {})


def test_operation_name_rules() -> None:
    assert operation_name(b'{"query": "query A { x }"}') == "A"
    assert operation_name(b'{"query": "query A { x }", "operationName": "B"}') == "B"
    assert operation_name(b'{"query": "{ x }"}') == "anonymous"
    assert operation_name(b'{"query": "# c\\nmutation Go { x }"}') == "Go"
    assert operation_name(b"not json") == "invalid"
    assert operation_name(b'[{"query": "{ x }"}]') == "batch"
    assert operation_name(b'{"operationName": "bad name; drop"}') == "invalid"
    assert operation_name(None, b"operationName=Q1&query=x") == "Q1"


async def test_operation_names_without_a_working_token_take_no_label(http) -> None:
    before = _count("unauthenticated", "401")
    for i in range(3):
        response = await http.post(
            "/graphql",
            json={"query": f"query Probe{i} {{ viewer {{ name }} }}"},
            headers={"Authorization": "Bearer hnd_not-a-token"},
        )
        assert response.status_code == 401
    assert _count("unauthenticated", "401") == before + 3
    assert all(_count(f"Probe{i}", "401") == 0 for i in range(3))


async def test_a_metrics_token_guards_the_scrape(db_url: str, redis_url: str) -> None:
    """With HANDOFF_METRICS_TOKEN set, a scrape without it (or with another) is a 401 that
    reads no gauge; with it, the usual exposition. Health checks stay open."""
    settings = _settings(db_url, redis_url).model_copy(
        update={"metrics_token": SecretStr("s3cret-scrape")}
    )
    async with running(settings) as client:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "s3cret-scrape"}):
            refused = await client.get("/metrics", headers=headers)
            assert refused.status_code == 401, refused.text
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "handoff_" not in refused.text
        allowed = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert allowed.status_code == 200
        assert "handoff_follow_ups_pending" in allowed.text
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get("/healthz")).status_code == 200
