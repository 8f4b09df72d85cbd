"""Travel periods: dated stays in another zone, and looking them up by date.

A period covers local dates ``start``..``end`` (both inclusive). With
``hours="LOCAL"`` the weekly pattern applies as wall-clock time in the visited
zone and the period's dates are local dates there; with ``hours="HOME"`` the
person keeps home-zone hours (dates read in the home zone) and the period only
records where they are. Public holidays come from the home region unless
``holidays="VISITED"``, which takes them from ``visited_region``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any, Literal
from zoneinfo import ZoneInfo

from handoff.calendar.days import load_zone, parse_date
from handoff.calendar.errors import InvalidPattern
from handoff.calendar.public_holidays import HolidayRegion

__all__ = [
    "MAX_TRAVEL_DAYS",
    "HolidaySource",
    "Hours",
    "Itinerary",
    "TravelPeriod",
    "parse_travel",
]

Hours = Literal["LOCAL", "HOME"]
HolidaySource = Literal["HOME", "VISITED"]

MAX_TRAVEL_DAYS = 366
_KEYS = ("start", "end", "timezone", "hours", "holidays", "visited_region")
_HOURS: tuple[Hours, ...] = ("LOCAL", "HOME")
_HOLIDAYS: tuple[HolidaySource, ...] = ("HOME", "VISITED")


@dataclass(frozen=True, slots=True)
class TravelPeriod:
    """A stay in ``timezone`` on local dates ``start``..``end`` (both inclusive).

    ``hours``: ``"LOCAL"`` (the weekly pattern as wall time where they are) or
    ``"HOME"`` (home-zone hours while away). ``holidays``: ``"HOME"`` (the home
    region's) or ``"VISITED"`` (``visited_region``'s, which is then required).
    Invalid values raise ``InvalidPattern`` with a field below ``travel``.
    """

    start: date
    end: date
    timezone: str
    hours: Hours = "LOCAL"
    holidays: HolidaySource = "HOME"
    visited_region: HolidayRegion | None = None
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zone = _check(
            self.start,
            self.end,
            self.timezone,
            self.hours,
            self.holidays,
            self.visited_region,
            "travel",
        )
        object.__setattr__(self, "zone", zone)
        # The canonical zone name, so equal periods compare equal.
        object.__setattr__(self, "timezone", zone.key)

    @property
    def local_hours(self) -> bool:
        """True when the weekly pattern applies as wall time in the visited zone."""
        return self.hours == "LOCAL"

    def covers(self, local_date: date) -> bool:
        """Whether ``local_date`` is one of the period's dates."""
        return self.start <= local_date <= self.end

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON form (every key present; ``visited_region`` may be None)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "timezone": self.timezone,
            "hours": self.hours,
            "holidays": self.holidays,
            "visited_region": (
                self.visited_region.to_dict() if self.visited_region is not None else None
            ),
        }


def _check(
    start: date,
    end: date,
    timezone: object,
    hours: object,
    holidays: object,
    region: HolidayRegion | None,
    prefix: str,
) -> ZoneInfo:
    """Validate one period's own values, naming fields below ``prefix``; returns its zone."""
    if end < start:
        raise InvalidPattern(
            f"travel end {end.isoformat()!r} is before its start {start.isoformat()!r}",
            f"{prefix}.end",
        )
    days = (end - start).days + 1
    if days > MAX_TRAVEL_DAYS:
        raise InvalidPattern(
            f"travel period {start.isoformat()}..{end.isoformat()} is {days} days long; "
            f"at most {MAX_TRAVEL_DAYS}",
            f"{prefix}.end",
        )
    zone = load_zone(timezone, f"{prefix}.timezone")
    if hours not in _HOURS:
        raise InvalidPattern(f"travel hours {hours!r} must be 'LOCAL' or 'HOME'", f"{prefix}.hours")
    if holidays not in _HOLIDAYS:
        raise InvalidPattern(
            f"travel holidays {holidays!r} must be 'HOME' or 'VISITED'", f"{prefix}.holidays"
        )
    if holidays == "VISITED" and region is None:
        raise InvalidPattern(
            "travel holidays 'VISITED' needs a visited_region", f"{prefix}.visited_region"
        )
    return zone


def _parse_one(item: object, prefix: str) -> TravelPeriod:
    if not isinstance(item, Mapping):
        raise InvalidPattern(f"travel period {item!r} must be a mapping", prefix)
    for key in item:
        if key not in _KEYS:
            raise InvalidPattern(f"unknown key {key!r} in travel period", f"{prefix}.{key}")
    start = parse_date(item.get("start"), f"{prefix}.start")
    end = parse_date(item.get("end"), f"{prefix}.end")
    hours = item.get("hours", "LOCAL")
    holidays = item.get("holidays", "HOME")
    region = HolidayRegion.parse(item.get("visited_region"), f"{prefix}.visited_region")
    # Validate with this period's own field path before the constructor's generic one.
    zone = _check(start, end, item.get("timezone"), hours, holidays, region, prefix)
    return TravelPeriod(start, end, zone.key, hours, holidays, region)


def parse_travel(value: object) -> tuple[TravelPeriod, ...]:
    """Validate the ``travel`` list (absent = no travel); sorted by start."""
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidPattern(f"travel {value!r} must be a list", "travel")
    parsed = [(_parse_one(item, f"travel.{i}"), i) for i, item in enumerate(value)]
    check_disjoint(parsed)
    return tuple(p for p, _ in sorted(parsed, key=lambda pi: pi[0].start))


def check_disjoint(periods: Sequence[tuple[TravelPeriod, int]]) -> None:
    """Refuse two periods that share a date (back to back is fine).

    ``periods`` pairs each period with its index in the input, which the
    error's field names (the later-starting of the two).
    """
    ordered = sorted(periods, key=lambda pi: (pi[0].start, pi[1]))
    for (a, _), (b, j) in pairwise(ordered):
        if b.start <= a.end:
            raise InvalidPattern(
                f"travel period {b.start.isoformat()}..{b.end.isoformat()} shares dates with "
                f"{a.start.isoformat()}..{a.end.isoformat()}",
                f"travel.{j}.start",
            )


class Itinerary:
    """Disjoint travel periods sorted by start, looked up by local date ordinal."""

    __slots__ = ("_ends", "_starts", "periods")

    def __init__(self, periods: tuple[TravelPeriod, ...]) -> None:
        self.periods = periods
        self._starts = [p.start.toordinal() for p in periods]
        self._ends = [p.end.toordinal() for p in periods]

    def on(self, ordinal: int) -> TravelPeriod | None:
        """The period whose dates include ``ordinal``, or None."""
        i = bisect_right(self._starts, ordinal) - 1
        if i >= 0 and ordinal <= self._ends[i]:
            return self.periods[i]
        return None

    def between(self, first: int, last: int) -> list[tuple[int, int, TravelPeriod]]:
        """``(first ordinal, last ordinal, period)`` of each period meeting ``[first, last]``."""
        out = []
        i = max(bisect_right(self._starts, first) - 1, 0)
        while i < len(self.periods) and self._starts[i] <= last:
            if self._ends[i] >= first:
                out.append((self._starts[i], self._ends[i], self.periods[i]))
            i += 1
        return out
