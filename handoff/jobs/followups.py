"""The batch job: carry out the follow-ups of one batch, exactly once each.

The job is thin: one transaction around `services.follow_ups.handle_batch`, which
re-reads the rows under lock and ignores rows whose state or version changed. A database
error (PostgreSQL down, a deadlock, a pool timeout) becomes `Retry` with a growing delay,
so an outage is survived without restarting the worker. Rows another transaction held
are retried a few times, then left to the relay's re-enqueue of stale rows.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import psycopg
from arq import Retry

from handoff.services.follow_ups import handle_batch
from handoff.storage import follow_ups

log = logging.getLogger(__name__)

# Tries of one batch job; at the capped delay this rides out a long PostgreSQL outage.
MAX_TRIES = 200
MAX_DEFER_SECONDS = 5.0
LOCKED_OUT_RETRIES = 5


def retry_delay(job_try: int) -> float:
    """0.25 s, 0.5 s, 1 s, ... capped at MAX_DEFER_SECONDS."""
    return float(min(MAX_DEFER_SECONDS, 0.25 * 2.0 ** max(0, job_try - 1)))


async def handle_follow_ups(
    ctx: dict[str, Any], items: list[list[int]], not_before: float | None = None
) -> dict[str, int]:
    """arq job: carry out follow-ups `[[id, version], ...]`; idempotent by row version.

    The relay makes a deferred job due a little early (`relay.START_AHEAD_SECONDS`): it
    takes its connection, then waits until `not_before` (Unix seconds, real time) before
    it reads or locks anything, so nothing is carried out before its instant.
    """
    pool = ctx["pool"]
    clock = ctx["clock"]
    job_try = int(ctx.get("job_try", 1))
    pairs = [(int(i), int(v)) for i, v in items]
    try:
        async with pool.connection(timeout=5) as conn:
            if not_before is not None and (wait := not_before - time.time()) > 0:
                await asyncio.sleep(wait)
            async with conn.transaction():
                outcome = await handle_batch(conn, pairs, clock.now())
            waiting = await follow_ups.still_open(conn, outcome.locked_out)
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:  # PoolTimeout included
        delay = retry_delay(job_try)
        log.warning("follow-up batch failed (try %d), retrying in %.2fs: %s", job_try, delay, exc)
        raise Retry(defer=delay) from exc
    if waiting and job_try < LOCKED_OUT_RETRIES:
        # Held by another transaction (a reschedule, a cancel, a duplicate job): look again.
        raise Retry(defer=retry_delay(job_try))
    return {"handled": outcome.total, "ignored": outcome.ignored, "waiting": len(waiting)}
