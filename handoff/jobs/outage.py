"""An arq Worker that rides out a Redis outage instead of ending.

arq's own poll loop ends `Worker.main()` at the first Redis error, and with it the
`handoff worker` process. Here a poll that cannot reach Redis waits (0.5 s, doubling to
5 s) and polls again; the process's workers share one `RedisOutage`, which logs one
warning when Redis goes away and one line when it is back. Nothing is lost meanwhile:
PostgreSQL holds the due work, and the relay hands it to Redis again once it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from arq.worker import Worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

log = logging.getLogger(__name__)

# What a Redis that is down, restarting or unreachable raises (redis-py wraps socket
# errors). A pipeline that loses its connection while it WATCHes a key raises WatchError
# instead; arq catches the WatchError of a key that changed, around its EXEC, so one that
# reaches us came from the connection (arq's start_jobs checks a job's in-progress key).
REDIS_DOWN: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    WatchError,
    OSError,
)
FIRST_RETRY_SECONDS = 0.5
LAST_RETRY_SECONDS = 5.0


class RedisOutage:
    """Shared by the workers of one process: a warning when the first of them loses Redis,
    an info line when the last of them has it back."""

    def __init__(self) -> None:
        self._failing: set[int] = set()
        self._since = 0.0

    def failed(self, worker: object, error: Exception) -> None:
        if not self._failing:
            self._since = time.monotonic()
            first = (str(error).strip().splitlines() or [type(error).__name__])[0]
            log.warning("Redis is unreachable (%s); retrying until it is back", first)
        self._failing.add(id(worker))

    def recovered(self, worker: object) -> None:
        if id(worker) not in self._failing:
            return
        self._failing.discard(id(worker))
        if not self._failing:
            log.info("Redis is back after %.1f s", time.monotonic() - self._since)


class OutageTolerantWorker(Worker):
    """arq's Worker, except that a Redis error in a poll is waited out (see the module)."""

    def __init__(self, *args: Any, outage: RedisOutage | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outage = outage or RedisOutage()
        self._retry_in = FIRST_RETRY_SECONDS

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as exc:
            self.outage.failed(self, exc)
            await asyncio.sleep(self._retry_in)
            self._retry_in = min(self._retry_in * 2, LAST_RETRY_SECONDS)
        else:
            self.outage.recovered(self)
            self._retry_in = FIRST_RETRY_SECONDS

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        # arq takes a job slot before talking to Redis and gives it back only on the
        # outcomes it expects: a connection error would keep the slot for ever
        for job_id in job_ids:
            before = self.tasks.get(job_id.decode())
            try:
                await super().start_jobs([job_id])
            except REDIS_DOWN:
                if self.tasks.get(job_id.decode()) is before:  # no task took the slot
                    self.job_counter -= 1
                    self.sem.release()
                raise

    async def close(self) -> None:
        """arq's close, minus its last word to Redis when Redis is away (the health-check
        key expires by itself): the shutdown hook still closes the database pool."""
        if not self._pool:
            return
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        with contextlib.suppress(*REDIS_DOWN):
            await self.pool.delete(self.health_check_key)
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        await self.pool.close(close_connection_pool=True)
        self._pool = None
