"""CORS: a page on a listed origin may call /graphql; any other origin, or the default
settings, get no Access-Control headers at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from handoff.api.app import create_app
from handoff.settings import Settings
from tests.conftest import _token

ORIGIN = "https://app.example"
QUERY = {"query": "{ viewer { name } }"}


@asynccontextmanager
async def client(db_url: str, pool: Any, clock: Any, **settings: Any) -> AsyncIterator[Any]:
    app = create_app(Settings(database_url=db_url, **settings), clock=clock, pool=pool)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://handoff.test"
        ) as http,
    ):
        yield http


def preflight(origin: str, headers: str = "authorization, content-type") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": headers,
    }


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


async def test_a_preflight_from_a_listed_origin_is_answered(db_url, app_pool, clock) -> None:
    async with client(db_url, app_pool, clock, cors_origins=ORIGIN) as http:
        response = await http.options(
            "/graphql", headers=preflight(ORIGIN, "authorization, content-type, x-request-id")
        )
    assert response.status_code == 200
    h = response.headers
    assert h["access-control-allow-origin"] == ORIGIN
    assert {m.strip() for m in h["access-control-allow-methods"].split(",")} >= {"POST", "GET"}
    allowed = {v.strip().lower() for v in h["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "x-request-id"} <= allowed
    assert int(h["access-control-max-age"]) > 0
    # Bearer tokens only: credentials (cookies) are never allowed.
    assert "access-control-allow-credentials" not in h


async def test_a_post_from_a_listed_origin_may_read_the_answer_and_its_request_id(
    db_url, app_pool, clock
) -> None:
    token = await _token(app_pool, "acme", clock)
    async with client(
        db_url, app_pool, clock, cors_origins=f"{ORIGIN}, http://localhost:5173/"
    ) as http:
        response = await http.post(
            "/graphql", json=QUERY, headers={"Origin": ORIGIN, "Authorization": f"Bearer {token}"}
        )
        other_listed = await http.post(
            "/graphql",
            json=QUERY,
            headers={"Origin": "http://localhost:5173", "Authorization": f"Bearer {token}"},
        )
        # A refusal is readable too, so the page can tell the user why.
        refused = await http.post("/graphql", json=QUERY, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["name"] == "acme"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    exposed = {
        v.strip().lower() for v in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"x-request-id", "retry-after", "ratelimit-remaining", "ratelimit-policy"} <= exposed
    assert response.headers["x-request-id"]
    # the trailing slash of a configured origin is not part of the origin
    assert other_listed.headers["access-control-allow-origin"] == "http://localhost:5173"
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN


async def test_an_origin_not_listed_gets_no_cors_headers(db_url, app_pool, clock) -> None:
    token = await _token(app_pool, "acme", clock)
    async with client(db_url, app_pool, clock, cors_origins=ORIGIN) as http:
        pre = await http.options("/graphql", headers=preflight("https://evil.example"))
        post = await http.post(
            "/graphql",
            json=QUERY,
            headers={"Origin": "https://evil.example", "Authorization": f"Bearer {token}"},
        )
    assert pre.status_code == 400
    assert cors_headers(pre).get("access-control-allow-origin") is None
    assert post.status_code == 200  # the server answers; the browser keeps it from the page
    # No Allow-Origin, so the page cannot read it. (Starlette still sends its constant
    # Access-Control-Expose-Headers, which means nothing without Allow-Origin.)
    assert "access-control-allow-origin" not in post.headers
    assert set(cors_headers(post)) <= {"access-control-expose-headers"}


async def test_a_star_allows_any_origin_without_credentials(db_url, app_pool, clock) -> None:
    async with client(db_url, app_pool, clock, cors_origins="*") as http:
        pre = await http.options("/graphql", headers=preflight("https://anything.example"))
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] in ("*", "https://anything.example")
    assert "access-control-allow-credentials" not in pre.headers


async def test_default_settings_give_no_cors_headers(http, gql) -> None:
    pre = await http.options("/graphql", headers=preflight(ORIGIN))
    assert pre.status_code == 405
    assert cors_headers(pre) == {}
    post = await http.post(
        "/graphql", json=QUERY, headers={"Origin": ORIGIN, "Authorization": f"Bearer {gql.token}"}
    )
    assert post.status_code == 200
    assert cors_headers(post) == {}
