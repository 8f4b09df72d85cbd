"""Rate-limit leases against a real Redis, on a moved clock: two `RateLimiter`s sharing one
Redis stand for two API processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from redis.asyncio import Redis

from handoff.api.ratelimit import LEASE_TTL_MS, Bucket, RateLimited, RateLimiter
from handoff.clock import ManualClock

TOKEN = "t7"  # a workspace token's budget key (Actor.budget_key)
KEY = f"handoff:rl:requests:{TOKEN}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


class Counted:
    """A limiter's script, counting the round trips to Redis."""

    def __init__(self, limiter: RateLimiter) -> None:
        self.inner = limiter._script
        self.calls = 0
        limiter._script = self

    async def __call__(self, **kwargs: Any) -> Any:
        self.calls += 1
        return await self.inner(**kwargs)


def make(redis: Redis, per_minute: int, burst: int) -> Callable[[], RateLimiter]:
    return lambda: RateLimiter(
        redis, Bucket("requests", per_minute, burst), Bucket("mutations", 0, 0)
    )


async def allowed(limiter: RateLimiter, clock: ManualClock) -> bool:
    try:
        await limiter.spend(TOKEN, False, clock.now())
    except RateLimited:
        return False
    return True


async def shared_tokens(redis: Redis) -> float:
    return float(await redis.hget(KEY, "t"))  # type: ignore[arg-type]


async def test_two_processes_never_exceed_the_burst_together(redis, clock) -> None:
    # 1 a minute: no refill worth a token while the clock stands still
    new = make(redis, per_minute=1, burst=100)
    one, two = new(), new()
    trips = Counted(one), Counted(two)
    passed = 0
    for _ in range(150):
        passed += await allowed(one, clock)
        passed += await allowed(two, clock)
    assert passed == 100  # every token spent once: none twice, none lost
    assert await shared_tokens(redis) < 1
    # leases grow 1, 2, 4, 8, 10 (10 % of the burst): far fewer trips than requests
    assert sum(t.calls for t in trips) < 40


async def test_concurrent_requests_take_one_lease_not_one_each(redis, clock) -> None:
    new = make(redis, per_minute=1, burst=100)
    one, two = new(), new()
    trips = Counted(one), Counted(two)
    results = await asyncio.gather(
        *(allowed(limiter, clock) for _ in range(150) for limiter in (one, two))
    )
    # never more than the burst; a lease may still hold a few (10 % of the burst at most)
    assert 100 - 2 * 10 <= sum(results) <= 100
    assert sum(t.calls for t in trips) < len(results)


async def test_one_process_counts_remaining_down_by_one_with_leases(redis, clock) -> None:
    limiter = make(redis, per_minute=60, burst=100)()
    trips = Counted(limiter)
    remaining = []
    for _ in range(10):
        headers = await limiter.spend(TOKEN, False, clock.now())
        remaining.append(int(headers["RateLimit-Remaining"]))
    assert remaining == list(range(99, 89, -1))
    assert trips.calls < 10


async def test_small_buckets_lease_one_token_so_every_request_asks_redis(redis, clock) -> None:
    limiter = make(redis, per_minute=60, burst=9)()
    trips = Counted(limiter)
    assert [await allowed(limiter, clock) for _ in range(10)] == [True] * 9 + [False]
    assert trips.calls == 10
    assert await shared_tokens(redis) == 0


async def test_an_expired_lease_hands_its_tokens_back(redis, clock) -> None:
    new = make(redis, per_minute=1, burst=100)
    one, two = new(), new()
    for _ in range(4):  # leases of 1, 2 and 4: 7 taken, 3 unspent in `one`
        assert await allowed(one, clock)
    assert await shared_tokens(redis) == 93
    # `two` sees the shared bucket without `one`'s lease; its own lease is one token
    headers = await two.spend(TOKEN, False, clock.now())
    assert headers["RateLimit-Remaining"] == "92"
    clock.advance(timedelta(milliseconds=LEASE_TTL_MS))
    # expired: the next request hands the 3 back and takes a lease half the size (2)
    assert await allowed(one, clock)
    refill = LEASE_TTL_MS / 60_000
    assert await shared_tokens(redis) == pytest.approx(92 + refill + 3 - 2)


async def test_a_refusal_is_remembered_until_a_token_is_back(redis, clock) -> None:
    limiter = make(redis, per_minute=60, burst=1)()
    trips = Counted(limiter)
    assert await allowed(limiter, clock)
    with pytest.raises(RateLimited) as first:
        await limiter.spend(TOKEN, False, clock.now())
    assert first.value.retry_after == 1
    assert trips.calls == 2
    clock.advance(timedelta(milliseconds=400))
    with pytest.raises(RateLimited) as second:
        await limiter.spend(TOKEN, False, clock.now())
    assert second.value.headers["Retry-After"] == "1"
    assert second.value.headers["RateLimit-Remaining"] == "0"
    assert trips.calls == 2  # refused here, without asking Redis
    clock.advance(timedelta(milliseconds=600))
    assert await allowed(limiter, clock)
    assert trips.calls == 3


async def test_spending_a_leased_token_needs_no_coroutine_and_counts_like_the_slow_path(
    redis, clock
) -> None:
    limiter = make(redis, per_minute=60, burst=100)()
    trips = Counted(limiter)
    assert limiter.spend_leased(TOKEN, False, clock.now()) is None  # no lease yet
    remaining = []
    for _ in range(10):  # the API's way: the leased token first, Redis when it must
        now = clock.now()
        headers = limiter.spend_leased(TOKEN, False, now)
        if headers is None:
            headers = await limiter.spend_raw(TOKEN, False, now)
        remaining.append(int(dict(headers)[b"ratelimit-remaining"]))
    assert remaining == list(range(99, 89, -1))
    assert trips.calls == 4  # leases of 1, 2, 4, 8 tokens
    assert dict(headers)[b"ratelimit-limit"] == b"60"
    clock.advance(timedelta(milliseconds=LEASE_TTL_MS))
    assert limiter.spend_leased(TOKEN, False, clock.now()) is None  # expired: back to Redis
    assert trips.calls == 4


async def test_a_remembered_refusal_is_not_spent_from_a_lease(redis, clock) -> None:
    limiter = make(redis, per_minute=60, burst=1)()
    assert await allowed(limiter, clock)
    assert not await allowed(limiter, clock)
    assert limiter.spend_leased(TOKEN, False, clock.now()) is None
    with pytest.raises(RateLimited):
        await limiter.spend_raw(TOKEN, False, clock.now())
