"""Per-token rate limits: token buckets in Redis, one for every request and a smaller one
for mutations, so one runaway token never slows another.

Leases keep Redis off the path of most requests. A process takes a small lease of tokens
from a bucket in one script call and spends them locally; it goes back to Redis when the
lease is used up or older than `LEASE_TTL_MS` (then it hands the unspent tokens back in
the same call). A lease starts at one token, which is exactly a Redis round trip per
request, and doubles each time one is used up in time, up to `LEASE_SHARE` of the burst;
a lease that expires unspent halves the next one. Buckets below 20 tokens of burst
therefore always lease one token. Leased tokens leave the shared bucket when granted, so
all processes together never spend more than Redis handed out; what leases change:

* a lease's tokens can be spent up to `LEASE_TTL_MS` after they left the bucket, so in a
  short window a client may get up to one lease (at most 10 % of the burst) per API
  process more than the burst;
* while a process holds unspent leased tokens, another process may refuse up to that many
  requests early (until the lease is handed back, or the bucket refills);
* `RateLimit-Remaining` is this process's view: the shared bucket as it last saw it
  (refilled since at the bucket's rate) plus its own unspent lease; exact with one
  process, and with leases of one token.

A refusal is remembered until the bucket has a token again, so a runaway client's 429s
cost no round trip either.

Time comes from the app's clock (passed to the script), so tests move a clock instead of
sleeping. When Redis cannot be reached the limiter lets requests through (availability
over strictness), counts it in `handoff_rate_limiter_unavailable_total` and logs it at
most once a minute.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.api.ratelimit_script import TAKE_LEASES
from handoff.observability.metrics import RATE_LIMITED, RATE_LIMITER_UNAVAILABLE
from handoff.services.rights import whose_budget

log = logging.getLogger(__name__)

LEASE_SHARE = 0.1  # the largest lease, as a share of the bucket's burst (at least 1 token)
LEASE_TTL_MS = 1_000  # a lease older than this goes back to Redis with its unspent tokens
RENEWAL_WAITS = 3  # times a request waits for another's renewal before asking Redis itself
MAX_LEASES = 10_000  # per process; past it, idle entries are dropped (their tokens lapse)


class RateLimited(ApiError):
    """Over the token's budget; `retry_after` in whole seconds."""

    code = ErrorCode.RATE_LIMITED

    def __init__(
        self, message: str, retry_after: int, headers: dict[str, str], reached: str = ""
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = headers
        self.reached = reached  # which limit, without when to retry


@dataclass(frozen=True)
class Bucket:
    """A token bucket: `per_minute` sustained, up to `burst` at once."""

    name: str
    per_minute: int
    burst: int

    @property
    def per_ms(self) -> float:
        return self.per_minute / 60_000

    @property
    def max_lease(self) -> int:
        return max(1, int(self.burst * LEASE_SHARE))


class _Lease:
    """One process's share of one token's bucket, and what it last saw of the bucket."""

    __slots__ = (
        "bucket",
        "burst",
        "empty_until",
        "expires",
        "left",
        "per_ms",
        "renewing",
        "seen",
        "seen_at",
        "size",
        "waiting",
    )

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket
        self.burst = bucket.burst
        self.per_ms = bucket.per_ms
        self.left = 0  # leased tokens not spent yet
        self.expires = 0  # ms: after it, the lease goes back to Redis
        self.size = 1  # tokens to ask for next time
        self.seen = 0.0  # the shared bucket's tokens at `seen_at` (ms), as Redis said
        self.seen_at = 0
        self.empty_until = 0  # ms: refused until then without asking Redis
        self.renewing: asyncio.Future[None] | None = None  # the renewal in flight
        self.waiting = 0  # requests waiting for it

    def usable(self, now: int) -> bool:
        return self.left >= 1 and now < self.expires

    def spendable(self, now: int) -> bool:
        """Usable, and not refused until later."""
        return self.left >= 1 and self.empty_until <= now < self.expires

    def remaining(self, now: int) -> float:
        """This process's view of the tokens left: the shared bucket refilled since it
        was seen, plus the unspent lease."""
        shared = min(self.burst, self.seen + max(0, now - self.seen_at) * self.per_ms)
        return min(self.burst, shared + (self.left if now < self.expires else 0))


class RateLimiter:
    """Checks and spends a request's share of its token's buckets."""

    def __init__(self, redis: Any, requests: Bucket, mutations: Bucket) -> None:
        self.redis = redis
        self.requests = requests
        self.mutations = mutations
        self._script = redis.register_script(TAKE_LEASES)
        self._warned_at = 0.0
        self._buckets = {False: [b for b in (requests,) if b.per_minute > 0]}
        self._buckets[True] = [b for b in (requests, mutations) if b.per_minute > 0]
        self._leases: dict[tuple[str, str], _Lease] = {}
        self._texts = {
            b.name: (str(b.per_minute), f"{b.per_minute};w=60;burst={b.burst}")
            for b in (requests, mutations)
        }
        self._raw_texts = {
            name: ((b"ratelimit-limit", limit.encode()), (b"ratelimit-policy", policy.encode()))
            for name, (limit, policy) in self._texts.items()
        }

    async def spend(self, holder: str, mutation: bool, now: datetime) -> dict[str, str]:
        """Take one request (and one mutation) from the token's buckets; the RateLimit
        headers to send back. Raises `RateLimited` when a bucket is empty."""
        lease, now_ms = await self._take(holder, mutation, now)
        return {} if lease is None else self._headers(lease, now_ms)

    async def spend_raw(
        self, holder: str, mutation: bool, now: datetime
    ) -> list[tuple[bytes, bytes]]:
        """`spend`, with the headers as ASGI raw headers (lower-case, encoded): what a
        response's `raw_headers` can take as they are, without Starlette's per-header
        bookkeeping (half the limiter's cost on a bare request). `spend_leased` first
        spares most requests this coroutine."""
        return self._raw_headers(*await self._take(holder, mutation, now))

    def spend_leased(
        self, holder: str, mutation: bool, now: datetime
    ) -> list[tuple[bytes, bytes]] | None:
        """`spend_raw` in the common case, without a coroutine: every bucket's lease has a
        token for this request. None (nothing spent) when Redis must be asked."""
        now_ms = int(now.timestamp() * 1000)
        leases = []
        for bucket in self._buckets[mutation]:
            lease = self._leases.get((bucket.name, holder))
            if lease is None or not lease.spendable(now_ms):
                return None
            leases.append(lease)
        if not leases:
            return None
        for lease in leases:
            lease.left -= 1
        return self._raw_headers(self._tightest(leases, now_ms), now_ms)

    async def spend_all_raw(
        self, holder: str, count: int, mutation: bool, now: datetime
    ) -> list[tuple[bytes, bytes]]:
        """`spend_raw` for a request of `count` mutations (or one query), all or none: when
        a bucket refuses one, those already taken go back, and Retry-After says when the
        bucket holds them all. More than a bucket's burst can never pass, and says so."""
        burst = min((b.burst for b in self._buckets[mutation]), default=count)
        if count > burst:
            raise RateLimited(
                f"this request makes {count} mutations; a token may make at most {burst} at "
                "once: send them in smaller requests",
                0,
                {},
            )
        limits: list[tuple[bytes, bytes]] = []
        for spent in range(count):
            try:
                found = self.spend_leased(holder, mutation, now)
                limits = found if found is not None else await self.spend_raw(holder, mutation, now)
            except RateLimited as refused:
                if count == 1:
                    raise
                raise self._given_back(holder, mutation, spent, count, now, refused) from None
        return limits

    def _given_back(
        self,
        holder: str,
        mutation: bool,
        spent: int,
        count: int,
        now: datetime,
        refused: RateLimited,
    ) -> RateLimited:
        """Return `spent` tokens to this process's leases (an expired lease hands them to
        Redis when it is renewed); the refusal, waiting until `count` tokens are back."""
        now_ms = int(now.timestamp() * 1000)
        wait_ms = 0
        for bucket in self._buckets[mutation]:
            lease = self._leases.get((bucket.name, holder))
            if lease is None:  # pruned meanwhile: its tokens lapse, as any pruned lease's
                continue
            lease.left += spent
            if spent:  # a refusal remembered is not true of the tokens given back
                lease.empty_until = 0
            wait_ms = max(wait_ms, math.ceil((count - lease.remaining(now_ms)) / bucket.per_ms))
        retry_after = max(refused.retry_after, math.ceil(wait_ms / 1000))
        return RateLimited(
            f"{refused.reached}; this request makes {count} mutations: retry after {retry_after} s",
            retry_after,
            {**refused.headers, "Retry-After": str(retry_after)},
            refused.reached,
        )

    def _raw_headers(self, lease: _Lease | None, now_ms: int) -> list[tuple[bytes, bytes]]:
        if lease is None:
            return []
        tokens = lease.remaining(now_ms)
        limit, policy = self._raw_texts[lease.bucket.name]
        return [
            limit,
            (b"ratelimit-remaining", b"%d" % max(0, math.floor(tokens))),
            (b"ratelimit-reset", b"%d" % math.ceil((lease.burst - tokens) / lease.per_ms / 1000)),
            policy,
        ]

    async def _take(self, holder: str, mutation: bool, now: datetime) -> tuple[_Lease | None, int]:
        """Spend the request's tokens; the tightest bucket's lease, which speaks for the
        request in the headers (None when no bucket applies, or Redis is unavailable)."""
        buckets = self._buckets[mutation]
        if not buckets:
            return None, 0
        now_ms = int(now.timestamp() * 1000)
        leases = [self._lease(b, holder, now_ms) for b in buckets]
        for _ in range(RENEWAL_WAITS):
            # a renewal of more than one token is in flight: its lease is for us too
            waits_for = [
                lease
                for lease in leases
                if lease.renewing is not None
                and lease.bucket.max_lease > 1
                and not lease.usable(now_ms)
            ]
            if not waits_for:
                break
            for lease in waits_for:
                lease.waiting += 1
            try:
                await asyncio.wait([lease.renewing for lease in waits_for if lease.renewing])
            finally:
                for lease in waits_for:
                    lease.waiting -= 1
        # refused earlier, or by the renewal waited for
        empty = [lease for lease in leases if now_ms < lease.empty_until]
        if empty:
            wait = max(lease.empty_until for lease in empty) - now_ms
            self._refuse(leases, now_ms, wait, holder)
        local = [lease for lease in leases if lease.usable(now_ms)]
        need = [lease for lease in leases if not lease.usable(now_ms)]
        for lease in local:
            lease.left -= 1  # reserved now: other requests may spend it while we wait
        if need:
            try:
                allowed, waits = await self._renew(holder, need, now_ms)
            except (RedisError, OSError) as exc:
                self._unavailable(exc)
                return None, now_ms
            if not allowed:
                for lease in local:
                    lease.left += 1
                for lease, wait in zip(need, waits, strict=True):
                    if wait > 0:
                        lease.empty_until = now_ms + wait
                self._refuse(leases, now_ms, max(waits), holder)
        return self._tightest(leases, now_ms), now_ms

    def _lease(self, bucket: Bucket, holder: str, now: int) -> _Lease:
        key = (bucket.name, holder)
        lease = self._leases.get(key)
        if lease is None:  # first request of this token in this process, or pruned
            if len(self._leases) >= MAX_LEASES:
                self._prune(now)
            lease = self._leases[key] = _Lease(bucket)
        return lease

    def _prune(self, now: int) -> None:
        for key, lease in list(self._leases.items()):
            if now >= lease.expires and now >= lease.empty_until and lease.renewing is None:
                del self._leases[key]

    async def _renew(self, holder: str, need: list[_Lease], now: int) -> tuple[bool, list[int]]:
        """One script call: hand back what expired leases did not spend, take new leases
        (one token of it for this request). Whether Redis allowed it; per lease the ms
        until its bucket has a token again.

        One renewal per lease at a time asks for a lease (enough for the requests waiting
        for it, up to the largest lease); requests that come while it is in flight wait
        for it (`spend`; after `RENEWAL_WAITS` turns, or when leases are one token, they
        ask for their own token): concurrent renewals take one lease and a token each."""
        keys = []
        args: list[Any] = [now]
        leading = []
        for lease in need:
            b = lease.bucket
            want, back = 1, 0
            if lease.renewing is None:
                back = max(0, lease.left)
                if back:  # expired with tokens unspent: ask for less next time
                    lease.size = max(1, lease.size // 2)
                elif now < lease.expires:  # used up before it expired: ask for more
                    lease.size = min(b.max_lease, lease.size * 2)
                if lease.waiting:  # and enough for the requests waiting, if it may
                    lease.size = min(b.max_lease, max(lease.size, lease.waiting + 1))
                lease.left = 0
                want = lease.size
                lease.renewing = asyncio.get_running_loop().create_future()
                leading.append(lease)
            keys.append(f"handoff:rl:{b.name}:{holder}")
            args += [b.per_ms, b.burst, want, back]
        try:
            result = await self._script(keys=keys, args=args)
        finally:
            for lease in leading:
                assert lease.renewing is not None
                lease.renewing.set_result(None)
                lease.renewing = None
        allowed = int(result[0]) == 1
        waits = []
        for i, lease in enumerate(need):
            granted = int(result[1 + 3 * i])
            lease.seen = float(result[2 + 3 * i])
            lease.seen_at = now
            waits.append(int(result[3 + 3 * i]))
            if allowed:
                # added, not set: other renewals may have filled the lease meanwhile
                lease.left += granted - 1
                lease.expires = max(lease.expires, now + LEASE_TTL_MS)
        return allowed, waits

    @staticmethod
    def _tightest(leases: list[_Lease], now: int) -> _Lease:
        if len(leases) == 1:
            return leases[0]
        return min(leases, key=lambda lease: lease.remaining(now))

    def _headers(self, lease: _Lease, now: int) -> dict[str, str]:
        tokens = lease.remaining(now)
        limit, policy = self._texts[lease.bucket.name]
        return {
            "RateLimit-Limit": limit,
            "RateLimit-Remaining": str(max(0, math.floor(tokens))),
            "RateLimit-Reset": str(math.ceil(max(0.0, lease.burst - tokens) / lease.per_ms / 1000)),
            "RateLimit-Policy": policy,
        }

    def _refuse(self, leases: list[_Lease], now: int, wait_ms: int, holder: str) -> None:
        # the tightest bucket, the one that refused, speaks for the refusal
        lease = self._tightest(leases, now)
        headers, bucket = self._headers(lease, now), lease.bucket
        retry_after = max(1, math.ceil(wait_ms / 1000))
        RATE_LIMITED.labels(bucket=bucket.name).inc()
        reached = (
            f"rate limit of {bucket.per_minute} {bucket.name} a minute reached for "
            f"{whose_budget(holder)}"
        )
        raise RateLimited(
            f"{reached}; retry after {retry_after} s",
            retry_after,
            {**headers, "Retry-After": str(retry_after)},
            reached,
        )

    def _unavailable(self, exc: BaseException) -> None:
        RATE_LIMITER_UNAVAILABLE.inc()
        if time.monotonic() - self._warned_at >= 60:
            self._warned_at = time.monotonic()
            log.warning(
                "rate limiter off: Redis unavailable (%s); requests pass", type(exc).__name__
            )
