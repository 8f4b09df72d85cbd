"""Who a request acts for: its bearer token, looked up at most once a second per process.

Revoking a token therefore takes effect within `TOKEN_CACHE_SECONDS` on every API process.
A token that is not known is remembered as unknown for as long, and each client address
may have `FAILED_LOOKUPS_BURST` such lookups, then `FAILED_LOOKUPS_PER_SECOND`: a client
guessing tokens, or one stuck on a revoked one, cannot turn every request into a
PostgreSQL query. Requests that miss the cache for the same token at the same moment (a
client's parallel requests when its entry runs out) share one lookup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.api.ratelimit import RateLimited
from handoff.services.rights import Actor
from handoff.storage import tokens

# A revoked token stops working within this many seconds (tested).
TOKEN_CACHE_SECONDS = 1.0
_CACHE_LIMIT = 10_000
# Lookups of unknown tokens one client address may make: a burst, then a steady rate.
# Behind a proxy the address is the forwarded one (uvicorn's `forwarded_allow_ips`).
FAILED_LOOKUPS_BURST = 60
FAILED_LOOKUPS_PER_SECOND = 5.0
_UNKNOWN = "invalid, revoked or expired token"


class Unauthenticated(ApiError):
    """No token, or one that is unknown, revoked or expired."""

    code = ErrorCode.UNAUTHENTICATED


class TokenCache:
    """token -> Actor for a short while, so a busy client costs one lookup a second.

    Ages are read from the app's clock (`now`), so tests move a clock instead of waiting.
    """

    def __init__(self, now: Callable[[], datetime], ttl: float = TOKEN_CACHE_SECONDS) -> None:
        self.now = now
        self.ttl = timedelta(seconds=ttl)
        self._entries: dict[str, tuple[Actor, datetime]] = {}
        self._unknown: dict[str, datetime] = {}
        # client address -> (lookups of unknown tokens left, when last counted)
        self._failures: dict[str, tuple[float, datetime]] = {}
        self._pending: dict[str, asyncio.Future[Actor | None]] = {}

    def get(self, token: str) -> Actor | None:
        found = self._entries.get(token)
        if found is None or not self.now() < found[1]:
            return None
        return found[0]

    def put(self, token: str, actor: Actor) -> None:
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
        self._entries[token] = (actor, self.now() + self.ttl)

    def seen(self, token: str) -> bool:
        """Whether `token` stood for an actor at some point: a client that holds it is
        no guesser, and needs no share of its address's lookups of unknown tokens."""
        return token in self._entries

    async def shared(
        self, token: str, look_up: Callable[[], Awaitable[Actor | None]]
    ) -> Actor | None:
        """`look_up()`, or the lookup of `token` already under way: at the moment an entry
        runs out, every request in flight with that token misses it, and without this
        each would query PostgreSQL (about 30 a second under 50 parallel requests)."""
        pending = self._pending.get(token)
        if pending is None:
            pending = asyncio.ensure_future(look_up())
            self._pending[token] = pending
            pending.add_done_callback(lambda done: self._settled(token, done))
        # a waiter that goes away (its client disconnected) leaves the lookup to the others
        return await asyncio.shield(pending)

    def _settled(self, token: str, done: asyncio.Future[Actor | None]) -> None:
        self._pending.pop(token, None)
        if not done.cancelled():
            # retrieved, so that a failure whose waiters all went away is not logged as
            # "never retrieved"; the waiters still there raise it themselves
            done.exception()

    def unknown(self, token: str) -> bool:
        """Whether a lookup found nothing for `token` a moment ago."""
        until = self._unknown.get(token)
        return until is not None and self.now() < until

    def may_look_up(self, address: str) -> None:
        """`RateLimited` when `address` has spent its lookups of unknown tokens."""
        left = self._left(address)
        if left < 1:
            wait = max(1, int((1 - left) / FAILED_LOOKUPS_PER_SECOND + 0.999))
            raise RateLimited(
                f"too many requests with unknown tokens from this address; retry in {wait} s",
                wait,
                {"Retry-After": str(wait)},
                reached="unknown tokens",
            )

    def failed(self, token: str, address: str) -> None:
        """A lookup by `address` found nothing for `token`."""
        if len(self._failures) >= _CACHE_LIMIT or len(self._unknown) >= _CACHE_LIMIT:
            self._failures.clear()
            self._unknown.clear()
        self._failures[address] = (self._left(address) - 1, self.now())
        self._unknown[token] = self.now() + self.ttl

    def _left(self, address: str) -> float:
        found = self._failures.get(address)
        if found is None:
            return float(FAILED_LOOKUPS_BURST)
        left, since = found
        refill = (self.now() - since).total_seconds() * FAILED_LOOKUPS_PER_SECOND
        return min(float(FAILED_LOOKUPS_BURST), left + max(0.0, refill))


def bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(
    token: str | None, pool: AsyncConnectionPool, cache: TokenCache, now: datetime, address: str
) -> Actor:
    """The actor a token stands for; `Unauthenticated` when there is none, `RateLimited`
    when the client at `address` has sent too many unknown tokens to look this one up."""
    if token is None:
        raise Unauthenticated("missing bearer token (send `Authorization: Bearer <token>`)")
    actor = cache.get(token)
    if actor is None:
        if cache.unknown(token):
            raise Unauthenticated(_UNKNOWN)
        if not cache.seen(token):
            cache.may_look_up(address)
        actor = await cache.shared(token, lambda: _look_up(token, pool, cache, now, address))
        if actor is None:
            raise Unauthenticated(_UNKNOWN)
    return actor


async def _look_up(
    token: str, pool: AsyncConnectionPool, cache: TokenCache, now: datetime, address: str
) -> Actor | None:
    """One PostgreSQL lookup of `token`, its answer cached (a miss counts once, against the
    address that asked first)."""
    async with pool.connection() as conn:
        principal = await tokens.authenticate(conn, token, now)
    if principal is None:
        cache.failed(token, address)
        return None
    actor = Actor(principal.workspace_id, principal.person_id, principal.token_id)
    cache.put(token, actor)
    return actor


def client_address(scope: Mapping[str, Any]) -> str:
    """The client's address as the server sees it (the forwarded one behind a trusted
    proxy), or "" when the server does not say."""
    client = scope.get("client")
    return str(client[0]) if client else ""
