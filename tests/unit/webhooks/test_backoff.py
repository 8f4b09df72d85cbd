"""The probe schedule: 1, 2, 5, 10, 15, 30, 60 s, 5 min, 30 min, 2 h, 5 h, 10 h, then daily, to 3 days."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from handoff.webhooks.backoff import GIVE_UP_AFTER, JITTER, next_delay, nominal_delay, schedule


class Fixed:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_nominal_schedule() -> None:
    short = [timedelta(seconds=s) for s in (1, 2, 5, 10, 15, 30, 60)]
    long = [
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(days=1),
        timedelta(days=1),
    ]
    so_far = sum(short + long, timedelta())
    # clamped so the last attempt lands at the 3-day mark
    assert schedule() == [*short, *long, timedelta(days=3) - so_far]
    assert sum(schedule(), timedelta()) == GIVE_UP_AFTER
    assert nominal_delay(len(schedule()) + 1) is None
    assert next_delay(len(schedule()) + 1, Fixed(0.5)) is None


def test_jitter_only_adds_up_to_ten_percent() -> None:
    assert next_delay(1, Fixed(0.0)) == timedelta(seconds=1)
    assert next_delay(10, Fixed(0.999)) == timedelta(hours=2) * (1 + JITTER * 0.999)
    rng = random.Random(7)
    for attempt in range(1, len(schedule()) + 1):
        base = nominal_delay(attempt)
        assert base is not None
        for _ in range(50):
            d = next_delay(attempt, rng)
            assert d is not None and base <= d < base * (1 + JITTER)


def test_total_with_jitter_is_never_shorter_than_three_days() -> None:
    rng = random.Random(1)
    total = timedelta()
    n = 1
    while (d := next_delay(n, rng)) is not None:
        total += d
        n += 1
    assert GIVE_UP_AFTER <= total < GIVE_UP_AFTER * (1 + JITTER)


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        nominal_delay(0)
