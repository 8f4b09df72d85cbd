"""Clocks: the only place the running system learns what time it is.

Pure code takes instants as arguments; the API and the worker take a `Clock`, so
tests move a `ManualClock` forward instead of sleeping. `sleep_until(instant)` waits
for an instant on the clock's own time: the system clock sleeps, a manual clock wakes
the waiter when a test moves it there.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from datetime import UTC, datetime, timedelta
from typing import Protocol

# The system clock re-reads the time at least this often while it waits, so a wall
# clock that is stepped (NTP) or a suspended host does not stretch a long wait.
_SYSTEM_SLEEP_STEP = 60.0


class Clock(Protocol):
    """Something that says what instant it is now (aware, UTC)."""

    def now(self) -> datetime: ...

    async def sleep_until(self, instant: datetime) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep_until(self, instant: datetime) -> None:
        """Return at `instant` (at once when it has passed)."""
        while True:
            left = (instant - self.now()).total_seconds()
            if left <= 0:
                return
            await asyncio.sleep(min(left, _SYSTEM_SLEEP_STEP))


class ManualClock:
    """A clock that only moves when told to; for tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError(f"ManualClock needs an aware datetime, got naive {start!r}")
        self._now = start.astimezone(UTC)
        # (instant, tie-breaker, future) of every sleep_until still waiting
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        """Jump to `at` (which may not be earlier than now); wakes the sleepers due by then."""
        if at.tzinfo is None:
            raise ValueError(f"ManualClock.set needs an aware datetime, got naive {at!r}")
        at = at.astimezone(UTC)
        if at < self._now:
            raise ValueError(f"time does not run backwards: {at} < {self._now}")
        self._now = at
        while self._sleepers and self._sleepers[0][0] <= at:
            _, _, waiter = heapq.heappop(self._sleepers)
            if not waiter.done():
                # thread-safe: a test may move the clock from another thread than the loop's
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new now."""
        self.set(self._now + delta)
        return self._now

    async def sleep_until(self, instant: datetime) -> None:
        """Return once the clock has been moved to `instant` or past it."""
        if instant <= self._now:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (instant, next(self._order), waiter))
        await waiter

    @property
    def sleepers(self) -> int:
        """How many sleep_until calls wait (tests use it to know a waiter is in place)."""
        return sum(1 for _, _, w in self._sleepers if not w.done())


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
