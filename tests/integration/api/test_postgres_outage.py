"""The API while its PostgreSQL restarts or is down: a server of the tests' own, stopped
and started again on the same port under a running app (its own pool, as `serve` opens)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from handoff.api.app import create_app
from handoff.clock import ManualClock
from handoff.devtools.embedded import EmbeddedPostgres
from handoff.settings import Settings
from handoff.storage.migrate import migrate
from handoff.storage.tokens import create_token

pytestmark = pytest.mark.slow

VIEWER = "{ viewer { name } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EmbeddedPostgres, str]]:
    pg = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data", durable=False)
    url = pg.start()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE outage")
    db_url = url.rsplit("/", 1)[0] + "/outage"
    migrate(db_url)
    yield pg, db_url
    pg.stop()


@asynccontextmanager
async def _client(
    db_url: str, clock: ManualClock, **settings: object
) -> AsyncIterator[tuple[httpx.AsyncClient, AsyncConnectionPool]]:
    app = create_app(
        Settings(database_url=db_url, db_pool_min=4, db_pool_max=4, **settings), clock=clock
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
        ) as http,
    ):
        yield http, app.state.pool


async def _post(http: httpx.AsyncClient, token: str, query: str = VIEWER) -> httpx.Response:
    return await http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )


async def test_after_a_restart_no_request_fails_on_a_stale_connection(
    server: tuple[EmbeddedPostgres, str], clock: ManualClock
) -> None:
    pg, db_url = server
    async with _client(db_url, clock) as (http, pool):
        async with pool.connection() as conn:
            token = await create_token(conn, "acme", clock.now())
        assert (await _post(http, token)).status_code == 200
        pg.stop()
        pg.start()  # same port and data: every pooled connection is now a dead one
        for _ in range(8):  # twice round the pool (and each request looks its token up)
            clock.advance(timedelta(seconds=2))
            response = await _post(http, token)
            assert response.status_code == 200, response.text
            assert response.json()["data"]["viewer"]["name"] == "acme"


def _assert_unavailable(response: httpx.Response, took: float) -> None:
    assert response.status_code == 503, response.text
    assert took < 5, took  # the acquire timeout (1 s here), not the pool's 30 s
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["retry-after"]) > 0
    assert response.headers["x-request-id"]
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "127.0.0.1" not in error["message"]  # nothing of the server's address


async def test_while_it_is_down_requests_get_a_quick_503_service_unavailable(
    server: tuple[EmbeddedPostgres, str], clock: ManualClock
) -> None:
    pg, db_url = server
    async with _client(db_url, clock, db_acquire_timeout_seconds=1.0) as (http, pool):
        async with pool.connection() as conn:
            cached = await create_token(conn, "acme", clock.now())
            fresh = await create_token(conn, "acme", clock.now())
        assert (await _post(http, cached)).status_code == 200  # its lookup is cached now
        pg.stop()
        try:
            # the token's lookup, then (a cached token) the query itself needs PostgreSQL
            for token in (fresh, cached):
                started = time.monotonic()
                response = await _post(http, token)
                _assert_unavailable(response, time.monotonic() - started)
            # a GET goes through strawberry's view: refused at the token's lookup, or (a
            # cached token) by the query itself
            for token in (fresh, cached):
                started = time.monotonic()
                response = await http.get(
                    "/graphql",
                    params={"query": VIEWER},
                    headers={"Authorization": f"Bearer {token}"},
                )
                _assert_unavailable(response, time.monotonic() - started)
        finally:
            pg.start()
        # the pool reconnects on its own backoff: within seconds, with 503s (never another
        # error) until then
        deadline = time.monotonic() + 15
        while (response := await _post(http, fresh)).status_code != 200:
            assert response.status_code == 503, response.text
            assert time.monotonic() < deadline, "the API did not recover"
        assert response.json()["data"]["viewer"]["name"] == "acme"
