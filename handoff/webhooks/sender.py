"""One webhook attempt: POST the signed body, classify the outcome, never raise.

Success is any 2xx. Redirects are not followed (a 3xx is a failure). The response
body is read only up to `EXCERPT_BYTES`; the whole attempt is bounded by `limit_seconds`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from handoff.webhooks.health import MAX_RETRY_AFTER
from handoff.webhooks.http import EXCERPT_BYTES, ProtocolError, WebhookClient
from handoff.webhooks.signing import signed_headers
from handoff.webhooks.ssrf import RefusedConnection, UnsafeURL


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt did; `outcome` is the WEBHOOK_ATTEMPTS metric label."""

    outcome: str  # success | http_error | timeout | refused | connect_error | error
    status_code: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
    # how long the receiver asked to be left alone (Retry-After, in seconds), if it did
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.outcome == "success"


async def attempt(
    client: WebhookClient,
    url: str,
    *,
    secret: str | Sequence[str],
    msg_id: str,
    body: str,
    now: datetime,
    limit_seconds: float,
    sequence: int | None = None,
) -> AttemptResult:
    """POST one delivery. `now` is the signing timestamp (from the caller's clock);
    `sequence` (the delivery's place in its endpoint's order) goes in `webhook-sequence`."""
    raw_body = body.encode()
    headers = signed_headers(secret, msg_id, now, body)
    headers["content-type"] = "application/json"
    if sequence is not None:
        headers["webhook-sequence"] = str(sequence)
    started = time.perf_counter()

    def ms() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(limit_seconds):
            resp = await client.post(url, raw_body, headers)
        code = resp.status_code
        # PostgreSQL text cannot hold NUL: one in a receiver's reply would make the attempt
        # unrecordable, and the delivery would go out again every tick
        excerpt = (
            resp.excerpt[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        )
        if 200 <= code < 300:
            return AttemptResult("success", code, ms(), excerpt, None)
        reason = f"HTTP {code}"
        if 300 <= code < 400:
            reason += " (redirects are not followed)"
        wait = retry_after_seconds(resp.retry_after, now)
        return AttemptResult("http_error", code, ms(), excerpt, reason, wait)
    except TimeoutError:
        return AttemptResult("timeout", None, ms(), None, f"timed out after {limit_seconds:g} s")
    except RefusedConnection as exc:
        return AttemptResult("refused", None, ms(), None, f"refused by the SSRF guard: {exc}")
    except (OSError, EOFError, ProtocolError) as exc:
        # connection refused/reset, TLS failure, the server hung up or spoke bad HTTP
        kind = type(exc).__name__
        detail = (str(exc) or kind).replace("\x00", "\ufffd")
        return AttemptResult("connect_error", None, ms(), None, f"{kind}: {detail}"[:500])
    except (ValueError, UnsafeURL) as exc:
        return AttemptResult("error", None, ms(), None, f"{type(exc).__name__}: {exc}"[:500])


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header's wait in seconds (delta-seconds or an HTTP date), at most
    `MAX_RETRY_AFTER`; None when there is none or it cannot be read. (A receiver chooses
    the value: an absurd one must not overflow what it is added to.)"""
    if not value:
        return None
    value = value.strip()
    longest = MAX_RETRY_AFTER.total_seconds()
    if value.isascii() and value.isdigit():
        return min(float(value), longest)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return min(max(0.0, (when - now).total_seconds()), longest)
