"""Requests that miss the token cache at the same moment share one PostgreSQL lookup:
when a token's cached answer runs out, every request in flight with it misses at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from psycopg_pool import AsyncConnectionPool, PoolClosed

from handoff.api.auth import FAILED_LOOKUPS_BURST, TokenCache, Unauthenticated, authenticate
from handoff.api.ratelimit import RateLimited
from handoff.storage.tokens import create_token

ADDRESS = "203.0.113.9"


async def _lookups(
    pool: AsyncConnectionPool, cache: TokenCache, token: str, n: int
) -> tuple[list[Any], int]:
    """`n` authentications of `token` at once: their answers (or errors), and how many
    connections they took from the pool (each lookup takes one)."""
    before = pool.get_stats().get("requests_num", 0)
    answers = await asyncio.gather(
        *(authenticate(token, pool, cache, cache.now(), ADDRESS) for _ in range(n)),
        return_exceptions=True,
    )
    return answers, pool.get_stats().get("requests_num", 0) - before


async def test_parallel_misses_of_one_token_share_one_lookup(app_pool, clock) -> None:
    async with app_pool.connection() as conn:
        token = await create_token(conn, "acme", clock.now())
    cache = TokenCache(clock.now)
    answers, lookups = await _lookups(app_pool, cache, token, 20)
    assert lookups == 1
    assert len({(a.workspace_id, a.token_id) for a in answers}) == 1
    assert answers[0].workspace_id is not None
    # cached: no lookup; run out: the next burst looks it up once more
    assert (await _lookups(app_pool, cache, token, 20))[1] == 0
    clock.advance(timedelta(seconds=1.5))
    answers, lookups = await _lookups(app_pool, cache, token, 20)
    assert lookups == 1 and all(a.token_id == answers[0].token_id for a in answers)


async def test_parallel_requests_with_one_unknown_token_spend_one_lookup(app_pool, clock) -> None:
    cache = TokenCache(clock.now)
    answers, lookups = await _lookups(app_pool, cache, "hnd_not-a-token", 20)
    assert lookups == 1
    assert all(isinstance(a, Unauthenticated) for a in answers), answers
    # one lookup counted against the address: the rest of its burst is still there
    for n in range(FAILED_LOOKUPS_BURST - 1):
        answers, _ = await _lookups(app_pool, cache, f"hnd_guess{n}", 1)
        assert isinstance(answers[0], Unauthenticated)
    answers, _ = await _lookups(app_pool, cache, "hnd_one-too-many", 1)
    assert isinstance(answers[0], RateLimited)


async def test_a_failed_lookup_fails_every_waiter_and_is_not_kept(
    app_pool, clock, db_url: str
) -> None:
    async with app_pool.connection() as conn:
        token = await create_token(conn, "acme", clock.now())
    cache = TokenCache(clock.now)
    closed = AsyncConnectionPool(db_url, open=False)
    answers = await asyncio.gather(
        *(authenticate(token, closed, cache, clock.now(), ADDRESS) for _ in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(a, PoolClosed) for a in answers), answers
    # nothing cached from the failure: the next request looks the token up again
    assert (await authenticate(token, app_pool, cache, clock.now(), ADDRESS)).token_id is not None


async def test_a_waiter_that_goes_away_leaves_the_lookup_to_the_others(app_pool, clock) -> None:
    async with app_pool.connection() as conn:
        token = await create_token(conn, "acme", clock.now())
    cache = TokenCache(clock.now)
    first = asyncio.ensure_future(authenticate(token, app_pool, cache, clock.now(), ADDRESS))
    others = [
        asyncio.ensure_future(authenticate(token, app_pool, cache, clock.now(), ADDRESS))
        for _ in range(3)
    ]
    await asyncio.sleep(0)
    first.cancel()
    actors = await asyncio.gather(*others)
    assert all(a.token_id is not None for a in actors)
    assert first.cancelled()
