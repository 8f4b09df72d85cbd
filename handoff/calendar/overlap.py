"""Instants when every one of several people works."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handoff.calendar.errors import InvalidPattern
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import from_us, to_us

__all__ = ["intersect", "overlap"]


def intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Intersection of two sorted, disjoint interval lists (a linear sweep)."""
    out: list[tuple[int, int]] = []
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
