"""Who a request acts for: its bearer token, looked up at most once a second per process.

Revoking a token therefore takes effect within `TOKEN_CACHE_SECONDS` on every API process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from psycopg_pool import AsyncConnectionPool

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.services.rights import Actor
from handoff.storage import tokens

# A revoked token stops working within this many seconds (tested).
TOKEN_CACHE_SECONDS = 1.0
_CACHE_LIMIT = 10_000


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

    def get(self, token: str) -> Actor | None:
        found = self._entries.get(token)
        if found is None or not self.now() < found[1]:
            return None
        return found[0]

    def put(self, token: str, actor: Actor) -> None:
        if len(self._entries) >= _CACHE_LIMIT:
            self._entries.clear()
        self._entries[token] = (actor, self.now() + self.ttl)


def bearer(header: str) -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def authenticate(
    token: str | None, pool: AsyncConnectionPool, cache: TokenCache, now: datetime
) -> Actor:
    """The actor a token stands for; `Unauthenticated` when there is none."""
    if token is None:
        raise Unauthenticated("missing bearer token (send `Authorization: Bearer <token>`)")
    actor = cache.get(token)
    if actor is None:
        async with pool.connection() as conn:
            principal = await tokens.authenticate(conn, token, now)
        if principal is None:
            raise Unauthenticated("invalid, revoked or expired token")
        actor = Actor(principal.workspace_id, principal.person_id, principal.token_id)
        cache.put(token, actor)
    return actor
