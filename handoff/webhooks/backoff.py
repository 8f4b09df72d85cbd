"""When to probe a failing webhook endpoint again: a pure function of the failure count.

After the n-th failed attempt in a row, the endpoint is probed again after about 1, 2, 5,
10, 15, 30, 60 s (an endpoint that was down for a few seconds, a deploy or a restart, is
back in business within seconds), then 5 min, 30 min, 2 h, 5 h, 10 h, then daily, until
three days after the first failure; the last delay is clamped so the final attempt lands
at the three-day mark. Jitter only ever *adds* up to 10 % of a delay, so the real time
between the first and the last attempt is never shorter than the nominal three days
(the auto-disable rule relies on that).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Protocol

BASE_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=1),
    timedelta(seconds=2),
    timedelta(seconds=5),
    timedelta(seconds=10),
    timedelta(seconds=15),
    timedelta(seconds=30),
    timedelta(seconds=60),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
DAILY = timedelta(days=1)
GIVE_UP_AFTER = timedelta(days=3)
JITTER = 0.10


class RandomSource(Protocol):
    """Anything with `random()` in [0, 1): `random.Random`, or a fixed stub in tests."""

    def random(self) -> float: ...


def nominal_delay(attempt: int) -> timedelta | None:
    """The delay (without jitter) after failed attempt number `attempt` (1-based).

    None when the schedule is exhausted: the endpoint is given up (disabled).
    """
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, got {attempt}")
    elapsed = timedelta(0)
    for n in range(1, attempt + 1):
        if elapsed >= GIVE_UP_AFTER:
            return None
        step = BASE_DELAYS[n - 1] if n <= len(BASE_DELAYS) else DAILY
        step = min(step, GIVE_UP_AFTER - elapsed)
        if n == attempt:
            return step
        elapsed += step
    raise AssertionError("unreachable")


def next_delay(attempt: int, rng: RandomSource | None = None) -> timedelta | None:
    """The delay after failed attempt `attempt`, with up to +10 % jitter; None = give up."""
    base = nominal_delay(attempt)
    if base is None:
        return None
    source = rng if rng is not None else random
    factor = 1.0 + JITTER * source.random()
    return timedelta(seconds=base.total_seconds() * factor)


def schedule() -> list[timedelta]:
    """Every nominal delay, in order (for docs and tests)."""
    out: list[timedelta] = []
    n = 1
    while (d := nominal_delay(n)) is not None:
        out.append(d)
        n += 1
    return out
