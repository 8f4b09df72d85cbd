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
    us = to_us(due, "due")
    line = wording.respond_by(name, within, us, pattern._zone_at(us))
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
    us = to_us(moved, "due")
    line = wording.respond_by(name, within, us, after._zone_at(us))
    return moved, line


def reminder_reason(
    number: int, of: int, name: str, pattern: WorkingPattern, deadline: datetime
) -> str:
    """Why a reminder is scheduled: the deadline it waits for, on the clock the receiver
    (working by `pattern`) follows then, and in UTC."""
    at = _their_deadline(pattern, deadline)
    return f"Reminder {number} of {of} if {name} has not acknowledged by {at}."


def escalation_line(
    receiver: str,
    pattern: WorkingPattern,
    deadline: datetime,
    sender: str,
    successor: str | None = None,
) -> str:
    """Why an escalation goes back to the sender (or to the `successor` who took over the
    work of a sender who left): no answer from the receiver (working by `pattern`) by the
    deadline."""
    at = _their_deadline(pattern, deadline)
    back = f"it goes back to {sender}, in {sender}'s working hours"
    if successor is not None:
        back = (
            f"{sender} has left, so it goes to {successor}, who took over {sender}'s work, "
            f"in {successor}'s working hours"
        )
    return f"No answer from {receiver} by {at}: {back}."


def team_escalation_line(
    receiver: str, pattern: WorkingPattern, deadline: datetime, team: str, reminders: int
) -> str:
    """Why a team handoff is routed again: no answer from the receiver (working by
    `pattern`) by the deadline, after `reminders` reminders."""
    at = _their_deadline(pattern, deadline)
    return (
        f"No answer from {receiver} by {at} after {reminders} reminder(s): "
        f"team {team} routes it again."
    )


def deadline_text(deadline: datetime, zone: str) -> str:
    """A deadline as explanations name it: on the clock of `zone`, with UTC beside it."""
    return wording.local_and_utc(to_us(deadline, "deadline"), ZoneInfo(zone))


def _their_deadline(pattern: WorkingPattern, deadline: datetime) -> str:
    # on the clock of the zone whose hours they keep then (a visited one while travelling)
    us = to_us(deadline, "deadline")
    return wording.local_and_utc(us, pattern._zone_at(us))


def reminder_line(pattern: WorkingPattern, at: datetime, number: int, of: int, name: str) -> str:
    """The explanation line of a reminder that went out at `at`."""
    us = to_us(at, "at")
    local = wording.local_time(us, pattern._zone_at(us))
    return f"Reminder {number} of {of} went to {name} {local}; the response clock started again."
