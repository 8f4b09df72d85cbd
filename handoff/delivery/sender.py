"""One webhook attempt: POST the signed body, classify the outcome, never raise.

Success is any 2xx. Redirects are not followed (a 3xx is a failure). The response
body is read only up to `EXCERPT_BYTES`; the whole attempt is bounded by `limit_seconds`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime

import httpx

from handoff.delivery.signing import signed_headers
from handoff.delivery.ssrf import RefusedConnection

EXCERPT_BYTES = 1024


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt did; `outcome` is the WEBHOOK_ATTEMPTS metric label."""

    outcome: str  # success | http_error | timeout | refused | connect_error | error
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.outcome == "success"


def _refusal(exc: BaseException) -> RefusedConnection | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        if isinstance(cur, RefusedConnection):
            return cur
        seen.add(id(cur))
        cur = cur.__cause__ or cur.__context__
    return None


async def attempt(
    client: httpx.AsyncClient,
    url: str,
    *,
    secret: str,
    msg_id: str,
    body: str,
    now: datetime,
    limit_seconds: float,
) -> AttemptResult:
    """POST one delivery. `now` is the signing timestamp (from the caller's clock)."""
    headers = signed_headers(secret, msg_id, now, body)
    headers["content-type"] = "application/json"
    started = time.perf_counter()

    def ms() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(limit_seconds):
            async with client.stream("POST", url, content=body.encode(), headers=headers) as resp:
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.aiter_raw():
                    chunks.append(chunk)
                    size += len(chunk)
                    if size >= EXCERPT_BYTES:
                        break
                raw = b"".join(chunks)[:EXCERPT_BYTES]
                excerpt = raw.decode("utf-8", errors="replace")
                code = resp.status_code
        if 200 <= code < 300:
            return AttemptResult("success", code, ms(), excerpt, None)
        reason = f"HTTP {code}"
        if 300 <= code < 400:
            reason += " (redirects are not followed)"
        return AttemptResult("http_error", code, ms(), excerpt, reason)
    except (TimeoutError, httpx.TimeoutException):
        return AttemptResult("timeout", None, ms(), None, f"timed out after {limit_seconds:g} s")
    except httpx.TransportError as exc:
        refused = _refusal(exc)
        if refused is not None:
            return AttemptResult(
                "refused", None, ms(), None, f"refused by the SSRF guard: {refused}"
            )
        kind = type(exc).__name__
        detail = str(exc) or kind
        return AttemptResult("connect_error", None, ms(), None, f"{kind}: {detail}"[:500])
    except httpx.HTTPError as exc:
        return AttemptResult("error", None, ms(), None, f"{type(exc).__name__}: {exc}"[:500])
