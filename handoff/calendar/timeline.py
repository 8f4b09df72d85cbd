"""Working intervals of one pattern as sorted UTC arrays, built lazily per chunk.

Time is cut into fixed UTC chunks of ``CHUNK_DAYS`` days. A chunk holds the
merged working intervals clipped to its span, as integer microseconds, with
running totals of working time, so every query is a couple of bisects. Chunks
are built only when a query touches them, never years ahead, and cached on the
timeline, which equal patterns share (see ``pattern.py``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from handoff.calendar.errors import NoWorkingTime
from handoff.calendar.intervals import WallInterval
from handoff.calendar.wallclock import DAY_US, EPOCH_ORDINAL, resolve

__all__ = ["CHUNK_DAYS", "CHUNK_US", "HORIZON_US", "Chunk", "Timeline", "WeeklyBase", "weekly_base"]

CHUNK_DAYS = 14
CHUNK_US = CHUNK_DAYS * DAY_US
HORIZON_DAYS = 730
HORIZON_US = HORIZON_DAYS * DAY_US
# Whole chunks that may be empty before a search gives up (a little over 730 days).
_HORIZON_CHUNKS = HORIZON_DAYS // CHUNK_DAYS + 2
# Bound per-timeline memory for callers that sweep over many years.
_MAX_CHUNKS = 2_000
_ONE_US = timedelta(microseconds=1)
_MAX_PATCHED = 20_000

# Local date ordinal range -> the dates in it whose intervals differ from the
# weekly pattern (holidays, time off, overrides), with their intervals.
Exceptions = Callable[[int, int], dict[int, tuple[WallInterval, ...]]]
Weekly = tuple[tuple[WallInterval, ...], ...]


class Chunk:
    """Merged, sorted, disjoint working intervals inside one UTC chunk.

    ``cum[i]`` is the working time before ``starts[i]`` within the chunk;
    ``cum[-1]`` is the chunk's total. The ``td_*`` lists mirror ``starts``,
    ``ends`` and ``cum`` as timedeltas since the epoch, so the hot paths of
    ``WorkingPattern`` can answer with timedelta arithmetic and skip the
    costlier datetime <-> integer conversions. Chunks are shared between
    timelines and never modified after construction.
    """

    __slots__ = ("cum", "ends", "starts", "td_cum", "td_ends", "td_starts", "td_total", "total")

    def __init__(self, starts: list[int], ends: list[int]) -> None:
        self.starts = starts
        self.ends = ends
        cum = [0]
        acc = 0
        for s, e in zip(starts, ends, strict=True):
            acc += e - s
            cum.append(acc)
        self.cum = cum
        self.total = acc
        # ``1µs * n`` builds a timedelta about 3x faster than ``timedelta(0, 0, n)``.
        self.td_starts = [_ONE_US * s for s in starts]
        self.td_ends = [_ONE_US * e for e in ends]
        self.td_cum = [_ONE_US * w for w in cum]
        self.td_total = self.td_cum[-1]

    def worked_before(self, pos: int) -> int:
        """Working time inside this chunk before instant ``pos``."""
        i = bisect_right(self.ends, pos)
        w = self.cum[i]
        if i < len(self.starts) and self.starts[i] < pos:
            w += pos - self.starts[i]
        return w


_EMPTY = Chunk([], [])


def _empty_chunk() -> Chunk:
    return _EMPTY


def _chunk_days(k: int) -> tuple[int, int]:
    """First and last local date ordinal whose intervals can reach chunk ``k``.

    Offsets are within ±26 h and an interval lasts at most 24 h after a
    start on its date.
    """
    lo = k * CHUNK_US
    return lo // DAY_US + EPOCH_ORDINAL - 2, (lo + CHUNK_US - 1) // DAY_US + EPOCH_ORDINAL + 1


def _merge(raw: list[tuple[int, int]]) -> Chunk:
    """Sort and merge overlapping or touching intervals into a chunk."""
    raw.sort()
    starts: list[int] = []
    ends: list[int] = []
    last_end = -1 << 62
    for s, e in raw:
        # Overnight shifts and DST gaps can make neighbouring days' intervals meet.
        if s <= last_end:
            if e > last_end:
                ends[-1] = last_end = e
        else:
            starts.append(s)
            ends.append(e)
            last_end = e
    return Chunk(starts, ends)


def _resolve_day(
    zone: ZoneInfo, ordinal: int, intervals: tuple[WallInterval, ...], lo: int, hi: int
) -> list[tuple[int, int]]:
    """The intervals starting on local date ``ordinal`` as instants clipped to ``[lo, hi)``."""
    out: list[tuple[int, int]] = []
    for iv in intervals:
        s = resolve(zone, ordinal, iv.start)
        if s >= hi:
            continue
        e = resolve(zone, ordinal, iv.end)
        if e <= lo:
            continue
        s = max(s, lo)
        e = min(e, hi)
        if s < e:
            out.append((s, e))
    return out


class WeeklyBase:
    """The weekly pattern alone (no holidays, time off or overrides) in one zone.

    Shared by every timeline with the same zone and weekly intervals, so the
    wall-to-UTC work of a chunk is done once for all people of that shape.
    Keeps, per chunk, each local date's resolved intervals (so a timeline can
    swap out the few dates its exceptions change) and the merged chunk.
    """

    __slots__ = ("_chunks", "_days", "_patched", "weekly", "zone")

    def __init__(self, zone: ZoneInfo, weekly: Weekly) -> None:
        self.zone = zone
        self.weekly = weekly
        self._days: dict[int, list[tuple[int, list[tuple[int, int]]]]] = {}
        self._chunks: dict[int, Chunk] = {}
        # (chunk, changed dates) -> chunk: people of one shape with the same
        # holidays (or the same time off) in a chunk share its patched chunk.
        self._patched: dict[
            tuple[int, tuple[tuple[int, tuple[WallInterval, ...]], ...]], Chunk
        ] = {}

    def days(self, k: int) -> list[tuple[int, list[tuple[int, int]]]]:
        """``(ordinal, clipped instants)`` for each working local date reaching chunk ``k``."""
        d = self._days.get(k)
        if d is None:
            lo = k * CHUNK_US
            hi = lo + CHUNK_US
            first, last = _chunk_days(k)
            zone = self.zone
            weekly = self.weekly
            d = []
            try:
                for ordinal in range(first, last + 1):
                    day = weekly[(ordinal - 1) % 7]
                    if day:
                        spans = _resolve_day(zone, ordinal, day, lo, hi)
                        if spans:
                            d.append((ordinal, spans))
            except OverflowError:
                # Near year 1 or 9999: treat as no working time rather than crash.
                d = []
            if len(self._days) >= _MAX_CHUNKS or len(self._patched) >= _MAX_PATCHED:
                self._days.clear()
                self._chunks.clear()
                self._patched.clear()
            self._days[k] = d
        return d

    def chunk(self, k: int) -> Chunk:
        """Chunk ``k`` of the weekly pattern alone."""
        c = self._chunks.get(k)
        if c is None:
            c = _merge([span for _, spans in self.days(k) for span in spans])
            self._chunks[k] = c
        return c

    def patched(self, k: int, changed: dict[int, tuple[WallInterval, ...]]) -> Chunk:
        """Chunk ``k`` with the dates in ``changed`` given those intervals instead."""
        key = (k, tuple(sorted(changed.items())))
        c = self._patched.get(key)
        if c is not None:
            return c
        lo = k * CHUNK_US
        hi = lo + CHUNK_US
        raw = [span for ordinal, spans in self.days(k) if ordinal not in changed for span in spans]
        try:
            for ordinal, intervals in changed.items():
                if intervals:
                    raw.extend(_resolve_day(self.zone, ordinal, intervals, lo, hi))
        except OverflowError:
            c = _EMPTY
        else:
            c = _merge(raw)
        self._patched[key] = c
        return c


# (zone key, weekly) -> shared base; bounded by clearing (it refills cheaply).
_BASES: dict[tuple[str, Weekly], WeeklyBase] = {}
_BASES_LIMIT = 20_000


def weekly_base(zone: ZoneInfo, weekly: Weekly) -> WeeklyBase:
    """The shared :class:`WeeklyBase` of ``zone`` and ``weekly``."""
    key = (zone.key, weekly)
    base = _BASES.get(key)
    if base is None:
        if len(_BASES) >= _BASES_LIMIT:
            _BASES.clear()
        base = _BASES[key] = WeeklyBase(zone, weekly)
    return base


class Timeline:
    """Lazily built working intervals of one zone and one day-to-intervals rule.

    A chunk without exceptions (holidays, time off, overrides that change a
    date) is the shared weekly base chunk itself; otherwise the base's
    per-date intervals are reused and only the changed dates are resolved.
    """

    __slots__ = ("_base", "_chunks", "_exceptions", "_never_works", "zone")

    def __init__(
        self, zone: ZoneInfo, weekly: Weekly, exceptions: Exceptions, never_works: bool
    ) -> None:
        self.zone = zone
        self._base = weekly_base(zone, weekly)
        self._exceptions = exceptions
        # A pattern with no interval anywhere: answer "no working time" at once.
        self._never_works = never_works
        self._chunks: dict[int, Chunk] = {}

    # -- building -----------------------------------------------------------

    def chunk(self, k: int) -> Chunk:
        """The chunk with index ``k`` (covering ``[k*CHUNK_US, (k+1)*CHUNK_US)``)."""
        c = self._chunks.get(k)
        if c is None:
            c = self._build(k)
            if len(self._chunks) >= _MAX_CHUNKS:
                self._chunks.clear()
            self._chunks[k] = c
        return c

    def _build(self, k: int) -> Chunk:
        if self._never_works:
            return _EMPTY
        first, last = _chunk_days(k)
        changed = self._exceptions(first, last)
        if not changed:
            return self._base.chunk(k)
        return self._base.patched(k, changed)

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
        for k2 in range(k + 1, k + _HORIZON_CHUNKS + 1):
            c = self.chunk(k2)
            if c.starts:
                return c.starts[0]
        raise NoWorkingTime("no working time within 730 days")

    def window_end(self, us: int) -> int:
        """End of the merged working window containing ``us`` (which must be working)."""
        k = us // CHUNK_US
        c = self.chunk(k)
        i = bisect_right(c.starts, us) - 1
        end = c.ends[i]
        # A window clipped at a chunk edge may continue in the next chunk.
        while end == (k + 1) * CHUNK_US:
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
        k = us // CHUNK_US
        pos = us
        remaining = duration
        last_progress = k
        while True:
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
            elif k - last_progress > _HORIZON_CHUNKS:
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
    """Start of the merged working window containing ``us`` (which must be working)."""
    k = us // CHUNK_US
    c = timeline.chunk(k)
    start = c.starts[bisect_right(c.starts, us) - 1]
    # A window clipped at a chunk edge may have begun in the previous chunk.
    while start == k * CHUNK_US:
        k -= 1
        c = timeline.chunk(k)
        if not c.ends or c.ends[-1] != start:
            break
        start = c.starts[-1]
    return start
