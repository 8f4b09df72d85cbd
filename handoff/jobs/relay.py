"""The relay: hands follow-ups due soon from PostgreSQL to arq, in batches.

One pass claims rows due within the horizon with `FOR UPDATE SKIP LOCKED`, groups them by
due-instant bucket into batches of `settings.batch_size`, and enqueues one arq job per
batch with a deterministic job id and a deferral to the bucket's instant. The enqueues
happen before the claim commits: if Redis is down the claim rolls back; if the commit
fails after enqueueing, the job still finds its rows at the enqueued version.

Leases: a claimed row belongs to its job until its due instant plus
`settings.follow_up_lease_seconds`. While the batch runs it holds the rows' locks, which
the claim's SKIP LOCKED respects, so a live batch keeps its rows however long it takes;
a worker that dies drops its connection and the locks with it. After the lease the
relay claims the rows again under a new job id (a lost job's id may still be "in
progress" in Redis). One exception keeps a busy queue from being enqueued twice: while
jobs that are due wait in the queue without a worker on them, the rows' leases ran out
only because the workers are behind, and nothing is claimed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix
from psycopg_pool import AsyncConnectionPool

from handoff.clock import Clock
from handoff.observability.metrics import (
    FOLLOW_UPS_DUE,
    FOLLOW_UPS_RECLAIMED,
    QUEUE_DEPTH,
    RELAY_LAG,
)
from handoff.settings import Settings
from handoff.storage import follow_ups
from handoff.storage.follow_ups import Claimed

log = logging.getLogger(__name__)

JOB_NAME = "handle_follow_ups"
# Rows claimed per transaction; a surge is claimed in several passes of this size.
CLAIM_LIMIT = 5_000
# Rows due within one bucket share a job, deferred to the latest due instant among its
# rows (never early; rows all due at one instant run at that instant, not the bucket's end).
BUCKET_MS = 100
# A due job that waits longer than this without a worker means the queue is backlogged.
BACKLOG_GRACE_MS = 1000
BACKLOG_SAMPLE = 50
# A deferred job is made due this much before its bucket's instant and waits for the
# instant itself (`not_before`), so a worker has polled it, started it and taken a
# connection by then: arq polls every 50 ms and starts jobs one at a time.
START_AHEAD_SECONDS = 0.2


@dataclass(frozen=True)
class Batch:
    """One arq job: rows due in one bucket."""

    job_id: str
    run_at: datetime
    items: list[tuple[int, int]]


def _bucket(due: datetime, now: datetime) -> datetime:
    if due <= now:
        return now
    ms = due.timestamp() * 1000
    end = math.ceil(ms / BUCKET_MS) * BUCKET_MS
    return due + timedelta(milliseconds=end - ms)


def plan_batches(
    claimed: Sequence[Claimed], batch_size: int, now: datetime, claimed_at: datetime
) -> list[Batch]:
    """Group claimed rows into batches; a person's digest rows of one bucket stay together."""
    by_bucket: dict[datetime, list[Claimed]] = {}
    for c in claimed:
        by_bucket.setdefault(_bucket(c.due_at, now), []).append(c)
    batches: list[Batch] = []
    stamp = int(claimed_at.timestamp() * 1_000_000)
    for _, rows in sorted(by_bucket.items()):
        rows.sort(key=lambda c: (c.digest, c.person_id if c.digest else 0, c.id))
        chunk: list[Claimed] = []
        for c in rows:
            full = len(chunk) >= batch_size
            same_digest = (
                bool(chunk)
                and c.digest
                and chunk[-1].digest
                and (chunk[-1].person_id == c.person_id)
            )
            if full and not same_digest:
                batches.append(_batch(now, chunk, stamp))
                chunk = []
            chunk.append(c)
        if chunk:
            batches.append(_batch(now, chunk, stamp))
    return batches


def _batch(now: datetime, chunk: list[Claimed], stamp: int) -> Batch:
    # Rows already due run now; a future bucket's rows at the last one's instant (at most
    # the bucket's end).
    run_at = max(now, max(c.due_at for c in chunk))
    items = [(c.id, c.version) for c in chunk]
    digest = hashlib.sha1(
        (str(stamp) + ";" + ",".join(f"{i}.{v}" for i, v in items)).encode()
    ).hexdigest()[:20]
    job_id = f"fu:{int(run_at.timestamp() * 1000)}:{digest}"
    return Batch(job_id, run_at, items)


async def relay_once(
    pool: AsyncConnectionPool,
    redis: ArqRedis,
    clock: Clock,
    settings: Settings,
    *,
    horizon_seconds: float | None = None,
    lease_seconds: float | None = None,
) -> int:
    """One relay pass; returns how many rows it handed to arq."""
    horizon = settings.relay_horizon_seconds if horizon_seconds is None else horizon_seconds
    lease = timedelta(
        seconds=settings.follow_up_lease_seconds if lease_seconds is None else lease_seconds
    )
    reclaim = not await queue_backlogged(redis, settings.queue_name)
    total = 0
    while True:
        now = clock.now()
        async with pool.connection(timeout=10) as conn, conn.transaction():
            claimed = await follow_ups.claim_due(
                conn,
                now,
                now + timedelta(seconds=horizon),
                CLAIM_LIMIT,
                lease=lease,
                reclaim=reclaim,
            )
            if claimed:
                await _enqueue(
                    redis, plan_batches(claimed, settings.batch_size, now, now), clock, settings
                )
        for c in claimed:
            FOLLOW_UPS_DUE.labels(c.kind).inc()
            if c.reclaimed:
                FOLLOW_UPS_RECLAIMED.inc()
        total += len(claimed)
        if len(claimed) < CLAIM_LIMIT:
            break
    await _gauges(pool, redis, clock, settings)
    return total


async def queue_backlogged(redis: ArqRedis, queue_name: str) -> bool:
    """Whether jobs due a while ago wait in the queue with no worker on them.

    arq keeps a running job in the queue with an in-progress key; a job whose worker was
    killed keeps that key until it expires, so it does not count: only jobs nobody has
    started do. Scores are arq's (real milliseconds), whatever the relay's clock says.
    """
    cutoff = time.time() * 1000 - BACKLOG_GRACE_MS
    waiting = await redis.zrangebyscore(queue_name, "-inf", cutoff, start=0, num=BACKLOG_SAMPLE)
    if not waiting:
        return False
    async with redis.pipeline(transaction=False) as pipe:
        for job_id in waiting:
            pipe.exists(in_progress_key_prefix + job_id.decode())
        running = await pipe.execute()
    return not all(running)


async def _enqueue(redis: ArqRedis, batches: list[Batch], clock: Clock, settings: Settings) -> None:
    now = clock.now()
    wall = time.time()
    for b in batches:
        # Deferral is relative to the injected clock, so a manual clock maps onto Redis time.
        delay = (b.run_at - now).total_seconds()
        ahead = delay - START_AHEAD_SECONDS
        await redis.enqueue_job(
            JOB_NAME,
            [list(item) for item in b.items],
            # The job waits for the bucket's instant (real time, as arq's deferral).
            not_before=wall + delay if delay > 0 else None,
            _job_id=b.job_id,
            _queue_name=settings.queue_name,
            _defer_by=ahead if ahead > 0 else None,
        )


async def _gauges(
    pool: AsyncConnectionPool, redis: ArqRedis, clock: Clock, settings: Settings
) -> None:
    try:
        now = clock.now()
        async with pool.connection(timeout=5) as conn:
            oldest = await follow_ups.oldest_open_due(conn, now)
        RELAY_LAG.set(0.0 if oldest is None else (now - oldest).total_seconds())
        QUEUE_DEPTH.set(await redis.zcard(settings.queue_name))
    except Exception:  # gauges are best effort
        log.debug("relay gauges failed", exc_info=True)


async def relay_cron(ctx: dict[str, Any]) -> int:
    """The arq cron entry: relay passes until just before the next tick.

    The cron fires every `relay_interval_seconds`; within one run the relay polls every
    quarter second, so a follow-up that is already due when it is written (a receiver
    who is working right now) waits well under a second instead of a whole interval.
    """
    settings: Settings = ctx["settings"]
    deadline = time.monotonic() + max(0.0, settings.relay_interval_seconds - 0.3)
    total = 0
    while True:
        try:
            total += await relay_once(ctx["pool"], ctx["redis"], ctx["clock"], settings)
        except Exception as exc:  # PostgreSQL or Redis away: the next pass tries again
            log.warning("relay pass failed: %s", exc)
            return total
        if time.monotonic() >= deadline:
            return total
        await asyncio.sleep(0.25)
