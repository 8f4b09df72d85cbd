"""The receiver's working week, for budgets counted per week (urgent handoffs)."""

from __future__ import annotations

from datetime import datetime

from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import from_us, to_us

__all__ = ["working_week"]


def working_week(pattern: WorkingPattern, at: datetime) -> tuple[datetime, datetime]:
    """The week holding ``at``: Monday 00:00 to the next Monday 00:00, in UTC.

    It is the week (Monday to Sunday) of the local date in force at ``at``
    (see ``WorkingPattern.local_date``), and each Monday's midnight is read in
    the zone in force on that Monday, so consecutive weeks tile time without
    gaps or overlaps, also across DST and travel. Without travel both ends are
    simply midnights in the person's zone, and a DST change makes the week 167
    or 169 hours long. (Only when a Tuesday is read in a zone more than a day
    ahead of its Monday's can the week begin at that Tuesday's midnight.)
    """
    ordinal = pattern._date_at(to_us(at, "at"))
    monday = ordinal - (ordinal - 1) % 7  # ordinal 1 (0001-01-01) is a Monday
    start, end = pattern._in_force(monday, monday + 6)
    return from_us(start), from_us(end)
