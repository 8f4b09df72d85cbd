"""``WorkingPattern``: when one person works, and the queries on it.

Every local date has one zone in force: a travel period's zone for the dates
of a period with local hours, the home zone otherwise. Each date's intervals
are resolved in its zone (time off > override > public holiday > weekly), and
working time is the union of all of them, so real time two dates cover counts
once. At an instant, the date in force is the latest one that has begun.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from handoff.calendar.days import (
    DaySource,
    TimeOff,
    load_zone,
    parse_overrides,
    parse_time_off,
)
from handoff.calendar.errors import InvalidPattern
from handoff.calendar.intervals import WEEKDAYS, WallInterval, parse_weekly
from handoff.calendar.public_holidays import HolidayRegion
from handoff.calendar.rules import DayRules
from handoff.calendar.timeline import CHUNK_DAYS, Chunk, Timeline
from handoff.calendar.travel import Itinerary, TravelPeriod, check_disjoint, parse_travel
from handoff.calendar.wallclock import EPOCH, from_us, to_us

__all__ = ["DaySource", "TimeOff", "WorkingPattern", "load_zone"]

_US = timedelta(microseconds=1)
_ZERO = timedelta(0)
# Chunks the inlined query paths walk before handing over to the timeline.
_FAST_CHUNKS = 4
_TOP_KEYS = ("timezone", "weekly", "holidays", "time_off", "overrides", "travel")


# Canonical key -> shared timeline, so equal patterns share built chunks.
# Bounded: when full, the oldest entries are dropped (patterns holding a
# reference keep theirs).
_TIMELINES: dict[tuple[Any, ...], Timeline] = {}
_TIMELINES_LIMIT = 50_000


class WorkingPattern(DayRules):
    """Weekly wall-clock intervals in a zone, with holidays, time off, overrides and travel.

    Build it with :meth:`from_dict`. Instances are immutable, compare and hash
    by canonical content, and every method returns aware UTC datetimes.
    """

    __slots__ = (
        "_chunks",
        "_hash",
        "_itinerary",
        "_key",
        "_off_ranges",
        "_override_map",
        "_timeline",
        "holidays",
        "overrides",
        "time_off",
        "timezone",
        "travel",
        "weekly",
        "zone",
    )

    timezone: str
    zone: ZoneInfo
    weekly: tuple[tuple[WallInterval, ...], ...]
    holidays: HolidayRegion | None
    time_off: tuple[TimeOff, ...]
    overrides: tuple[tuple[date, tuple[WallInterval, ...]], ...]
    travel: tuple[TravelPeriod, ...]
    _key: tuple[Any, ...]
    _hash: int
    _override_map: dict[int, tuple[WallInterval, ...]]
    _off_ranges: tuple[tuple[int, int], ...]
    _itinerary: Itinerary | None
    _timeline: Timeline
    _chunks: dict[int, Chunk]

    def __init__(
        self,
        timezone: str,
        weekly: tuple[tuple[WallInterval, ...], ...] = ((),) * 7,
        holidays: HolidayRegion | None = None,
        time_off: tuple[TimeOff, ...] = (),
        overrides: tuple[tuple[date, tuple[WallInterval, ...]], ...] = (),
        travel: tuple[TravelPeriod, ...] = (),
    ) -> None:
        if len(weekly) != 7:
            raise InvalidPattern("weekly must have seven days", "weekly")
        zone = load_zone(timezone)
        if travel:
            check_disjoint([(p, i) for i, p in enumerate(travel)])
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
        setattr_(self, "travel", tuple(sorted(travel, key=lambda t: t.start)))
        key = (
            self.timezone,
            self.weekly,
            self.holidays,
            self.time_off,
            self.overrides,
            self.travel,
        )
        setattr_(self, "_key", key)
        setattr_(self, "_hash", hash(key))
        setattr_(self, "_override_map", {d.toordinal(): ivs for d, ivs in self.overrides})
        setattr_(
            self,
            "_off_ranges",
            tuple((t.start.toordinal(), t.end.toordinal()) for t in self.time_off),
        )
        setattr_(self, "_itinerary", Itinerary(self.travel) if self.travel else None)
        timeline = _TIMELINES.get(key)
        if timeline is None:
            never = not any(self.weekly) and not any(ivs for _, ivs in self.overrides)
            # Only local-hours periods in another zone move wall times; the rest
            # change at most which holidays apply, which the exceptions cover.
            away = tuple(
                (p.start.toordinal(), p.end.toordinal(), p.zone)
                for p in self.travel
                if p.local_hours and p.zone.key != zone.key
            )
            timeline = Timeline(zone, self.weekly, self._exceptions, never, away)
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

        ``travel`` is optional (absent = no travel). Raises ``InvalidPattern``
        naming the offending value and its field path.
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
            parse_time_off(data.get("time_off")),
            parse_overrides(data.get("overrides")),
            parse_travel(data.get("travel")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Canonical JSON-serialisable form; ``from_dict(p.to_dict()) == p``.

        ``travel`` appears only when there is some, so patterns without travel
        keep the dict they always had.
        """
        out: dict[str, Any] = {
            "timezone": self.timezone,
            "weekly": {
                name: [str(iv) for iv in day]
                for name, day in zip(WEEKDAYS, self.weekly, strict=True)
            },
            "holidays": self.holidays.to_dict() if self.holidays is not None else None,
            "time_off": [t.to_dict() for t in self.time_off],
            "overrides": {d.isoformat(): [str(iv) for iv in ivs] for d, ivs in self.overrides},
        }
        if self.travel:
            out["travel"] = [t.to_dict() for t in self.travel]
        return out

    # -- where the person is --------------------------------------------------

    def zone_on(self, local_date: date) -> ZoneInfo:
        """The zone whose wall clock ``local_date``'s hours, focus blocks and digests use.

        The visited zone on the dates of a travel period with ``LOCAL`` hours,
        the home zone otherwise (also while away with ``HOME`` hours).
        """
        return self._timeline.zone_on(local_date.toordinal())

    def _date_at(self, us: int) -> int:
        # The local date in force at an instant (see Timeline.date_at).
        return self._timeline.date_at(us)

    def _in_force(self, first: int, last: int) -> tuple[int, int]:
        # When some date of first..last is in force (see Timeline.in_force).
        return self._timeline.in_force(first, last)

    def _zone_at(self, us: int) -> ZoneInfo:
        # The zone in force (hours) at an instant, in integer microseconds.
        if not self._timeline._away:
            return self.zone
        return self._timeline.zone_on(self._timeline.date_at(us))

    def local_date(self, at: datetime) -> date:
        """The local date in force at ``at`` (in the zone that date is read in)."""
        return date.fromordinal(self._date_at(to_us(at, "at")))

    def hours_zone_at(self, at: datetime) -> ZoneInfo:
        """The zone whose wall clock the person's hours follow at ``at``.

        The zone in force on :meth:`local_date`; differs from :meth:`zone_at`
        only during a travel period with ``HOME`` hours.
        """
        return self._zone_at(to_us(at, "at"))

    def travel_at(self, at: datetime) -> TravelPeriod | None:
        """The travel period in force at ``at`` (its dates include the date in force)."""
        us = to_us(at, "at")
        if self._itinerary is None:
            return None
        return self._itinerary.on(self._date_at(us))

    def zone_at(self, at: datetime) -> ZoneInfo:
        """Where the person is at ``at``: the visited zone during travel, else home."""
        period = self.travel_at(at)
        return period.zone if period is not None else self.zone

    # -- queries --------------------------------------------------------------

    def local(self, at: datetime) -> datetime:
        """The instant ``at`` on the wall clock where the person is (see :meth:`zone_at`)."""
        us = to_us(at, "at")
        zone = self.zone
        if self._itinerary is not None:
            period = self._itinerary.on(self._date_at(us))
            if period is not None:
                zone = period.zone
        return from_us(us).astimezone(zone)

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
