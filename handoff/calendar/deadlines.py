"""Response deadlines counted in a person's working time, with the line explaining them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handoff.calendar import wording
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import to_us

__all__ = [
    "escalation_line",
    "recount_deadline",
    "reminder_line",
    "reminder_reason",
    "response_deadline",
]


def response_deadline(
    pattern: WorkingPattern, start: datetime, within: timedelta, *, name: str = "the receiver"
) -> tuple[datetime, str]:
    """When an answer is due if the clock starts at `start` and runs `within` of working
    time, and the explanation line naming it (local and UTC)."""
    due = pattern.add_working_time(start, within)
    line = wording.respond_by(name, within, to_us(due, "due"), ZoneInfo(pattern.timezone))
    return due, line


def recount_deadline(
    before: WorkingPattern,
    after: WorkingPattern,
    now: datetime,
    due: datetime,
    within: timedelta,
    *,
    name: str = "the receiver",
) -> tuple[datetime, str]:
    """A pending deadline `due`, counted under `before`, counted again when the person's
    working time becomes `after` at `now`: the working time that was left then runs in
    `after`'s working time from `now`. The line names the new deadline."""
    left = before.working_time_between(now, due) if due > now else timedelta(0)
    moved = after.add_working_time(now, left)
    line = wording.respond_by(name, within, to_us(moved, "due"), ZoneInfo(after.timezone))
    return moved, line


def reminder_reason(number: int, of: int, name: str, deadline: datetime) -> str:
    """Why a reminder is scheduled: the deadline it waits for."""
    return (
        f"Reminder {number} of {of} if {name} has not acknowledged by "
        f"{deadline.isoformat(timespec='seconds')}."
    )


def escalation_line(
    receiver: str, deadline: datetime, *, to: str, to_team: bool, reminders: int
) -> str:
    """Why an escalation is scheduled: team `to` routes it again, or it goes back to the
    sender `to`."""
    at = deadline.isoformat(timespec="seconds")
    if to_team:
        return (
            f"No answer from {receiver} by {at} after {reminders} reminder(s): "
            f"team {to} routes it again."
        )
    return f"No answer from {receiver} by {at}: it goes back to {to}, in {to}'s working hours."


def reminder_line(pattern: WorkingPattern, at: datetime, number: int, of: int, name: str) -> str:
    """The explanation line of a reminder that went out at `at`."""
    local = wording.local_time(to_us(at, "at"), ZoneInfo(pattern.timezone))
    return f"Reminder {number} of {of} went to {name} {local}; the response clock started again."
