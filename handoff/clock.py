"""Clocks: the only place the running system learns what time it is.

Pure code takes instants as arguments; the API and the worker take a `Clock`, so
tests move a `ManualClock` forward instead of sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that says what instant it is now (aware, UTC)."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to; for tests and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError(f"ManualClock needs an aware datetime, got naive {start!r}")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, at: datetime) -> None:
        """Jump to `at` (which may not be earlier than now)."""
        if at.tzinfo is None:
            raise ValueError(f"ManualClock.set needs an aware datetime, got naive {at!r}")
        at = at.astimezone(UTC)
        if at < self._now:
            raise ValueError(f"time does not run backwards: {at} < {self._now}")
        self._now = at

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by `delta` and return the new now."""
        self.set(self._now + delta)
        return self._now
