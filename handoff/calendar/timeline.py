"""Working intervals of one pattern as sorted UTC arrays, built lazily per chunk.

Chunks (see ``chunks.py``) are built only when a query touches them, never
years ahead, and cached on the timeline, which equal patterns share (see
``pattern.py``). A chunk is the shared weekly base chunk when no date in reach
differs from the weekly pattern; otherwise the base's per-date intervals are
reused and only the dates that differ are resolved. Dates of a travel period
with local hours are resolved in the visited zone, from that zone's base; the
timeline therefore also answers which local date (and zone) is in force at an
instant.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from zoneinfo import ZoneInfo

from handoff.calendar.chunks import (
    ADD_HORIZON_CHUNKS,
    ADD_HORIZON_YEARS,
    CHUNK_DAYS,
    CHUNK_US,
    EMPTY,
    HORIZON_CHUNKS,
    HORIZON_US,
    MAX_CHUNKS,
    Chunk,
    Weekly,
    WeeklyBase,
    chunk_days,
    merge,
    resolve_day,
    weekly_base,
)
from handoff.calendar.errors import NoWorkingTime
from handoff.calendar.intervals import WallInterval
from handoff.calendar.wallclock import DAY_US, EPOCH_ORDINAL, local_date_ordinal, resolve

__all__ = [
    "CHUNK_DAYS",
    "CHUNK_US",
    "HORIZON_US",
    "Away",
    "Chunk",
    "Exceptions",
    "Timeline",
    "WeeklyBase",
    "weekly_base",
    "window_start",
]

# Kept under its old name: tests and tools reach for it here.
_chunk_days = chunk_days

# Local date ordinal range -> the dates in it whose intervals differ from the
# weekly pattern (holidays, time off, overrides), with their intervals.
Exceptions = Callable[[int, int], dict[int, tuple[WallInterval, ...]]]
# (first ordinal, last ordinal, zone): dates whose wall times are read in
# another zone than the timeline's (travel with local hours), sorted, disjoint.
Away = tuple[tuple[int, int, ZoneInfo], ...]


class Timeline:
    """Lazily built working intervals of one zone and one day-to-intervals rule.

    A chunk without exceptions (holidays, time off, overrides that change a
    date) or dates away is the shared weekly base chunk itself; otherwise the
    bases' per-date intervals are reused and only the changed dates are resolved.
    """

    __slots__ = ("_away", "_base", "_chunks", "_exceptions", "_never_works", "zone")

    def __init__(
        self,
        zone: ZoneInfo,
        weekly: Weekly,
        exceptions: Exceptions,
        never_works: bool,
        away: Away = (),
    ) -> None:
        self.zone = zone
        self._base = weekly_base(zone, weekly)
        self._exceptions = exceptions
        # A pattern with no interval anywhere: answer "no working time" at once.
        self._never_works = never_works
        self._away = away
        self._chunks: dict[int, Chunk] = {}

    # -- building -----------------------------------------------------------

    def zone_on(self, ordinal: int) -> ZoneInfo:
        """The zone whose wall clock local date ``ordinal`` is read in."""
        for first, last, zone in self._away:
            if first <= ordinal <= last:
                return zone
        return self.zone

    def date_at(self, us: int) -> int:
        """The local date in force at instant ``us``: the latest one that has begun."""
        if not self._away:
            return local_date_ordinal(us, self.zone)
        guess = us // DAY_US + EPOCH_ORDINAL
        zone_on = self.zone_on
        # UTC offsets lie within -12 h..+14 h, so the answer is within a day of
        # the UTC date; a later date can begin before an earlier one when two
        # zones are more than a day apart, hence "latest begun", not "first".
        for ordinal in range(guess + 2, guess - 2, -1):
            if resolve(zone_on(ordinal), ordinal, 0) <= us:
                return ordinal
        return guess - 2

    def in_force(self, first: int, last: int) -> tuple[int, int]:
        """When some date of ``first..last`` is the date in force: ``[start, end)`` in µs.

        It starts when the first of them begins and ends when a later date
        begins. Usually that is ``first``'s and ``last + 1``'s midnight, but a
        date in a zone more than a day ahead can begin before the date before
        it, so the next date's neighbour is looked at too. Empty when
        ``start >= end`` (a date that never is in force).
        """
        zone_on = self.zone_on
        start = resolve(zone_on(first), first, 0)
        if first < last:
            start = min(start, resolve(zone_on(first + 1), first + 1, 0))
        end = min(resolve(zone_on(last + 1), last + 1, 0), resolve(zone_on(last + 2), last + 2, 0))
        return start, end

    def chunk(self, k: int) -> Chunk:
        """The chunk with index ``k`` (covering ``[k*CHUNK_US, (k+1)*CHUNK_US)``)."""
        c = self._chunks.get(k)
        if c is None:
            c = self._build(k)
            if len(self._chunks) >= MAX_CHUNKS:
                self._chunks.clear()
            self._chunks[k] = c
        return c

    def _build(self, k: int) -> Chunk:
        if self._never_works:
            return EMPTY
        first, last = chunk_days(k)
        changed = self._exceptions(first, last)
        if self._away:
            away = [a for a in self._away if a[0] <= last and a[1] >= first]
            if away:
                return self._build_away(k, changed, away)
        if not changed:
            return self._base.chunk(k)
        return self._base.patched(k, changed)

    def _build_away(
        self,
        k: int,
        changed: dict[int, tuple[WallInterval, ...]],
        away: list[tuple[int, int, ZoneInfo]],
    ) -> Chunk:
        # Each date contributes from the base of the zone it is read in; the
        # union (merge) counts real time that two dates cover only once.
        lo = k * CHUNK_US
        hi = lo + CHUNK_US
        raw: list[tuple[int, int]] = []
        for ordinal, spans in self._base.days(k):
            if ordinal in changed or any(a <= ordinal <= b for a, b, _ in away):
                continue
            raw.extend(spans)
        weekly = self._base.weekly
        for a, b, zone in away:
            for ordinal, spans in weekly_base(zone, weekly).days(k):
                if a <= ordinal <= b and ordinal not in changed:
                    raw.extend(spans)
        try:
            for ordinal, intervals in changed.items():
                if intervals:
                    raw.extend(resolve_day(self.zone_on(ordinal), ordinal, intervals, lo, hi))
        except OverflowError:
            return EMPTY
        return merge(raw)

    # -- queries (all in integer microseconds) -------------------------------

    def contains(self, us: int) -> bool:
        """Whether instant ``us`` is working time."""
        c = self.chunk(us // CHUNK_US)
        i = bisect_right(c.starts, us) - 1
        return i >= 0 and us < c.ends[i]

    def next_working(self, us: int) -> int:
        """``us`` when working, else the start of the next working interval."""
        if self._never_works:
            raise NoWorkingTime("the pattern has no working time at all")
        k = us // CHUNK_US
        c = self.chunk(k)
        i = bisect_right(c.starts, us) - 1
        if i >= 0 and us < c.ends[i]:
            return us
        if i + 1 < len(c.starts):
            return c.starts[i + 1]
        for k2 in range(k + 1, k + HORIZON_CHUNKS + 1):
            c = self.chunk(k2)
            if c.starts:
                return c.starts[0]
        raise NoWorkingTime("no working time within 730 days")

    def window_end(self, us: int) -> int:
        """End of the merged working window containing ``us`` (which must be working); a
        window that runs on for the whole horizon ends there."""
        k = us // CHUNK_US
        last = k + HORIZON_CHUNKS
        c = self.chunk(k)
        i = bisect_right(c.starts, us) - 1
        end = c.ends[i]
        # A window clipped at a chunk edge may continue in the next chunk.
        while end == (k + 1) * CHUNK_US and k < last:
            k += 1
            c = self.chunk(k)
            if not c.starts or c.starts[0] != end:
                break
            end = c.ends[0]
        return end

    def add(self, us: int, duration: int) -> int:
        """Earliest ``t >= us`` with ``duration`` µs of working time in ``[us, t)``."""
        if duration <= 0:
            return us
        if self._never_works:
            raise NoWorkingTime("the pattern has no working time at all")
        k = first = us // CHUNK_US
        pos = us
        remaining = duration
        last_progress = k
        while True:
            if k - first > ADD_HORIZON_CHUNKS:
                raise NoWorkingTime(f"not that much working time within {ADD_HORIZON_YEARS} years")
            c = self.chunk(k)
            before = c.worked_before(pos) if pos != k * CHUNK_US else 0
            available = c.total - before
            if available >= remaining:
                target = before + remaining
                j = bisect_left(c.cum, target, 1) - 1
                return c.starts[j] + (target - c.cum[j])
            if available > 0:
                remaining -= available
                last_progress = k
            elif k - last_progress > HORIZON_CHUNKS:
                raise NoWorkingTime("no working time within 730 days")
            k += 1
            pos = k * CHUNK_US

    def between(self, a: int, b: int) -> int:
        """Working time in ``[a, b)`` (zero when ``b <= a``)."""
        if b <= a or self._never_works:
            return 0
        ka = a // CHUNK_US
        kb = b // CHUNK_US
        ca = self.chunk(ka)
        if ka == kb:
            return ca.worked_before(b) - ca.worked_before(a)
        total = ca.total - ca.worked_before(a)
        for k in range(ka + 1, kb):
            total += self.chunk(k).total
        return total + self.chunk(kb).worked_before(b)

    def windows(self, a: int, b: int) -> list[tuple[int, int]]:
        """Merged working windows clipped to ``[a, b)``, sorted."""
        out: list[tuple[int, int]] = []
        if b <= a or self._never_works:
            return out
        for k in range((a // CHUNK_US), (b - 1) // CHUNK_US + 1):
            c = self.chunk(k)
            i0 = bisect_right(c.ends, a)
            for i in range(i0, len(c.starts)):
                s = c.starts[i]
                if s >= b:
                    break
                e = c.ends[i]
                s = max(s, a)
                e = min(e, b)
                if out and s <= out[-1][1]:
                    # Touches the previous window across a chunk edge.
                    out[-1] = (out[-1][0], max(e, out[-1][1]))
                else:
                    out.append((s, e))
        return out


def window_start(timeline: Timeline, us: int) -> int:
    """Start of the merged working window containing ``us`` (which must be working); a
    window that began before the horizon (looking back) starts there."""
    k = us // CHUNK_US
    first = k - HORIZON_CHUNKS
    c = timeline.chunk(k)
    start = c.starts[bisect_right(c.starts, us) - 1]
    # A window clipped at a chunk edge may have begun in the previous chunk.
    while start == k * CHUNK_US and k > first:
        k -= 1
        c = timeline.chunk(k)
        if not c.ends or c.ends[-1] != start:
            break
        start = c.starts[-1]
    return start
