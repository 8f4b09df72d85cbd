"""The data of single local dates: zones, dates, time off, overrides, and ``DaySource``.

Parsing and validation of the date-keyed parts of a pattern live here so that
``pattern.py`` keeps to the queries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff.calendar.errors import InvalidPattern
from handoff.calendar.intervals import WallInterval, parse_day_intervals

if TYPE_CHECKING:
    from handoff.calendar.travel import TravelPeriod

__all__ = [
    "DayKind",
    "DaySource",
    "TimeOff",
    "load_zone",
    "parse_date",
    "parse_overrides",
    "parse_time_off",
]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

DayKind = Literal["weekly", "holiday", "time_off", "override"]


def load_zone(name: object, field: str = "timezone") -> ZoneInfo:
    """The IANA zone ``name``; unknown or malformed names raise ``InvalidPattern``."""
    if not isinstance(name, str) or not name:
        raise InvalidPattern(
            f"time zone {name!r} must be an IANA name like 'Europe/Amsterdam'", field
        )
    if name in _NOT_ZONES or name.startswith(_NOT_ZONE_TREES):
        raise InvalidPattern(f"{name!r} is not an IANA time zone name", field)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidPattern(f"unknown time zone {name!r}", field) from None


# Files a zoneinfo directory holds that are not zones people live in: "localtime" is the
# host's own zone (API and worker hosts may differ), "Factory" a placeholder, and the
# "right/" tree counts leap seconds (its clocks are 27 s off civil time).
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
_NOT_ZONE_TREES = ("right/", "posix/")


def parse_date(value: object, field: str) -> date:
    """A ``YYYY-MM-DD`` string as a date; anything else raises ``InvalidPattern``."""
    if not isinstance(value, str) or _DATE_RE.match(value) is None:
        raise InvalidPattern(f"date {value!r} is not of the form 'YYYY-MM-DD'", field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidPattern(f"date {value!r} is not a valid calendar date", field) from None


@dataclass(frozen=True, slots=True, order=True)
class TimeOff:
    """Local dates ``start``..``end`` (both inclusive) without work.

    A ``private`` period's reason is the person's own: explanations and timelines say
    "time off" without it (``label``).
    """

    start: date
    end: date
    reason: str | None = None
    private: bool = False

    @property
    def label(self) -> str | None:
        """What others are told of why: the reason, unless it is private."""
        return None if self.private else self.reason

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON form; ``reason`` only when set, ``private`` only when true."""
        out: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.reason is not None:
            out["reason"] = self.reason
        if self.private:
            out["private"] = True
        return out


@dataclass(frozen=True, slots=True)
class DaySource:
    """Why a local date has the intervals it has.

    ``kind`` is the rule that decided (``"time_off"`` > ``"override"`` >
    ``"holiday"`` > ``"weekly"``); ``label`` is the holiday name or time-off
    reason; ``intervals`` are the wall-clock intervals that start on that date;
    ``travel`` is the travel period the date lies in, if any (its intervals are
    then wall-clock in the visited zone when the period keeps ``LOCAL`` hours).
    """

    kind: DayKind
    label: str | None
    intervals: tuple[WallInterval, ...]
    travel: TravelPeriod | None = None


def parse_time_off(value: object) -> tuple[TimeOff, ...]:
    """Validate the ``time_off`` list; sorted by start, end and reason."""
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise InvalidPattern(f"time_off {value!r} must be a list", "time_off")
    out: list[TimeOff] = []
    for i, item in enumerate(value):
        field = f"time_off.{i}"
        if not isinstance(item, Mapping):
            raise InvalidPattern(f"time off entry {item!r} must be a mapping", field)
        for key in item:
            if key not in ("start", "end", "reason", "private"):
                raise InvalidPattern(f"unknown key {key!r} in time off entry", f"{field}.{key}")
        start = parse_date(item.get("start"), f"{field}.start")
        end = parse_date(item.get("end"), f"{field}.end")
        if end < start:
            raise InvalidPattern(
                f"time off end {item.get('end')!r} is before its start {item.get('start')!r}",
                f"{field}.end",
            )
        reason = item.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise InvalidPattern(f"time off reason {reason!r} must be a string", f"{field}.reason")
        private = item.get("private", False)
        if not isinstance(private, bool):
            raise InvalidPattern(
                f"time off private {private!r} must be true or false", f"{field}.private"
            )
        out.append(TimeOff(start, end, reason, private))
    return tuple(sorted(out, key=lambda t: (t.start, t.end, t.reason or "")))


def parse_overrides(value: object) -> tuple[tuple[date, tuple[WallInterval, ...]], ...]:
    """Validate ``overrides``, sorted by date: a mapping of date to intervals (the stored
    form), or a list of ``{"date", "intervals"}`` (as clients send it, so an error names
    the entry's index and a date given twice is refused instead of one entry winning)."""
    if value is None:
        return ()
    # (field of the date, the date, its intervals, field of the intervals)
    entries: list[tuple[str, object, object, str]] = []
    if isinstance(value, Mapping):
        entries = [(f"overrides.{k}", k, v, f"overrides.{k}") for k, v in value.items()]
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            if not isinstance(item, Mapping) or set(item) != {"date", "intervals"}:
                raise InvalidPattern(
                    f"override {item!r} must have a date and intervals", f"overrides.{i}"
                )
            at = f"overrides.{i}"
            entries.append((f"{at}.date", item["date"], item["intervals"], f"{at}.intervals"))
    else:
        raise InvalidPattern(
            f"overrides {value!r} must be a mapping of date to intervals", "overrides"
        )
    out: dict[date, tuple[WallInterval, ...]] = {}
    for date_field, key, intervals, intervals_field in entries:
        d = parse_date(key, date_field)
        if d in out:
            raise InvalidPattern(f"override date {key!r} is given twice", date_field)
        out[d] = parse_day_intervals(intervals, intervals_field)
    return tuple(sorted(out.items()))
