"""A Redis outage under a running `handoff worker` process: the worker rides it out.

The test's own embedded Redis is SIGKILLed and started again on the same port while a
real worker process runs; PostgreSQL is the suite's.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import WatchError

from handoff.clock import SystemClock
from handoff.devtools.embedded import EmbeddedRedis
from handoff.jobs.outage import REDIS_DOWN
from tests.integration._delivery_helpers import bulk_deliveries, delivery_counts, engine
from tests.integration._delivery_helpers import person as new_person
from tests.integration._delivery_helpers import workspace as new_workspace
from tests.integration._process_helpers import Workers, wait_for


def _sigkill(server: EmbeddedRedis) -> None:
    assert server._proc is not None
    server._proc.kill()
    server._proc.wait(10)
    server._proc = None


async def _until_running(redis_url: str, queue: str) -> None:
    client = Redis.from_url(redis_url)
    try:

        async def running() -> bool:
            return bool(await client.exists(f"{queue}:health-check"))

        await wait_for(running, 30, "the worker's first health check", every=0.05)
    finally:
        await client.aclose()


async def test_worker_rides_out_a_redis_outage_and_delivers_what_fell_due_meanwhile(
    db_url: str, redis_url: str, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    own_redis = server.start()
    try:
        async with engine(db_url, redis_url) as (pool, _redis, settings):
            with Workers(tmp_path, db_url, own_redis, settings.queue_name) as workers:
                proc = workers.start()
                await _until_running(own_redis, settings.queue_name)

                _sigkill(server)
                now = SystemClock().now()
                async with pool.connection() as conn, conn.transaction():
                    ws = await new_workspace(conn, now)
                    sender = await new_person(conn, ws, now, "Sender", "Europe/Amsterdam")
                    receiver = await new_person(conn, ws, now, "R", "America/New_York")
                    due = now + timedelta(seconds=1)
                    await bulk_deliveries(conn, ws, sender.id, [receiver.id], 5, due, now)

                # Redis stays away for several of the worker's polls and relay passes
                await asyncio.sleep(4)
                assert proc.poll() is None, workers.output()

                server.start()  # same port, empty: the relay hands the due rows over again

                async def delivered() -> bool:
                    return (await delivery_counts(pool))["done"] == 5

                await wait_for(delivered, 30, "the handoffs due during the outage", every=0.1)
                assert proc.poll() is None
                workers.stop()
                assert proc.returncode == 0, workers.output()
        log = workers.output()
        assert "Traceback" not in log, log
        entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        warnings = [e for e in entries if e["level"] == "WARNING" and "Redis" in e["message"]]
        assert len(warnings) == 1, log  # once for the outage, however many retries
        assert any("Redis is back" in e["message"] for e in entries), log
        # only the SIGTERM of `workers.stop()`: the outage is not a shutdown
        assert sum("shutdown on SIGTERM ◆" in e["message"] for e in entries) == 2, log
    finally:
        server.stop()


async def test_sigterm_during_a_redis_outage_stops_the_worker_cleanly(
    db_url: str, redis_url: str, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    own_redis = server.start()
    try:
        async with engine(db_url, redis_url) as (_pool, _redis, settings):
            with Workers(tmp_path, db_url, own_redis, settings.queue_name) as workers:
                proc = workers.start()
                await _until_running(own_redis, settings.queue_name)
                _sigkill(server)
                await asyncio.sleep(2)
                assert proc.poll() is None, workers.output()
                workers.stop()
                assert proc.returncode == 0, workers.output()
        assert "Traceback" not in workers.output()
    finally:
        server.stop()


async def test_a_connection_lost_while_watching_a_key_counts_as_redis_down(
    tmp_path: Path,
) -> None:
    """arq's start_jobs WATCHes a job's in-progress key: when Redis goes away right then,
    redis-py raises WatchError, not ConnectionError, and the worker must ride that out
    too (a full test run once saw the worker process end on it)."""
    server = EmbeddedRedis(tmp_path / "redis", persistent=False)
    client = Redis.from_url(server.start())
    try:
        async with client.pipeline(transaction=True) as pipe:
            await pipe.watch("arq:in-progress:job")
            _sigkill(server)
            try:
                await pipe.exists("arq:in-progress:job")
            except Exception as exc:
                lost: Exception = exc
            else:
                raise AssertionError("a pipeline without its Redis answered")
        assert isinstance(lost, WatchError), lost
        assert isinstance(lost, REDIS_DOWN)
    finally:
        await client.aclose()
        server.stop()
