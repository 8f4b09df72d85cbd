"""The FastAPI application: GraphQL at /graphql, health and metrics beside it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from functools import cache
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import AsyncConnectionPool
from strawberry.fastapi import GraphQLRouter

from handoff.api.context import Context
from handoff.api.errors import ErrorCode
from handoff.api.health import router as health_router
from handoff.api.middleware import (
    MetricsMiddleware,
    RequestBody,
    RequestContextMiddleware,
    graphql_error,
)
from handoff.api.schema import build_schema
from handoff.clock import Clock, SystemClock
from handoff.observability.logging import bind
from handoff.settings import Settings
from handoff.storage.db import open_pool
from handoff.storage.tokens import workspace_for_token

# What a page on another origin may read of a response.
CORS_EXPOSED_HEADERS = [
    "X-Request-ID",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
]
# Token -> workspace lookups are cached briefly so every request does not cost a query;
# a revoked token stops working within this many seconds.
TOKEN_CACHE_SECONDS = 30.0


def _is_graphiql_page(request: Request) -> bool:
    """A browser asking for the GraphiQL page, not running an operation."""
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


class Unauthenticated(Exception):
    """No token, or a token that belongs to no workspace."""


@cache
def _graphiql_page() -> str:
    return resources.files("handoff.api").joinpath("static/graphiql/page.html").read_text()


class Router(GraphQLRouter[Context, None]):
    """strawberry's router, with the GraphiQL page served from the package: it loads no
    script from the network and asks for a token before its first schema fetch."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(_graphiql_page())

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        # strawberry refuses a request that is no GraphQL operation (no `query`, a batch,
        # an unknown operationName, a form body, a mutation over GET) with a text/plain
        # reason; clients get the same JSON error with a code as for every other refusal.
        # (strawberry's HTTPException has moved between packages: it is recognised by shape.)
        try:
            return await super().run(*args, **kwargs)
        except Exception as e:
            status, reason = getattr(e, "status_code", None), getattr(e, "reason", None)
            if not (isinstance(status, int) and 400 <= status < 500 and isinstance(reason, str)):
                raise
            return graphql_error(reason, ErrorCode.BAD_REQUEST, status)


class TokenCache:
    """A small time-bounded cache of token -> workspace id."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[int, float]] = {}

    def get(self, token: str) -> int | None:
        found = self._entries.get(token)
        if found is None or found[1] < time.monotonic():
            return None
        return found[0]

    def put(self, token: str, workspace_id: int) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[token] = (workspace_id, time.monotonic() + self.ttl)


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    pool: AsyncConnectionPool | None = None,
) -> FastAPI:
    """The API. Opens its PostgreSQL pool (unless given one) in the lifespan, never at import."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    tokens = TokenCache(TOKEN_CACHE_SECONDS)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_pool = pool is None
        app.state.pool = pool or await open_pool(
            settings.require_database_url(), settings.db_pool_min, settings.db_pool_max
        )
        app.state.redis = None
        if settings.redis_url is not None:
            from redis.asyncio import Redis

            app.state.redis = Redis.from_url(settings.require_redis_url())
        try:
            yield
        finally:
            if app.state.redis is not None:
                await app.state.redis.aclose()
            if own_pool:
                await app.state.pool.close()

    app = FastAPI(title="handoff", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.clock = clock

    async def get_context(request: Request) -> Context:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        workspace_id = None
        if scheme.lower() == "bearer" and token:
            workspace_id = tokens.get(token)
            if workspace_id is None:
                async with request.app.state.pool.connection() as conn:
                    workspace_id = await workspace_for_token(conn, token.strip())
                if workspace_id is not None:
                    tokens.put(token, workspace_id)
        if workspace_id is None:
            if _is_graphiql_page(request):
                # GraphiQL's page itself needs no token; every query does (a GET that
                # carries a query runs it, so it must not get here).
                workspace_id = 0
            else:
                raise Unauthenticated(
                    "missing bearer token" if not token else "invalid or revoked token"
                )
        if workspace_id:
            bind(workspace_id=workspace_id)
        return Context(
            pool=request.app.state.pool,
            workspace_id=workspace_id,
            clock=clock,
            settings=settings,
        )

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        response = graphql_error(str(exc), "UNAUTHENTICATED", 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    router = Router(build_schema(settings), context_getter=get_context, graphql_ide="graphiql")
    app.include_router(router, prefix="/graphql")
    app.mount("/static", StaticFiles(packages=[("handoff.api", "static")]), name="static")

    app.include_router(health_router)
    # added innermost first: a request meets CORS, then the request id, then the metrics,
    # then the body checks
    app.add_middleware(
        RequestBody, max_bytes=settings.max_request_bytes, max_depth=settings.max_json_depth
    )
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RequestContextMiddleware)
    origins = settings.allowed_origins()
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=CORS_EXPOSED_HEADERS,
            allow_credentials=False,
            max_age=600,
        )
    return app
