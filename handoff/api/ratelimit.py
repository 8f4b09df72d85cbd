"""Per-token rate limits: token buckets in Redis, one for every request and a smaller one
for mutations, so one runaway token never slows another.

Time comes from the app's clock (passed to the script), so tests move a clock instead of
sleeping. When Redis cannot be reached the limiter lets requests through (availability
over strictness), counts it in `handoff_rate_limiter_unavailable_total` and logs it at
most once a minute.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError

from handoff.api.errors import ErrorCode
from handoff.api.extensions import ApiError
from handoff.observability.metrics import RATE_LIMITED, RATE_LIMITER_UNAVAILABLE

log = logging.getLogger(__name__)

# KEYS: the request bucket, then (for a mutation) the mutation bucket.
# ARGV: now in ms, then per bucket: refill per ms, capacity. Takes one token from every
# bucket only when each has one; returns allowed, then per bucket its tokens left (as
# text: Lua numbers come back truncated) and the ms until one token is back.
_SCRIPT = """
local now = tonumber(ARGV[1])
local state = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local got = redis.call('HMGET', key, 't', 'ts')
  local tokens = tonumber(got[1]) or burst
  local ts = tonumber(got[2]) or now
  if now > ts then
    tokens = math.min(burst, tokens + (now - ts) * rate)
    ts = now
  end
  if tokens < 1 then allowed = 0 end
  state[i] = {tokens, ts, rate, burst}
end
local out = {allowed}
for i, key in ipairs(KEYS) do
  local tokens, ts, rate, burst = unpack(state[i])
  if allowed == 1 then tokens = tokens - 1 end
  redis.call('HSET', key, 't', tostring(tokens), 'ts', tostring(ts))
  redis.call('PEXPIRE', key, math.ceil(burst / rate) + 1000)
  local wait = 0
  if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
  table.insert(out, tostring(tokens))
  table.insert(out, wait)
end
return out
"""


class RateLimited(ApiError):
    """Over the token's budget; `retry_after` in whole seconds."""

    code = ErrorCode.RATE_LIMITED

    def __init__(self, message: str, retry_after: int, headers: dict[str, str]) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = headers


@dataclass(frozen=True)
class Bucket:
    """A token bucket: `per_minute` sustained, up to `burst` at once."""

    name: str
    per_minute: int
    burst: int

    @property
    def per_ms(self) -> float:
        return self.per_minute / 60_000


class RateLimiter:
    """Checks and spends a request's share of its token's buckets."""

    def __init__(self, redis: Any, requests: Bucket, mutations: Bucket) -> None:
        self.redis = redis
        self.requests = requests
        self.mutations = mutations
        self._script = redis.register_script(_SCRIPT)
        self._warned_at = 0.0

    async def spend(self, token_id: int, mutation: bool, now: datetime) -> dict[str, str]:
        """Take one request (and one mutation) from the token's buckets; the RateLimit
        headers to send back. Raises `RateLimited` when a bucket is empty."""
        buckets = [self.requests, self.mutations] if mutation else [self.requests]
        buckets = [b for b in buckets if b.per_minute > 0]
        if not buckets:
            return {}
        keys = [f"handoff:rl:{b.name}:{token_id}" for b in buckets]
        args: list[Any] = [int(now.timestamp() * 1000)]
        for b in buckets:
            args += [b.per_ms, b.burst]
        try:
            result = await self._script(keys=keys, args=args)
        except (RedisError, OSError) as exc:
            self._unavailable(exc)
            return {}
        allowed = int(result[0]) == 1
        # the tightest bucket speaks for the request
        state = [
            (b, float(result[1 + 2 * i]), int(result[2 + 2 * i])) for i, b in enumerate(buckets)
        ]
        bucket, tokens, _ = min(state, key=lambda s: s[1])
        headers = {
            "RateLimit-Limit": str(bucket.per_minute),
            "RateLimit-Remaining": str(max(0, math.floor(tokens))),
            "RateLimit-Reset": str(
                math.ceil(max(0.0, bucket.burst - tokens) / bucket.per_ms / 1000)
            ),
            "RateLimit-Policy": f"{bucket.per_minute};w=60;burst={bucket.burst}",
        }
        if allowed:
            return headers
        retry_after = max(1, math.ceil(max(w for _, _, w in state) / 1000))
        RATE_LIMITED.labels(bucket=bucket.name).inc()
        raise RateLimited(
            f"rate limit of {bucket.per_minute} {bucket.name} a minute reached for this token; "
            f"retry after {retry_after} s",
            retry_after,
            {**headers, "Retry-After": str(retry_after)},
        )

    def _unavailable(self, exc: BaseException) -> None:
        RATE_LIMITER_UNAVAILABLE.inc()
        if time.monotonic() - self._warned_at >= 60:
            self._warned_at = time.monotonic()
            log.warning(
                "rate limiter off: Redis unavailable (%s); requests pass", type(exc).__name__
            )
