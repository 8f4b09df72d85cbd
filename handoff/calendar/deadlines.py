"""Response deadlines counted in a person's working time, with the line explaining them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handoff.calendar import wording
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import to_us

__all__ = ["reminder_line", "response_deadline"]


def response_deadline(
    pattern: WorkingPattern, start: datetime, within: timedelta, *, name: str = "the receiver"
) -> tuple[datetime, str]:
    """When an answer is due if the clock starts at `start` and runs `within` of working
    time, and the explanation line naming it (local and UTC)."""
    due = pattern.add_working_time(start, within)
    line = wording.respond_by(name, within, to_us(due, "due"), ZoneInfo(pattern.timezone))
    return due, line


def reminder_line(pattern: WorkingPattern, at: datetime, number: int, of: int, name: str) -> str:
    """The explanation line of a reminder that went out at `at`."""
    local = wording.local_time(to_us(at, "at"), ZoneInfo(pattern.timezone))
    return f"Reminder {number} of {of} went to {name} {local}; the response clock started again."
