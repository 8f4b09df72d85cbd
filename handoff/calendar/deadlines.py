"""Response deadlines counted in a person's working time, with the line explaining them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handoff.calendar import wording
from handoff.calendar.pattern import WorkingPattern
from handoff.calendar.wallclock import to_us

__all__ = [
    "deadline_text",
    "escalation_line",
    "recount_deadline",
    "reminder_line",
    "reminder_reason",
    "response_deadline",
    "team_escalation_line",
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


def reminder_reason(number: int, of: int, name: str, zone: str, deadline: datetime) -> str:
    """Why a reminder is scheduled: the deadline it waits for, on the receiver's clock
    (`zone`) and in UTC."""
    at = deadline_text(deadline, zone)
    return f"Reminder {number} of {of} if {name} has not acknowledged by {at}."


def escalation_line(receiver: str, zone: str, deadline: datetime, sender: str) -> str:
    """Why an escalation goes back to the sender: no answer from the receiver (whose clock
    is `zone`) by the deadline."""
    at = deadline_text(deadline, zone)
    back = f"it goes back to {sender}, in {sender}'s working hours"
    return f"No answer from {receiver} by {at}: {back}."


def team_escalation_line(
    receiver: str, zone: str, deadline: datetime, team: str, reminders: int
) -> str:
    """Why a team handoff is routed again: no answer from the receiver (whose clock is
    `zone`) by the deadline, after `reminders` reminders."""
    at = deadline_text(deadline, zone)
    return (
        f"No answer from {receiver} by {at} after {reminders} reminder(s): "
        f"team {team} routes it again."
    )


def deadline_text(deadline: datetime, zone: str) -> str:
    """A deadline as explanations name it: on the clock of `zone`, with UTC beside it."""
    return wording.local_and_utc(to_us(deadline, "deadline"), ZoneInfo(zone))


def reminder_line(pattern: WorkingPattern, at: datetime, number: int, of: int, name: str) -> str:
    """The explanation line of a reminder that went out at `at`."""
    local = wording.local_time(to_us(at, "at"), ZoneInfo(pattern.timezone))
    return f"Reminder {number} of {of} went to {name} {local}; the response clock started again."
