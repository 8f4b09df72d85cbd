"""Chunks: merged working intervals of one fixed UTC span, and the shared weekly bases.

Time is cut into fixed UTC chunks of ``CHUNK_DAYS`` days. A chunk holds the
merged working intervals clipped to its span, as integer microseconds, with
running totals of working time, so every query is a couple of bisects. The
weekly pattern alone, per zone, is resolved once per chunk and shared by every
person of that shape (``WeeklyBase``); ``timeline.py`` patches in the dates
that differ.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import timedelta
from zoneinfo import ZoneInfo

from handoff.calendar.intervals import WallInterval
from handoff.calendar.wallclock import DAY_US, EPOCH_ORDINAL, resolve_edge

__all__ = [
    "ADD_HORIZON_CHUNKS",
    "ADD_HORIZON_YEARS",
    "CHUNK_DAYS",
    "CHUNK_US",
    "EMPTY",
    "HORIZON_CHUNKS",
    "HORIZON_DAYS",
    "HORIZON_US",
    "MAX_CHUNKS",
    "Chunk",
    "Weekly",
    "WeeklyBase",
    "chunk_days",
    "merge",
    "resolve_day",
    "weekly_base",
]

CHUNK_DAYS = 14
CHUNK_US = CHUNK_DAYS * DAY_US
HORIZON_DAYS = 730
HORIZON_US = HORIZON_DAYS * DAY_US
# Whole chunks that may be empty before a search gives up (a little over 730 days).
HORIZON_CHUNKS = HORIZON_DAYS // CHUNK_DAYS + 2
# How far adding working time may reach: a minute a week never adds up to a year of
# working time, and walking towards year 10,000 to find that out would hold the caller
# (an API process) for seconds.
ADD_HORIZON_YEARS = 20
ADD_HORIZON_CHUNKS = ADD_HORIZON_YEARS * 366 // CHUNK_DAYS + 1
# Bound per-timeline memory for callers that sweep over many years.
MAX_CHUNKS = 2_000
_ONE_US = timedelta(microseconds=1)
_MAX_PATCHED = 20_000

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


EMPTY = Chunk([], [])


def chunk_days(k: int) -> tuple[int, int]:
    """First and last local date ordinal whose intervals can reach chunk ``k``.

    Offsets are within ±26 h and an interval lasts at most 24 h after a
    start on its date.
    """
    lo = k * CHUNK_US
    return lo // DAY_US + EPOCH_ORDINAL - 2, (lo + CHUNK_US - 1) // DAY_US + EPOCH_ORDINAL + 1


def merge(raw: list[tuple[int, int]]) -> Chunk:
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


def resolve_day(
    zone: ZoneInfo, ordinal: int, intervals: tuple[WallInterval, ...], lo: int, hi: int
) -> list[tuple[int, int]]:
    """The intervals starting on local date ``ordinal`` as instants clipped to ``[lo, hi)``."""
    out: list[tuple[int, int]] = []
    for iv in intervals:
        s = resolve_edge(zone, ordinal, iv.start)
        e = resolve_edge(zone, ordinal, iv.end)
        if s >= hi or e <= lo:
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
            first, last = chunk_days(k)
            zone = self.zone
            weekly = self.weekly
            d = []
            try:
                for ordinal in range(first, last + 1):
                    day = weekly[(ordinal - 1) % 7]
                    if day:
                        spans = resolve_day(zone, ordinal, day, lo, hi)
                        if spans:
                            d.append((ordinal, spans))
            except OverflowError:
                # Near year 1 or 9999: treat as no working time rather than crash.
                d = []
            if len(self._days) >= MAX_CHUNKS or len(self._patched) >= _MAX_PATCHED:
                self._days.clear()
                self._chunks.clear()
                self._patched.clear()
            self._days[k] = d
        return d

    def chunk(self, k: int) -> Chunk:
        """Chunk ``k`` of the weekly pattern alone."""
        c = self._chunks.get(k)
        if c is None:
            c = merge([span for _, spans in self.days(k) for span in spans])
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
                    raw.extend(resolve_day(self.zone, ordinal, intervals, lo, hi))
        except OverflowError:
            c = EMPTY
        else:
            c = merge(raw)
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
