"""Several people at once: when all work, when nobody does; and interval-list algebra.

Interval lists here are sorted, disjoint ``(start, end)`` pairs of integer
microseconds, as the timelines produce them; each operation is a linear sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from handoff.calendar.errors import InvalidPattern
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import from_us, to_us

__all__ = [
    "complement",
    "coverage_gaps",
    "intersect",
    "overlap",
    "pairwise_overlap",
    "subtract",
    "union",
]

Spans = list[tuple[int, int]]


def intersect(a: Spans, b: Spans) -> Spans:
    """Intersection of two sorted, disjoint interval lists (a linear sweep)."""
    out: Spans = []
    i = j = 0
    while i < len(a) and j < len(b):
        s = max(a[i][0], b[j][0])
        e = min(a[i][1], b[j][1])
        if s < e:
            out.append((s, e))
        # Advance whichever ends first; the other may still overlap the next one.
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Spans, b: Spans) -> Spans:
    """The parts of ``a`` outside ``b`` (both sorted and disjoint)."""
    out: Spans = []
    j = 0
    for s, e in a:
        while j < len(b) and b[j][1] <= s:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            if b[k][0] > s:
                out.append((s, b[k][0]))
            s = max(s, b[k][1])
            k += 1
        if s < e:
            out.append((s, e))
    return out


def union(lists: Sequence[Spans]) -> Spans:
    """Union of several interval lists, merged where they overlap or touch."""
    raw = sorted(span for spans in lists for span in spans)
    out: Spans = []
    for s, e in raw:
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def complement(spans: Spans, a: int, b: int) -> Spans:
    """``[a, b)`` minus ``spans`` (sorted, disjoint, inside ``[a, b)``)."""
    return subtract([(a, b)], spans) if b > a else []


def overlap(
    patterns: Sequence[WorkingPattern], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Windows inside ``[start, end)`` when all ``patterns`` are working, in UTC.

    Raises ``InvalidPattern`` for an empty list (there is no one to ask).
    """
    a = to_us(start, "start")
    b = to_us(end, "end")
    if not patterns:
        raise InvalidPattern("overlap needs at least one pattern, got []", "patterns")
    common = patterns[0]._windows_us(a, b)
    for p in patterns[1:]:
        if not common:
            break
        common = intersect(common, p._windows_us(a, b))
    return [(from_us(s), from_us(e)) for s, e in common]


def coverage_gaps(
    patterns: Sequence[WorkingPattern], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Windows inside ``[start, end)`` when none of ``patterns`` works, in UTC.

    With no patterns at all, the whole range is a gap.
    """
    a = to_us(start, "start")
    b = to_us(end, "end")
    covered = union([p._windows_us(a, b) for p in patterns])
    return [(from_us(s), from_us(e)) for s, e in complement(covered, a, b)]


def pairwise_overlap(
    patterns: Sequence[WorkingPattern], start: datetime, end: datetime
) -> dict[tuple[int, int], timedelta]:
    """Shared working time in ``[start, end)`` of every pair ``(i, j)``, ``i < j``.

    Keys are indexes into ``patterns``; each person's windows are computed once.
    """
    a = to_us(start, "start")
    b = to_us(end, "end")
    windows = [p._windows_us(a, b) for p in patterns]
    out: dict[tuple[int, int], timedelta] = {}
    for i, wi in enumerate(windows):
        for j in range(i + 1, len(windows)):
            out[(i, j)] = timedelta(microseconds=_shared(wi, windows[j]))
    return out


def _shared(a: Spans, b: Spans) -> int:
    # The length of intersect(a, b) without building it: n^2 pairs make it count.
    total = 0
    i = j = 0
    na, nb = len(a), len(b)
    while i < na and j < nb:
        sa, ea = a[i]
        sb, eb = b[j]
        if ea <= eb:
            if ea > sb:
                total += ea - (sa if sa > sb else sb)
            i += 1
        else:
            if eb > sa:
                total += eb - (sa if sa > sb else sb)
            j += 1
    return total
