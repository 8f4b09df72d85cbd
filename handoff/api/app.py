"""The FastAPI application: GraphQL at /graphql, health and metrics beside it."""

from __future__ import annotations

import contextlib
import inspect
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from functools import cache
from importlib import resources
from typing import Any

import psycopg
from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import AsyncConnectionPool
from starlette.requests import HTTPConnection

from handoff import web
from handoff.api.auth import TokenCache, Unauthenticated, authenticate, bearer, client_address
from handoff.api.context import Context
from handoff.api.errors import ErrorCode
from handoff.api.extensions import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_MESSAGE,
    mutation_fields,
    unavailable,
)
from handoff.api.graphql_http import GraphQLOverHTTP, PersistedQueries
from handoff.api.health import router as health_router
from handoff.api.live.connections import LiveContext, LiveRuntime
from handoff.api.live.transport import (
    LIVE_KEY,
    PROTOCOLS,
    LiveRouter,
    sse_token,
    wants_sse,
)
from handoff.api.middleware import (
    PAYLOAD_KEY,
    MetricsMiddleware,
    RequestBody,
    RequestContextMiddleware,
    graphql_error,
)
from handoff.api.ratelimit import Bucket, RateLimited, RateLimiter
from handoff.api.schema import build_schema
from handoff.clock import Clock, SystemClock
from handoff.observability.logging import bind
from handoff.services.rights import Actor
from handoff.settings import Settings
from handoff.storage.db import open_pool

log = logging.getLogger("handoff.api")

# What a page on another origin may read of a response.
CORS_EXPOSED_HEADERS = [
    "X-Request-ID",
    "Retry-After",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "RateLimit-Policy",
]

# FastAPI's OpenTelemetry bridge (FastAPI 0.16x) stays off: handoff exports its own Prometheus
# metrics and JSON logs, and the bridge looked up the global providers, environment reads
# included, on every request only to find that none is configured.
_NO_OTEL: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI).parameters
    else {}
)


def _is_graphiql_page(request: Request) -> bool:
    """A browser asking for the GraphiQL page, not running an operation."""
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


# The app's policy (handoff.web), but GraphiQL's page and React components set styles
# inline; its scripts are files of the package too.
GRAPHIQL_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@cache
def _graphiql_page() -> str:
    return resources.files("handoff.api").joinpath("static/graphiql/page.html").read_text()


class Router(LiveRouter):
    """strawberry's router, with the GraphiQL page served from the package (it loads no
    script from the network and asks for a token before its first schema fetch), and
    subscriptions over graphql-transport-ws and SSE (`handoff.api.live`)."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        return HTMLResponse(
            _graphiql_page(), headers={"Content-Security-Policy": GRAPHIQL_SECURITY_POLICY}
        )

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


def refusal(exc: Exception) -> Response | None:
    """The response to a request refused before GraphQL runs (no token, a rate limit), or
    None for any other exception."""
    if isinstance(exc, Unauthenticated):
        response = graphql_error(exc.message, ErrorCode.UNAUTHENTICATED.value, 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    if isinstance(exc, RateLimited):
        response = graphql_error(exc.message, ErrorCode.RATE_LIMITED.value, 429)
        response.headers.update(exc.headers)
        return response
    if unavailable(exc):  # PostgreSQL away while authenticating
        log.warning("PostgreSQL unavailable: %s", (str(exc).strip().splitlines() or ["?"])[0])
        response = graphql_error(UNAVAILABLE_MESSAGE, ErrorCode.SERVICE_UNAVAILABLE.value, 503)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return None


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    pool: AsyncConnectionPool | None = None,
) -> FastAPI:
    """The API. Opens its PostgreSQL pool (unless given one) in the lifespan, never at import."""
    settings = settings or Settings()
    clock = clock or SystemClock()
    tokens = TokenCache(clock.now)
    live = LiveRuntime(settings, clock, tokens)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_pool = pool is None
        app.state.pool = pool or await open_pool(
            settings.require_database_url(),
            settings.db_pool_min,
            settings.db_pool_max,
            acquire_timeout=settings.db_acquire_timeout_seconds,
        )
        app.state.redis = None
        if settings.redis_url is not None:
            from redis.asyncio import Redis

            app.state.redis = Redis.from_url(settings.require_redis_url())
        app.state.limiter = None
        if app.state.redis is not None:
            app.state.limiter = RateLimiter(
                app.state.redis,
                Bucket("requests", settings.rate_limit_per_minute, settings.rate_limit_burst),
                Bucket(
                    "mutations",
                    settings.mutation_rate_limit_per_minute,
                    min(settings.rate_limit_burst, settings.mutation_rate_limit_per_minute),
                ),
            )
        live.start(app.state.pool, app.state.limiter)
        undo_signal_hook = live.install_signal_hook()
        try:
            yield
        finally:
            undo_signal_hook()
            await live.stop()
            if app.state.redis is not None:
                await app.state.redis.aclose()
            if own_pool:
                await app.state.pool.close()

    app = FastAPI(title="handoff", lifespan=lifespan, docs_url=None, redoc_url=None, **_NO_OTEL)
    app.state.settings = settings
    app.state.clock = clock

    async def get_context(connection: HTTPConnection, response: Response = None) -> Context:  # type: ignore[assignment]
        """The context of an HTTP request, an SSE stream or a WebSocket (which
        authenticates later, with its connection_init message)."""
        pool = connection.app.state.pool
        address = client_address(connection.scope)
        if connection.scope["type"] == "websocket":
            return LiveContext(
                pool=pool, workspace_id=0, clock=clock, settings=settings, address=address
            )
        if wants_sse(connection):
            token, in_url = sse_token(connection)
            actor = await live.authenticate(token, address)
            bind(workspace_id=actor.workspace_id)
            await _spend(connection, actor, response)
            stream = await live.open_sse(actor, in_url)
            stream.last_event_id = connection.headers.get("last-event-id") or None
            connection.scope[LIVE_KEY] = stream
            return LiveContext(
                pool=pool,
                workspace_id=actor.workspace_id,
                clock=clock,
                settings=settings,
                actor=actor,
                live=stream,
            )
        request = connection
        assert isinstance(request, Request)
        token = bearer(request.headers.get("authorization", ""))
        if token is None and _is_graphiql_page(request):
            # GraphiQL's page itself needs no token; every query does (a GET that carries
            # a query runs it, so it never gets here).
            return Context(
                pool=request.app.state.pool, workspace_id=0, clock=clock, settings=settings
            )
        actor = await authenticate(token, pool, tokens, clock.now(), address)
        bind(workspace_id=actor.workspace_id)
        await _spend(connection, actor, response)
        return Context(
            pool=pool,
            workspace_id=actor.workspace_id,
            clock=clock,
            settings=settings,
            actor=actor,
        )

    async def _spend(connection: HTTPConnection, actor: Actor, response: Response) -> None:
        """The request's share of its token's (or its person's) rate limits (RateLimit headers
        on the response)."""
        limiter: RateLimiter | None = connection.app.state.limiter
        holder = actor.budget_key
        if limiter is not None and holder is not None:
            # each mutation of a request counts (30 aliased createHandoffs are 30); over
            # GET none runs (refused), so none is spent
            mutations = (
                0
                if connection.scope.get("method") == "GET"
                else mutation_fields(connection.scope.get(PAYLOAD_KEY))
            )
            now = clock.now()
            limits = None
            if mutations <= 1:
                limits = limiter.spend_leased(holder, mutations > 0, now)
            if limits is None:
                limits = await limiter.spend_all_raw(holder, max(1, mutations), mutations > 0, now)
            response.raw_headers.extend(limits)

    async def refused(request: Request, exc: Exception) -> Response:
        found = refusal(exc)
        if found is None:  # an OperationalError that is not about reaching PostgreSQL
            raise exc
        return found

    app.add_exception_handler(Unauthenticated, refused)
    app.add_exception_handler(RateLimited, refused)
    app.add_exception_handler(psycopg.OperationalError, refused)

    schema = build_schema(settings)
    router = Router(
        schema,
        context_getter=get_context,
        graphql_ide="graphiql",
        subscription_protocols=PROTOCOLS,
        # checked by LiveWSHandler, with a coded error
        max_subscriptions_per_connection=None,
        connection_init_wait_timeout=timedelta(seconds=10),
        allowed_origins=settings.allowed_origins(),
    )
    router.configure_live(live)
    app.state.live = live
    app.include_router(router, prefix="/graphql")

    # (an OPTIONS preflight from an allowed origin is answered by the CORS middleware first)
    @app.api_route(
        "/graphql", methods=["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], include_in_schema=False
    )
    async def other_methods(request: Request) -> JSONResponse:
        """Refused in GraphQL's shape, as every other refusal of /graphql is."""
        message = f"{request.method} is not how GraphQL is sent: POST (or GET for queries)"
        error = {"message": message, "extensions": {"code": ErrorCode.METHOD_NOT_ALLOWED}}
        return JSONResponse(
            {"data": None, "errors": [error]}, status_code=405, headers={"Allow": "GET, POST"}
        )

    app.mount("/static", StaticFiles(packages=[("handoff.api", "static")]), name="static")

    @app.get("/", include_in_schema=False)
    async def web_app() -> HTMLResponse:
        """The web app's page (its scripts come from /app/, all from this origin)."""
        return HTMLResponse(
            web.index_html(),
            headers={
                "Content-Security-Policy": web.CONTENT_SECURITY_POLICY,
                "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff",
            },
        )

    app.mount("/app", StaticFiles(packages=[("handoff.web", "static")]), name="app")

    app.include_router(health_router)
    # added innermost first: a request meets CORS, then the request id, then the metrics,
    # then the body checks, then the GraphQL operations over HTTP that skip the router
    app.add_middleware(
        GraphQLOverHTTP,
        schema=schema,
        context_getter=get_context,
        error_response=refusal,
        persisted=PersistedQueries(settings.persisted_queries),
    )
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
