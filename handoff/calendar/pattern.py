"""``WorkingPattern``: when one person works, and the queries on it."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff.calendar.errors import InvalidPattern
from handoff.calendar.intervals import WEEKDAYS, WallInterval, parse_day_intervals, parse_weekly
from handoff.calendar.public_holidays import HolidayRegion, holiday_name, holiday_table
from handoff.calendar.timeline import CHUNK_DAYS, Chunk, Timeline
from handoff.calendar.wallclock import EPOCH, from_us, to_us

__all__ = ["DaySource", "TimeOff", "WorkingPattern", "load_zone"]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
# Chunks the inlined query paths walk before handing over to the timeline.
_FAST_CHUNKS = 4
_TOP_KEYS = ("timezone", "weekly", "holidays", "time_off", "overrides")

DayKind = Literal["weekly", "holiday", "time_off", "override"]


def load_zone(name: object, field: str = "timezone") -> ZoneInfo:
    """The IANA zone ``name``; unknown or malformed names raise ``InvalidPattern``."""
    if not isinstance(name, str) or not name:
        raise InvalidPattern(
            f"time zone {name!r} must be an IANA name like 'Europe/Amsterdam'", field
        )
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidPattern(f"unknown time zone {name!r}", field) from None


def _parse_date(value: object, field: str) -> date:
    if not isinstance(value, str) or _DATE_RE.match(value) is None:
        raise InvalidPattern(f"date {value!r} is not of the form 'YYYY-MM-DD'", field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidPattern(f"date {value!r} is not a valid calendar date", field) from None


@dataclass(frozen=True, slots=True, order=True)
class TimeOff:
    """Local dates ``start``..``end`` (both inclusive) without work."""

    start: date
    end: date
    reason: str | None = None

    def to_dict(self) -> dict[str, str]:
        """Canonical JSON form; ``reason`` only when set."""
        out = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.reason is not None:
            out["reason"] = self.reason
        return out


@dataclass(frozen=True, slots=True)
class DaySource:
    """Why a local date has the intervals it has.

    ``kind`` is the rule that decided (``"time_off"`` > ``"override"`` >
    ``"holiday"`` > ``"weekly"``); ``label`` is the holiday name or time-off
    reason; ``intervals`` are the wall-clock intervals that start on that date.
    """

    kind: DayKind
    label: str | None
    intervals: tuple[WallInterval, ...]


def _parse_time_off(value: object) -> tuple[TimeOff, ...]:
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
            if key not in ("start", "end", "reason"):
                raise InvalidPattern(f"unknown key {key!r} in time off entry", f"{field}.{key}")
        start = _parse_date(item.get("start"), f"{field}.start")
        end = _parse_date(item.get("end"), f"{field}.end")
        if end < start:
            raise InvalidPattern(
                f"time off end {item.get('end')!r} is before its start {item.get('start')!r}",
                f"{field}.end",
            )
        reason = item.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise InvalidPattern(f"time off reason {reason!r} must be a string", f"{field}.reason")
        out.append(TimeOff(start, end, reason))
    return tuple(sorted(out, key=lambda t: (t.start, t.end, t.reason or "")))


def _parse_overrides(value: object) -> tuple[tuple[date, tuple[WallInterval, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InvalidPattern(
            f"overrides {value!r} must be a mapping of date to intervals", "overrides"
        )
    out: dict[date, tuple[WallInterval, ...]] = {}
    for key, intervals in value.items():
        field = f"overrides.{key}"
        d = _parse_date(key, field)
        if d in out:
            raise InvalidPattern(f"override date {key!r} is given twice", field)
        out[d] = parse_day_intervals(intervals, field)
    return tuple(sorted(out.items()))


# Canonical key -> shared timeline, so equal patterns share built chunks.
# Bounded: when full, the oldest entries are dropped (patterns holding a
# reference keep theirs).
_TIMELINES: dict[tuple[Any, ...], Timeline] = {}
_TIMELINES_LIMIT = 50_000


class WorkingPattern:
    """Weekly wall-clock intervals in a zone, with holidays, time off and overrides.

    Build it with :meth:`from_dict`. Instances are immutable, compare and hash
    by canonical content, and every method returns aware UTC datetimes.
    """

    __slots__ = (
        "_chunks",
        "_hash",
        "_key",
        "_off_ranges",
        "_override_map",
        "_timeline",
        "holidays",
        "overrides",
        "time_off",
        "timezone",
        "weekly",
        "zone",
    )

    timezone: str
    zone: ZoneInfo
    weekly: tuple[tuple[WallInterval, ...], ...]
    holidays: HolidayRegion | None
    time_off: tuple[TimeOff, ...]
    overrides: tuple[tuple[date, tuple[WallInterval, ...]], ...]
    _key: tuple[Any, ...]
    _hash: int
    _override_map: dict[int, tuple[WallInterval, ...]]
    _off_ranges: tuple[tuple[int, int], ...]
    _timeline: Timeline
    _chunks: dict[int, Chunk]

    def __init__(
        self,
        timezone: str,
        weekly: tuple[tuple[WallInterval, ...], ...] = ((),) * 7,
        holidays: HolidayRegion | None = None,
        time_off: tuple[TimeOff, ...] = (),
        overrides: tuple[tuple[date, tuple[WallInterval, ...]], ...] = (),
    ) -> None:
        if len(weekly) != 7:
            raise InvalidPattern("weekly must have seven days", "weekly")
        zone = load_zone(timezone)
        setattr_ = object.__setattr__
        setattr_(self, "timezone", zone.key)
        setattr_(self, "zone", zone)
        setattr_(self, "weekly", tuple(tuple(sorted(day)) for day in weekly))
        setattr_(self, "holidays", holidays)
        setattr_(
            self,
            "time_off",
            tuple(sorted(time_off, key=lambda t: (t.start, t.end, t.reason or ""))),
        )
        setattr_(self, "overrides", tuple(sorted(overrides)))
        key = (self.timezone, self.weekly, self.holidays, self.time_off, self.overrides)
        setattr_(self, "_key", key)
        setattr_(self, "_hash", hash(key))
        setattr_(self, "_override_map", {d.toordinal(): ivs for d, ivs in self.overrides})
        setattr_(
            self,
            "_off_ranges",
            tuple((t.start.toordinal(), t.end.toordinal()) for t in self.time_off),
        )
        timeline = _TIMELINES.get(key)
        if timeline is None:
            never = not any(self.weekly) and not any(ivs for _, ivs in self.overrides)
            timeline = Timeline(zone, self.weekly, self._exceptions, never)
            if len(_TIMELINES) >= _TIMELINES_LIMIT:
                # Drop the oldest tenth; dicts keep insertion order.
                for old in list(_TIMELINES)[: _TIMELINES_LIMIT // 10]:
                    del _TIMELINES[old]
            _TIMELINES[key] = timeline
        setattr_(self, "_timeline", timeline)
        # The timeline's chunk dict itself (never rebound, only cleared), so a
        # warm query reaches its chunk without going through the timeline.
        setattr_(self, "_chunks", timeline._chunks)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("WorkingPattern is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WorkingPattern):
            return NotImplemented
        return self._hash == other._hash and self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"WorkingPattern.from_dict({self.to_dict()!r})"

    # -- (de)serialisation ----------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingPattern:
        """Validate and build a pattern from its JSON form (see module docs).

        Raises ``InvalidPattern`` naming the offending value and its field path.
        """
        if not isinstance(data, Mapping):
            raise InvalidPattern(f"pattern {data!r} must be a mapping", "")
        for key in data:
            if key not in _TOP_KEYS:
                raise InvalidPattern(f"unknown pattern key {key!r}", str(key))
        if "timezone" not in data:
            raise InvalidPattern("pattern needs a 'timezone'", "timezone")
        zone = load_zone(data["timezone"])
        return cls(
            zone.key,
            parse_weekly(data.get("weekly"), "weekly"),
            HolidayRegion.parse(data.get("holidays"), "holidays"),
            _parse_time_off(data.get("time_off")),
            _parse_overrides(data.get("overrides")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON-serialisable form; ``from_dict(p.to_dict()) == p``."""
        return {
            "timezone": self.timezone,
            "weekly": {
                name: [str(iv) for iv in day]
                for name, day in zip(WEEKDAYS, self.weekly, strict=True)
            },
            "holidays": self.holidays.to_dict() if self.holidays is not None else None,
            "time_off": [t.to_dict() for t in self.time_off],
            "overrides": {d.isoformat(): [str(iv) for iv in ivs] for d, ivs in self.overrides},
        }

    # -- the rules of one local date -----------------------------------------

    def _day_intervals(self, ordinal: int) -> tuple[WallInterval, ...]:
        # Hot path of chunk building: the precedence rule without allocations.
        for lo, hi in self._off_ranges:
            if lo <= ordinal <= hi:
                return ()
        ivs = self._override_map.get(ordinal)
        if ivs is not None:
            return ivs
        day = self.weekly[(ordinal - 1) % 7]
        if day and self.holidays is not None:
            year = date.fromordinal(ordinal).year
            if holiday_name(self.holidays, year, ordinal) is not None:
                return ()
        return day

    def _exceptions(self, first: int, last: int) -> dict[int, tuple[WallInterval, ...]]:
        """Local dates in ``[first, last]`` whose intervals differ from the weekly pattern.

        Maps each to its intervals; agrees with :meth:`_day_intervals` on every date.
        """
        out: dict[int, tuple[WallInterval, ...]] = {}
        weekly = self.weekly
        for lo, hi in self._off_ranges:
            if lo <= last and hi >= first:
                for o in range(max(lo, first), min(hi, last) + 1):
                    if weekly[(o - 1) % 7]:
                        out[o] = ()
        if self._override_map:
            for o, ivs in self._override_map.items():
                if (
                    first <= o <= last
                    and o not in out
                    and not self._is_off(o)
                    and ivs != weekly[(o - 1) % 7]
                ):
                    out[o] = ivs
        if self.holidays is not None:
            y0 = date.fromordinal(first).year
            y1 = date.fromordinal(last).year
            for year in range(y0, y1 + 1):
                for o in holiday_table(self.holidays, year):
                    if (
                        first <= o <= last
                        and o not in out
                        and o not in self._override_map
                        and weekly[(o - 1) % 7]
                    ):
                        out[o] = ()
        return out

    def _is_off(self, ordinal: int) -> bool:
        return any(lo <= ordinal <= hi for lo, hi in self._off_ranges)

    def day_source(self, local_date: date) -> DaySource:
        """Which rule decides ``local_date`` and the intervals that start on it."""
        ordinal = local_date.toordinal()
        for t in self.time_off:
            if t.start <= local_date <= t.end:
                return DaySource("time_off", t.reason, ())
        ivs = self._override_map.get(ordinal)
        if ivs is not None:
            return DaySource("override", None, ivs)
        if self.holidays is not None:
            name = holiday_name(self.holidays, local_date.year, ordinal)
            if name is not None:
                return DaySource("holiday", name, ())
        return DaySource("weekly", None, self.weekly[local_date.weekday()])

    # -- queries --------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        """The instant ``at`` as a datetime in the person's zone."""
        return from_us(to_us(at, "at")).astimezone(self.zone)

    def is_working(self, at: datetime) -> bool:
        """Whether ``at`` falls inside working time."""
        return self._timeline.contains(to_us(at, "at"))

    def next_working_instant(self, at: datetime) -> datetime:
        """``at`` (in UTC) when working, else the start of the next working interval.

        Raises ``NoWorkingTime`` when there is none within 730 days.
        """
        try:
            td: object = at - EPOCH
        except TypeError:
            td = None  # naive or not a datetime: to_us raises the clear error
        if type(td) is timedelta:
            # Hot path: timedelta arithmetic on built chunks, no further calls.
            chunks = self._chunks
            k = td.days // CHUNK_DAYS
            c = chunks.get(k)
            if c is not None:
                starts = c.td_starts
                i = bisect_right(starts, td)
                if i and td < c.td_ends[i - 1]:
                    if at.tzinfo is UTC and type(at) is datetime:
                        return at
                    return EPOCH + td
                if i < len(starts):
                    return EPOCH + starts[i]
                # Nothing later in this chunk: the first start of a following one.
                for k2 in range(k + 1, k + _FAST_CHUNKS):
                    c = chunks.get(k2)
                    if c is None:
                        break
                    if c.td_starts:
                        return EPOCH + c.td_starts[0]
            us = td // _US
        else:
            us = to_us(at, "at")  # raises the clear error for naive values
        return EPOCH + _US * self._timeline.next_working(us)

    def add_working_time(self, at: datetime, duration: timedelta) -> datetime:
        """Earliest ``t >= at`` with ``working_time_between(at, t) >= duration``.

        Zero returns ``at`` in UTC; a negative duration raises ``ValueError`` and
        a non-timedelta ``TypeError`` (caller mistakes, not bad pattern data).
        """
        if type(duration) is timedelta and duration > _ZERO:
            try:
                td: object = at - EPOCH
            except TypeError:
                td = None  # naive or not a datetime: to_us below raises
            if type(td) is timedelta:
                # Hot path: walk built chunks in timedelta arithmetic; anything
                # else (a chunk not built yet, long gaps) goes to the timeline.
                chunks = self._chunks
                k = td.days // CHUNK_DAYS
                c = chunks.get(k)
                if c is not None:
                    # The chunk of ``at`` first, without loop overhead.
                    ends = c.td_ends
                    i = bisect_right(ends, td)
                    remaining = duration
                    if i < len(ends):
                        cum = c.td_cum
                        s = c.td_starts[i]
                        target = cum[i] + duration
                        if s < td:
                            target += td - s
                        if target <= c.td_total:
                            j = bisect_left(cum, target, 1) - 1
                            return EPOCH + (c.td_starts[j] + (target - cum[j]))
                        remaining = target - c.td_total
                    # Then whole following chunks that are already built.
                    for k2 in range(k + 1, k + _FAST_CHUNKS):
                        c = chunks.get(k2)
                        if c is None:
                            break
                        cum = c.td_cum
                        if remaining <= c.td_total:
                            j = bisect_left(cum, remaining, 1) - 1
                            return EPOCH + (c.td_starts[j] + (remaining - cum[j]))
                        remaining -= c.td_total
        try:
            # Attribute arithmetic is several times faster than ``duration // 1µs``.
            d = (duration.days * 86_400 + duration.seconds) * 1_000_000 + duration.microseconds
        except AttributeError:
            raise TypeError(f"duration {duration!r} must be a timedelta") from None
        if d < 0:
            raise ValueError(f"duration {duration} is negative")
        us = to_us(at, "at")  # raises the clear error for naive values
        return EPOCH + _US * self._timeline.add(us, d)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Real elapsed working time in ``[start, end)``; zero when ``end <= start``."""
        return timedelta(
            microseconds=self._timeline.between(to_us(start, "start"), to_us(end, "end"))
        )

    def windows(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Working intervals clipped to ``[start, end)``, merged where they touch, sorted."""
        spans = self._timeline.windows(to_us(start, "start"), to_us(end, "end"))
        return [(from_us(s), from_us(e)) for s, e in spans]

    # Internal µs API used by overlap and delivery (no datetime round trips).
    def _windows_us(self, a: int, b: int) -> list[tuple[int, int]]:
        return self._timeline.windows(a, b)
