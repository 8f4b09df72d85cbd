"""A deliberately simple reference implementation for property tests.

It enumerates local dates one by one, applies the precedence rule straight
from the pattern's dict, resolves every wall time with
``datetime(..., tzinfo=zone, fold=0)`` normalised through UTC, and merges by
brute force. Slow and obvious on purpose.

Travel periods: a date inside a period is read in the period's zone when the
period keeps ``LOCAL`` hours (else in the home zone), and takes its holidays
from ``visited_region`` when ``holidays`` is ``VISITED``. Working time is the
union over all dates. The date in force at an instant is the latest date
whose midnight (in its own zone) is not after the instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@cache
def _holiday_dates(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


def ref_period(data: dict[str, Any], d: date) -> dict[str, Any] | None:
    """The travel period (as its dict) whose dates include ``d``, or None."""
    for period in data.get("travel") or []:
        if date.fromisoformat(period["start"]) <= d <= date.fromisoformat(period["end"]):
            return period
    return None


def ref_zone(data: dict[str, Any], d: date) -> ZoneInfo:
    """The zone local date ``d`` is read in."""
    period = ref_period(data, d)
    if period is not None and period.get("hours", "LOCAL") == "LOCAL":
        return ZoneInfo(period["timezone"])
    return ZoneInfo(data["timezone"])


def _day_intervals(data: dict[str, Any], d: date) -> list[tuple[int, int]]:
    for off in data.get("time_off") or []:
        if date.fromisoformat(off["start"]) <= d <= date.fromisoformat(off["end"]):
            return []
    overrides = data.get("overrides") or {}
    if d.isoformat() in overrides:
        texts = overrides[d.isoformat()]
    else:
        region = data.get("holidays")
        period = ref_period(data, d)
        if period is not None and period.get("holidays", "HOME") == "VISITED":
            region = period["visited_region"]
        if region and d in _holiday_dates(region["country"], region.get("subdivision"), d.year):
            return []
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d.weekday()]
        texts = (data.get("weekly") or {}).get(day, [])
    out = []
    for text in texts:
        a, b = text.split("-")
        s, e = _minutes(a), _minutes(b)
        if e <= s:
            e += 1440
        out.append((s, e))
    return out


def _resolve(zone: ZoneInfo, d: date, minute: int) -> datetime:
    day = d + timedelta(days=minute // 1440)
    minute %= 1440
    wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone).replace(fold=0)
    return wall.astimezone(UTC)


def _edge(zone: ZoneInfo, d: date, minute: int) -> datetime:
    """An interval's start or end: a wall time in a spring-forward gap is the clock
    change (found by walking back a minute at a time while the offset holds)."""
    t = _resolve(zone, d, minute)
    local = t.astimezone(zone)
    if (local.hour * 60 + local.minute, local.date()) == (
        minute % 1440,
        d + timedelta(days=minute // 1440),
    ):
        return t
    offset = local.utcoffset()
    while (t - timedelta(minutes=1)).astimezone(zone).utcoffset() == offset:
        t -= timedelta(minutes=1)
    return t


def ref_day_start(data: dict[str, Any], d: date) -> datetime:
    """Midnight starting local date ``d`` in the zone ``d`` is read in."""
    return _resolve(ref_zone(data, d), d, 0)


def ref_date_at(data: dict[str, Any], t: datetime) -> date:
    """The latest local date that has begun at ``t``."""
    t = t.astimezone(UTC)
    d = t.date() + timedelta(days=3)
    while ref_day_start(data, d) > t:
        d -= timedelta(days=1)
    return d


def ref_windows(data: dict[str, Any], a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
    """Merged working windows clipped to [a, b)."""
    a = a.astimezone(UTC)
    b = b.astimezone(UTC)
    raw = []
    d = a.date() - timedelta(days=3)
    while d <= b.date() + timedelta(days=2):
        zone = ref_zone(data, d)
        for s, e in _day_intervals(data, d):
            us, ue = max(_edge(zone, d, s), a), min(_edge(zone, d, e), b)
            if us < ue:
                raw.append((us, ue))
        d += timedelta(days=1)
    raw.sort()
    merged: list[tuple[datetime, datetime]] = []
    for s, e in raw:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def ref_add(
    data: dict[str, Any], a: datetime, d: timedelta, horizon_days: int = 60
) -> datetime | None:
    """Earliest t >= a with d of working time in [a, t), or None beyond the horizon."""
    if d == timedelta(0):
        return a.astimezone(UTC)
    left = d
    for s, e in ref_windows(data, a, a + timedelta(days=horizon_days)):
        if e - s >= left:
            return s + left
        left -= e - s
    return None


def ref_is_working(data: dict[str, Any], t: datetime) -> bool:
    return bool(ref_windows(data, t, t + timedelta(microseconds=1)))


def ref_focus_data(data: dict[str, Any], focus: dict[str, list[str]]) -> dict[str, Any]:
    """Focus blocks as a pattern: weekly only, in the zone each date is read in."""
    travel = [
        {"start": p["start"], "end": p["end"], "timezone": p["timezone"], "hours": "LOCAL"}
        for p in data.get("travel") or []
        if p.get("hours", "LOCAL") == "LOCAL"
    ]
    return {"timezone": data["timezone"], "weekly": focus, "travel": travel}


def ref_digest_instants(
    data: dict[str, Any], digests: list[str], a: datetime, b: datetime
) -> list[datetime]:
    """Every digest time of every date, as instants in [a, b), sorted."""
    out = []
    d = a.astimezone(UTC).date() - timedelta(days=3)
    while d <= b.astimezone(UTC).date() + timedelta(days=2):
        for text in digests:
            t = _resolve(ref_zone(data, d), d, _minutes(text))
            if a <= t < b:
                out.append(t)
        d += timedelta(days=1)
    return sorted(set(out))
