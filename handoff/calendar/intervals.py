"""Wall-clock intervals ("HH:MM-HH:MM") and clock times ("HH:MM").

Intervals are kept as minutes after the local midnight of the date they start
on. An end that is not after the start means the interval runs into the next
day (an overnight shift), so ``end`` may exceed 1440; an end equal to the start
is a 24-hour shift (``06:00-06:00`` runs to 06:00 the next day); ``24:00`` is
accepted as an end and means the next local midnight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from handoff.calendar.errors import InvalidPattern

__all__ = [
    "MINUTES_PER_DAY",
    "WEEKDAYS",
    "WallInterval",
    "format_clock",
    "parse_clock",
    "parse_day_intervals",
    "parse_interval",
    "parse_weekly",
]

MINUTES_PER_DAY = 1440
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_INTERVAL_RE = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")
_CLOCK_RE = re.compile(r"^\s*(\d{2}):(\d{2})\s*$")


def format_clock(minutes: int) -> str:
    """Format minutes after midnight as ``HH:MM`` (1440 and later wrap, except 1440 itself is ``24:00``)."""
    if minutes == MINUTES_PER_DAY:
        return "24:00"
    minutes %= MINUTES_PER_DAY
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True, order=True)
class WallInterval:
    """A half-open wall-clock interval on the local date it starts on.

    ``start`` is in ``[0, 1440)`` minutes; ``end`` is in ``(start, start + 1440]``
    so overnight shifts have ``end > 1440``.
    """

    start: int
    end: int

    @property
    def overnight(self) -> bool:
        """True when the interval ends after the local midnight following its start."""
        return self.end > MINUTES_PER_DAY

    def __str__(self) -> str:
        # The canonical text: an end at the next midnight is written 24:00.
        return f"{format_clock(self.start)}-{format_clock(self.end)}"

    def display(self) -> str:
        """Human form with an en dash, as used in explanations."""
        return f"{format_clock(self.start)}–{format_clock(self.end)}"


def parse_clock(value: object, field: str) -> int:
    """Parse ``HH:MM`` (00:00-23:59) into minutes after midnight."""
    if not isinstance(value, str):
        raise InvalidPattern(f"time {value!r} must be a string 'HH:MM'", field)
    m = _CLOCK_RE.match(value)
    if m is None:
        raise InvalidPattern(f"time {value!r} is not of the form 'HH:MM'", field)
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise InvalidPattern(f"time {value!r} is not a valid time of day", field)
    return hour * 60 + minute


def parse_interval(value: object, field: str) -> WallInterval:
    """Parse ``"HH:MM-HH:MM"``; an end not after the start runs into the next day.

    An end equal to the start is a 24-hour interval (DESIGN.md: ``end <= start``
    crosses midnight), so no interval is ever empty.
    """
    if not isinstance(value, str):
        raise InvalidPattern(f"interval {value!r} must be a string 'HH:MM-HH:MM'", field)
    m = _INTERVAL_RE.match(value)
    if m is None:
        raise InvalidPattern(f"interval {value!r} is not of the form 'HH:MM-HH:MM'", field)
    sh, sm, eh, em = (int(g) for g in m.groups())
    if sh > 23 or sm > 59:
        raise InvalidPattern(f"interval {value!r} has an invalid start time", field)
    if not (eh <= 23 and em <= 59) and not (eh == 24 and em == 0):
        raise InvalidPattern(f"interval {value!r} has an invalid end time", field)
    start = sh * 60 + sm
    end = eh * 60 + em
    if end <= start:
        end += MINUTES_PER_DAY
    return WallInterval(start, end)


# Valid day lists already parsed (the same few shapes recur across people);
# bounded by clearing. Errors are never cached: their messages name the field.
_DAY_CACHE: dict[tuple[str, ...], tuple[WallInterval, ...]] = {}
_DAY_CACHE_LIMIT = 10_000


def parse_day_intervals(values: object, field: str) -> tuple[WallInterval, ...]:
    """Parse one day's list of intervals; they must not overlap each other."""
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise InvalidPattern(f"{values!r} must be a list of 'HH:MM-HH:MM' intervals", field)
    key = tuple(values)
    try:
        return _DAY_CACHE[key]
    except (KeyError, TypeError):  # TypeError: an unhashable item, rejected below
        pass
    result = _parse_day_intervals(values, field)
    if all(type(v) is str for v in key):
        if len(_DAY_CACHE) >= _DAY_CACHE_LIMIT:
            _DAY_CACHE.clear()
        _DAY_CACHE[key] = result
    return result


def _parse_day_intervals(values: Sequence[object], field: str) -> tuple[WallInterval, ...]:
    parsed = [(parse_interval(v, f"{field}.{i}"), i) for i, v in enumerate(values)]
    ordered = sorted(parsed)
    for (prev, prev_i), (cur, cur_i) in pairwise(ordered):
        if cur.start < prev.end:
            bad_i = max(prev_i, cur_i)
            other = values[min(prev_i, cur_i)]
            raise InvalidPattern(
                f"interval {values[bad_i]!r} overlaps {other!r} on the same day",
                f"{field}.{bad_i}",
            )
    return tuple(iv for iv, _ in ordered)


def parse_weekly(value: object, field: str) -> tuple[tuple[WallInterval, ...], ...]:
    """Parse ``{"mon": [...], ...}`` into seven tuples (Monday first); missing days are empty."""
    if value is None:
        return ((),) * 7
    if not isinstance(value, Mapping):
        raise InvalidPattern(f"{field} {value!r} must be a mapping of weekday to intervals", field)
    days: list[tuple[WallInterval, ...]] = [()] * 7
    for key, intervals in value.items():
        if not isinstance(key, str) or key.lower() not in WEEKDAYS:
            raise InvalidPattern(
                f"unknown weekday {key!r} (expected one of {', '.join(WEEKDAYS)})",
                f"{field}.{key}",
            )
        days[WEEKDAYS.index(key.lower())] = parse_day_intervals(intervals, f"{field}.{key}")
    return tuple(days)
