"""The receiver's working week, for budgets counted per week (urgent handoffs)."""

from __future__ import annotations

from datetime import datetime

from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import from_us, resolve, to_us

__all__ = ["working_week"]


def working_week(pattern: WorkingPattern, at: datetime) -> tuple[datetime, datetime]:
    """The week holding ``at``: Monday 00:00 to the next Monday 00:00, in UTC.

    The week is that of the local date in force at ``at`` (see
    ``WorkingPattern.local_date``), and each Monday's midnight is read in the
    zone in force on that Monday, so consecutive weeks tile time without gaps
    or overlaps, also across DST and travel. Without travel both ends are
    simply midnights in the person's zone; a DST change makes the week 167 or
    169 hours long.
    """
    us = to_us(at, "at")
    ordinal = pattern._date_at(us)
    monday = ordinal - (ordinal - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
    zone_on = pattern._timeline.zone_on
    start = resolve(zone_on(monday), monday, 0)
    if start > us:
        # Zones more than a day apart (back-to-back travel at +14 h after
        # -12 h): Tuesday there can begin before Monday here; the tiling wins.
        monday -= 7
        start = resolve(zone_on(monday), monday, 0)
    end = resolve(zone_on(monday + 7), monday + 7, 0)
    return from_us(start), from_us(end)
