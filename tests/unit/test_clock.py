"""Clocks: a manual clock wakes `sleep_until` waiters when a test moves it; the system
clock sleeps for real."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from handoff.clock import ManualClock, SystemClock

START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


async def test_a_manual_clock_wakes_sleepers_when_moved_to_their_instant() -> None:
    clock = ManualClock(START)
    woke: list[str] = []

    async def sleeper(name: str, minutes: int) -> None:
        await clock.sleep_until(START + timedelta(minutes=minutes))
        woke.append(name)

    tasks = [asyncio.create_task(sleeper(n, m)) for n, m in (("b", 20), ("a", 10), ("c", 30))]
    await asyncio.sleep(0)
    assert clock.sleepers == 3
    clock.advance(timedelta(minutes=9))
    await asyncio.sleep(0.01)
    assert woke == []
    clock.advance(timedelta(minutes=11))  # 14:20: a and b are due, c is not
    await asyncio.sleep(0.01)
    assert sorted(woke) == ["a", "b"]
    assert clock.sleepers == 1
    clock.set(START + timedelta(hours=1))
    await asyncio.gather(*tasks)
    assert sorted(woke) == ["a", "b", "c"]


async def test_an_instant_already_passed_returns_at_once_and_a_cancelled_sleeper_is_dropped() -> (
    None
):
    clock = ManualClock(START)
    await asyncio.wait_for(clock.sleep_until(START), 1)
    await asyncio.wait_for(clock.sleep_until(START - timedelta(days=1)), 1)
    waiting = asyncio.create_task(clock.sleep_until(START + timedelta(minutes=5)))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert clock.sleepers == 0
    clock.advance(timedelta(minutes=10))  # waking a cancelled waiter is harmless


def test_a_manual_clock_refuses_naive_instants_and_going_back() -> None:
    clock = ManualClock(START)
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2026, 11, 28))
    with pytest.raises(ValueError, match="backwards"):
        clock.set(START - timedelta(seconds=1))


async def test_the_system_clock_sleeps_until_the_instant() -> None:
    clock = SystemClock()
    t0 = time.monotonic()
    await clock.sleep_until(clock.now() + timedelta(milliseconds=150))
    assert 0.12 <= time.monotonic() - t0 < 1.0
    t0 = time.monotonic()
    await clock.sleep_until(clock.now() - timedelta(hours=1))
    assert time.monotonic() - t0 < 0.05
