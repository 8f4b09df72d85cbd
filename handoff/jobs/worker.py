"""arq worker settings, the blocking `handoff worker` entry, and a deterministic test driver.

Run several worker processes on one Redis and one PostgreSQL: the relay claims rows with
`SKIP LOCKED`, each batch job re-checks its rows under lock, so nothing is done twice.
`python -m handoff.jobs.worker` runs a worker from `HANDOFF_*` environment variables.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from typing import Any

from arq import cron, func
from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker
from psycopg_pool import AsyncConnectionPool

from handoff.clock import Clock, SystemClock
from handoff.jobs.followups import MAX_TRIES, handle_follow_ups
from handoff.jobs.outage import OutageTolerantWorker, RedisOutage
from handoff.jobs.relay import JOB_NAME, relay_cron, relay_once
from handoff.settings import Settings
from handoff.storage.db import open_pool

log = logging.getLogger(__name__)

JOB_TIMEOUT_SECONDS = 120
# On SIGTERM: stop picking jobs, let in-flight ones finish for at most this long.
SHUTDOWN_GRACE_SECONDS = 20
GAUGES_EVERY_SECONDS = 2.0


def _functions() -> list[Any]:
    return [
        func(handle_follow_ups, name=JOB_NAME, max_tries=MAX_TRIES, timeout=JOB_TIMEOUT_SECONDS)
    ]


def _base(
    settings: Settings, clock: Clock | None, pool_min: int, pool_max: int, gauges: bool
) -> dict[str, Any]:
    """What both arq workers of a process share: their settings, clock and a database
    pool of their own in the job context (with the webhook gauges' loop on `gauges`),
    Redis, the job timeout and the shutdown grace."""
    the_clock: Clock = clock or SystemClock()

    async def on_startup(ctx: dict[str, Any]) -> None:
        ctx["settings"] = settings
        ctx["clock"] = the_clock
        ctx["pool"] = await open_pool(settings.require_database_url(), pool_min, pool_max)
        if gauges:
            ctx["gauges"] = asyncio.create_task(_gauges_loop(ctx["pool"], the_clock))

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        task = ctx.pop("gauges", None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        pool = ctx.pop("pool", None)
        if pool is not None:
            await pool.close()

    return {
        "redis_settings": RedisSettings.from_dsn(settings.require_redis_url()),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "job_timeout": JOB_TIMEOUT_SECONDS,
        "poll_delay": 0.05,
        "job_completion_wait": SHUTDOWN_GRACE_SECONDS,
    }


def worker_settings(settings: Settings, clock: Clock | None = None) -> dict[str, Any]:
    """The arq WorkerSettings (as a dict) for this deployment's settings."""
    from handoff.jobs import webhooks

    step = int(settings.relay_interval_seconds)  # a divisor of 60 (Settings checks)
    return {
        **_base(settings, clock, settings.db_pool_min, settings.db_pool_max, gauges=True),
        "functions": [*_functions(), *webhooks.FUNCTIONS],
        "cron_jobs": [
            cron(
                relay_cron,
                name="relay",
                second=set(range(0, 60, step)),
                run_at_startup=True,
                unique=True,
                timeout=max(30, step * 4),
                max_tries=1,
            ),
            *webhooks.CRON_JOBS,
        ],
        "queue_name": settings.queue_name,
        "max_jobs": 10,
        "keep_result": 60,
    }


def sender_settings(settings: Settings, clock: Clock | None = None) -> dict[str, Any]:
    """The arq WorkerSettings of the webhook senders beside the main worker: their own
    queue (`webhooks.sender_queue`), `webhook_senders` at once, and their own database
    pool, so slow receivers hold neither job slots nor connections that landings need."""
    from handoff.jobs import webhooks

    senders = settings.webhook_senders
    # each sender holds a connection; its lease heartbeats borrow one now and then
    pool_max = senders + max(2, senders // 2)
    return {
        **_base(settings, clock, 1, pool_max, gauges=False),
        "functions": webhooks.SENDER_FUNCTIONS,
        "queue_name": webhooks.sender_queue(settings),
        "max_jobs": senders,
        "keep_result": 0,
    }


async def _gauges_loop(pool: AsyncConnectionPool, clock: Clock) -> None:
    """Every worker refreshes its own per-endpoint webhook gauges (cron jobs run on one
    worker only, and each process has its own registry)."""
    from handoff.jobs import webhook_gauges

    while True:
        try:
            await webhook_gauges.refresh_gauges(pool, clock)
        except Exception as exc:  # best effort: PostgreSQL may be away for a while
            log.debug("webhook gauges failed: %s", exc)
        await asyncio.sleep(GAUGES_EVERY_SECONDS)


def run_worker(settings: Settings) -> None:
    """Run the worker until SIGTERM/SIGINT (blocking); in-flight jobs get a bounded grace.

    Two arq workers share the process: the main one (relay, follow-ups, the webhook tick)
    and the webhook senders (`sender_settings`). `ctx["stopping"]` is set at the signal:
    a long job (a webhook sender) starts nothing new after it, so what it has begun ends
    within the grace instead of being cut. A Redis outage is waited out (`outage`); a
    worker failing otherwise (at startup: Redis or PostgreSQL unreachable) cancels the
    other, and the failure ends the process.
    """
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO))
    # arq's Worker picks up the current event loop at construction.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stopping = asyncio.Event()
    outage = RedisOutage()
    workers = [
        OutageTolerantWorker(
            **worker_settings(settings), ctx={"stopping": stopping}, outage=outage
        ),
        OutageTolerantWorker(
            **sender_settings(settings), ctx={"stopping": stopping}, outage=outage
        ),
    ]

    def stop(signum: signal.Signals) -> None:
        if stopping.is_set():
            # A second signal (Ctrl-C again): stop now instead of waiting out the grace.
            # Each job cut short is done again elsewhere: its rows' lease runs out and the
            # relay (or the next sender) takes them up, as after a crash.
            log.warning("second %s: cutting in-flight jobs short", signal.Signals(signum).name)
            for worker in workers:
                worker.handle_sig(signum)
            return
        stopping.set()
        for worker in workers:
            worker.handle_sig_wait_for_completion(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop, signum)

    async def run_both() -> None:
        tasks = [loop.create_task(w.main()) for w in workers]
        for worker, task in zip(workers, tasks, strict=True):
            worker.main_task = task
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        failures = [t.exception() for t in done if not t.cancelled() and t.exception()]
        if not stopping.is_set():  # not a signal (a failure): the other is cut short
            stopping.set()
            for worker, task in zip(workers, tasks, strict=True):
                for job in worker.tasks.values():
                    job.cancel()
                task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if failures:
            raise failures[0]  # type: ignore[misc]

    try:
        loop.run_until_complete(run_both())
    finally:
        for worker in reversed(workers):
            loop.run_until_complete(worker.close())


async def run_due(
    pool: AsyncConnectionPool,
    redis: ArqRedis,
    clock: Clock,
    settings: Settings,
    *,
    limit_seconds: float = 60.0,
) -> int:
    """One relay pass for rows due by `clock.now()`, then drain the queue through arq.

    For tests and scripts with a manual clock: rows are claimed with a zero horizon, so
    every job is due right away, and an arq Worker in burst mode runs them against the
    same Redis. Returns the number of rows the relay handed over.
    """
    count = await relay_once(pool, redis, clock, settings, horizon_seconds=0)
    await drain(pool, redis, clock, settings, limit_seconds=limit_seconds)
    return count


async def drain(
    pool: AsyncConnectionPool,
    redis: ArqRedis,
    clock: Clock,
    settings: Settings,
    *,
    limit_seconds: float = 60.0,
) -> None:
    """Run the queue's jobs that are due now with an in-process arq Worker, then stop.

    Unlike arq's burst mode this stops when nothing is *due* (jobs deferred into the
    future, such as rows claimed ahead of time or retries, stay queued).
    """
    worker = make_worker(pool, redis, clock, settings)
    task = asyncio.create_task(worker.async_run())
    quiet = 0
    try:
        async with asyncio.timeout(limit_seconds):
            while quiet < 3:
                await asyncio.sleep(0.02)
                if task.done():
                    task.result()
                due = await redis.zcount(settings.queue_name, "-inf", time.time() * 1000)
                busy = any(not t.done() for t in worker.tasks.values())
                quiet = quiet + 1 if not due and not busy else 0
    finally:
        task.cancel()
        await asyncio.gather(task, *worker.tasks.values(), return_exceptions=True)


def make_worker(
    pool: AsyncConnectionPool,
    redis: ArqRedis,
    clock: Clock,
    settings: Settings,
    *,
    burst: bool = False,
    max_jobs: int = 10,
) -> Worker:
    """An in-process arq Worker sharing the caller's pool and Redis connection."""
    return Worker(
        functions=_functions(),
        queue_name=settings.queue_name,
        redis_pool=redis,
        burst=burst,
        handle_signals=False,
        poll_delay=0.02,
        max_jobs=max_jobs,
        keep_result=5,
        ctx={"pool": pool, "clock": clock, "settings": settings},
        log_results=False,
    )


def main() -> None:
    run_worker(Settings())


if __name__ == "__main__":
    main()
