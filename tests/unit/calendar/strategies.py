"""Hypothesis strategies: random patterns and instants near DST transitions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

ZONES = [
    "Europe/Amsterdam",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "UTC",
    "America/Santiago",
]

# Instants near transitions in several hemispheres.
BASES = [
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 9, 26, tzinfo=UTC),
    datetime(2026, 4, 27, tzinfo=UTC),
    datetime(2026, 12, 25, tzinfo=UTC),
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


@st.composite
def day_intervals(draw: st.DrawFn) -> list[str]:
    """0-3 non-overlapping intervals (possibly overnight or 24 h), on a 15-minute grid."""
    out: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, 95)) * 15
        length = draw(st.integers(1, 96)) * 15
        end = start + length
        if all(end <= s or start >= e for s, e in out):
            out.append((start, end))
    texts = []
    for s, e in out:
        if e == 1440:
            texts.append(f"{_clock(s)}-" + draw(st.sampled_from(["24:00", "00:00"])))
        else:
            texts.append(f"{_clock(s)}-{_clock(e % 1440)}")
    return texts


# Travel destinations: the zones above plus the extremes of the UTC offset range
# (+14 and -12, more than a day apart) and big-offset everyday destinations.
TRAVEL_ZONES = [
    *ZONES,
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Pacific/Kiritimati",
    "Etc/GMT+12",
    "Pacific/Auckland",
]
VISITED_REGIONS = [
    {"country": "JP", "subdivision": None},
    {"country": "US", "subdivision": "CA"},
    {"country": "AU", "subdivision": "NSW"},
    {"country": "NL", "subdivision": None},
    {"country": "GB", "subdivision": "ENG"},
]


@st.composite
def travel_periods(draw: st.DrawFn, base: date) -> list[dict[str, Any]]:
    """1-3 disjoint periods near ``base`` (sometimes back to back), any mix of modes."""
    out: list[dict[str, Any]] = []
    start = base + timedelta(days=draw(st.integers(-6, 3)))
    for _ in range(draw(st.integers(1, 3))):
        end = start + timedelta(days=draw(st.integers(0, 5)))
        period: dict[str, Any] = {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "timezone": draw(st.sampled_from(TRAVEL_ZONES)),
            "hours": draw(st.sampled_from(["LOCAL", "LOCAL", "HOME"])),
        }
        if draw(st.booleans()):
            period["holidays"] = "VISITED"
            period["visited_region"] = draw(st.sampled_from(VISITED_REGIONS))
        out.append(period)
        start = end + timedelta(days=draw(st.integers(1, 4)))
    return out


@st.composite
def patterns(draw: st.DrawFn, zone: str | None = None, travel: bool = False) -> dict[str, Any]:
    """A random pattern dict (weekly, maybe holidays, time off, overrides; travel if asked)."""
    data: dict[str, Any] = {"timezone": zone or draw(st.sampled_from(ZONES))}
    days = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=7))
    data["weekly"] = {d: draw(day_intervals()) for d in days}
    if draw(st.booleans()):
        data["holidays"] = {"country": "NL", "subdivision": None}
    base = draw(st.sampled_from(BASES)).date()
    if draw(st.booleans()):
        start = base + timedelta(days=draw(st.integers(-5, 5)))
        end = start + timedelta(days=draw(st.integers(0, 3)))
        data["time_off"] = [{"start": start.isoformat(), "end": end.isoformat()}]
    overrides: dict[str, list[str]] = {}
    for _ in range(draw(st.integers(0, 2))):
        d: date = base + timedelta(days=draw(st.integers(-4, 4)))
        overrides[d.isoformat()] = draw(day_intervals())
    if overrides:
        data["overrides"] = overrides
    if travel:
        data["travel"] = draw(travel_periods(base))
    return data


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """An aware instant within a few days of a transition, sometimes with µs."""
    base = draw(st.sampled_from(BASES))
    offset = timedelta(minutes=draw(st.integers(-4 * 1440, 4 * 1440)))
    if draw(st.booleans()):
        offset += timedelta(microseconds=draw(st.integers(0, 59_999_999)))
    return base + offset


durations = st.integers(0, 40 * 60).map(lambda m: timedelta(minutes=m)) | st.integers(
    0, 10**11
).map(lambda us: timedelta(microseconds=us))
