"""Nothing lost, nothing twice: Redis flushed, worker SIGKILLed, two workers, PostgreSQL down.

Real PostgreSQL, real Redis, real arq workers; the outage test starts its own PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from handoff.clock import ManualClock, SystemClock
from handoff.devtools.embedded import EmbeddedPostgres
from handoff.jobs.relay import relay_once
from handoff.jobs.worker import make_worker, run_due
from handoff.storage.db import open_pool
from handoff.storage.migrate import migrate
from tests.integration._delivery_helpers import (
    bulk_deliveries,
    delivery_counts,
    engine,
    person,
    workspace,
)

REPO = Path(__file__).resolve().parents[2]


async def _setup(pool, now: datetime, n: int, due: datetime, receivers: int = 50, **kw) -> None:
    async with pool.connection() as conn, conn.transaction():
        ws = await workspace(conn, now)
        sender = await person(conn, ws, now, "Sender", "Europe/Amsterdam")
        ids = [
            (await person(conn, ws, now, f"R{i}", "America/New_York")).id for i in range(receivers)
        ]
        await bulk_deliveries(conn, ws, sender.id, ids, n, due, now, **kw)


async def _wait_all_done(pool, n: int, limit: float) -> dict[str, int]:
    deadline = time.monotonic() + limit
    while True:
        counts = await delivery_counts(pool)
        if counts["done"] >= n or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.1)


async def _until(done, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def test_redis_flushed_with_1000_pending_all_fire_exactly_once(db_url, redis_url, clock):
    async with engine(db_url, redis_url, batch_size=100) as (pool, redis, settings):
        await _setup(pool, clock.now(), 1000, clock.now() + timedelta(seconds=10))
        # The relay hands everything to arq ahead of time, then Redis loses it all.
        assert await relay_once(pool, redis, clock, settings, horizon_seconds=30) == 1000
        assert await redis.zcard(settings.queue_name) == 10
        await redis.flushdb()

        clock.advance(timedelta(seconds=10))
        assert await run_due(pool, redis, clock, settings) == 0  # ENQUEUED, leased
        assert (await delivery_counts(pool))["delivered"] == 0
        clock.advance(timedelta(seconds=settings.follow_up_lease_seconds))  # lease ran out
        assert await run_due(pool, redis, clock, settings) == 1000
        counts = await delivery_counts(pool)
        assert counts == {
            "delivered": 1000,
            "events": 1000,
            "max_per_handoff": 1,
            "open": 0,
            "done": 1000,
        }


async def test_two_workers_on_one_queue_never_handle_a_follow_up_twice(db_url, redis_url):
    clock = ManualClock(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    async with engine(db_url, redis_url, batch_size=25) as (pool, redis, settings):
        await _setup(pool, clock.now(), 1500, clock.now())
        pool2 = await open_pool(db_url, 1, 12)
        workers = [
            make_worker(pool, redis, clock, settings),
            make_worker(pool2, redis, clock, settings, max_jobs=2),
        ]
        # The second worker starts alone and the first joins once it has done a batch: with
        # at most 2 jobs in hand it cannot drain the ~60 queued before the newcomer's first
        # poll (with 10 it sometimes did, on a fast run). Both starting together let one of
        # them win every race on a loaded machine.
        tasks = [asyncio.create_task(workers[1].async_run())]
        try:
            # Two relays race, and an impatient re-enqueue timeout makes them enqueue rows
            # again while their first jobs are still queued: duplicates on purpose.
            for round_ in range(6):
                if round_ == 1:
                    await _until(lambda: workers[1].jobs_complete > 0, 30)
                    tasks.append(asyncio.create_task(workers[0].async_run()))
                await asyncio.gather(
                    relay_once(pool, redis, clock, settings, horizon_seconds=0, lease_seconds=0.5),
                    relay_once(pool2, redis, clock, settings, horizon_seconds=0, lease_seconds=0.5),
                )
                clock.advance(timedelta(seconds=1))
                await asyncio.sleep(0.05)
            counts = await _wait_all_done(pool, 1500, 30)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for w in workers:
                await asyncio.gather(*w.tasks.values(), return_exceptions=True)
            await pool2.close()
        assert counts == {
            "delivered": 1500,
            "events": 1500,
            "max_per_handoff": 1,
            "open": 0,
            "done": 1500,
        }
        assert all(w.jobs_complete > 0 for w in workers), "both workers took part"


def _worker_env(db_url: str, redis_url: str, queue: str) -> dict[str, str]:
    return {
        **os.environ,
        "HANDOFF_DATABASE_URL": db_url,
        "HANDOFF_REDIS_URL": redis_url,
        "HANDOFF_QUEUE_NAME": queue,
        "HANDOFF_BATCH_SIZE": "50",
        "HANDOFF_RELAY_INTERVAL_SECONDS": "1",
        "HANDOFF_LOG_LEVEL": "WARNING",
    }


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "handoff.jobs.worker"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def test_worker_killed_mid_batch_restarts_and_fires_everything_once(db_url, redis_url):
    n = 4000
    async with engine(db_url, redis_url) as (pool, _redis, settings):
        now = SystemClock().now()
        await _setup(pool, now, n, now - timedelta(seconds=1), receivers=200)
        env = _worker_env(db_url, redis_url, settings.queue_name)
        proc = _start_worker(env)
        try:
            # Kill it while batches are in flight: some rows done, others not yet.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                done = (await delivery_counts(pool))["done"]
                if done >= 200:
                    break
                await asyncio.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            at_kill = await delivery_counts(pool)
            assert 0 < at_kill["done"] < n, at_kill
            proc = _start_worker(env)
            counts = await _wait_all_done(pool, n, 40)
        finally:
            proc.kill()
            proc.wait(10)
        assert counts == {"delivered": n, "events": n, "max_per_handoff": 1, "open": 0, "done": n}


async def test_worker_sigterm_finishes_in_flight_batches_then_exits(db_url, redis_url):
    """SIGTERM: the batches already running commit (no half-done batch), the process exits
    0 within the grace period, and a new worker carries out the rest exactly once."""
    n = 4000
    async with engine(db_url, redis_url) as (pool, _redis, settings):
        now = SystemClock().now()
        await _setup(pool, now, n, now - timedelta(seconds=1), receivers=200)
        env = _worker_env(db_url, redis_url, settings.queue_name)
        proc = _start_worker(env)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if (await delivery_counts(pool))["done"] >= 200:
                    break
                await asyncio.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(25) == 0
            at_stop = await delivery_counts(pool)
            # batches commit whole: every finished row has its handoff DELIVERED and one event
            assert at_stop["done"] == at_stop["delivered"] == at_stop["events"], at_stop
            proc = _start_worker(env)
            counts = await _wait_all_done(pool, n, 40)
        finally:
            proc.kill()
            proc.wait(10)
        assert counts == {"delivered": n, "events": n, "max_per_handoff": 1, "open": 0, "done": n}


@pytest.mark.slow
async def test_postgres_outage_jobs_retry_and_worker_recovers_without_restart(tmp_path, redis_url):
    server = EmbeddedPostgres(tmp_path / "pg", durable=False)
    url = server.start()
    try:
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("CREATE DATABASE outage")
        db_url = url.rsplit("/", 1)[0] + "/outage"
        migrate(db_url)
        clock = ManualClock(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
        async with engine(db_url, redis_url, batch_size=50) as (pool, redis, settings):
            await _setup(pool, clock.now(), 600, clock.now(), receivers=20)
            # Half is handed to arq before the outage, half after.
            async with pool.connection() as conn:
                await conn.execute(
                    "UPDATE follow_ups SET due_at = due_at + interval '1 minute' "
                    "WHERE id > (SELECT min(id) + 299 FROM follow_ups)"
                )
            assert await relay_once(pool, redis, clock, settings, horizon_seconds=0) == 300

            server.stop()  # PostgreSQL goes away with the jobs queued
            worker = make_worker(pool, redis, clock, settings)
            task = asyncio.create_task(worker.async_run())
            try:
                await asyncio.sleep(3)
                assert worker.jobs_retried > 0
                assert worker.jobs_failed == 0
                server.start()  # same port and data: the pool reconnects by itself
                clock.advance(timedelta(minutes=1))
                relayed = 0
                for _ in range(50):
                    with contextlib.suppress(psycopg.OperationalError):  # pre-restart conn
                        relayed += await relay_once(pool, redis, clock, settings, horizon_seconds=0)
                    if (await _safe_counts(pool)).get("done") == 600:
                        break
                    await asyncio.sleep(0.2)
                counts = await _wait_all_done(pool, 600, 30)
            finally:
                task.cancel()
                await asyncio.gather(task, *worker.tasks.values(), return_exceptions=True)
            # the other 300, and maybe some of the first whose lease ran out while their
            # jobs waited for PostgreSQL (each row is still carried out once)
            assert relayed >= 300
            assert counts == {
                "delivered": 600,
                "events": 600,
                "max_per_handoff": 1,
                "open": 0,
                "done": 600,
            }
            assert worker.jobs_failed == 0
    finally:
        server.stop()


async def _safe_counts(pool) -> dict[str, int]:
    try:
        return await delivery_counts(pool)
    except psycopg.OperationalError:
        return {}
