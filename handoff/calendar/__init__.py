"""The pure working-time engine: when people work, and what follows from it.

No I/O and no clock reads: callers pass instants in; every returned instant is
an aware UTC datetime. See DESIGN.md, "Time semantics".
"""

from handoff.calendar.deadlines import (
    deadline_text,
    escalation_line,
    recount_deadline,
    reminder_line,
    reminder_reason,
    response_deadline,
    team_escalation_line,
)
from handoff.calendar.delivery import (
    Delivery,
    DeliveryPolicy,
    HandoffTimes,
    next_delivery,
    schedule_handoff,
)
from handoff.calendar.errors import InvalidPattern, NoWorkingTime
from handoff.calendar.intervals import WallInterval
from handoff.calendar.overlap import coverage_gaps, overlap, pairwise_overlap
from handoff.calendar.pattern import DaySource, TimeOff, WorkingPattern
from handoff.calendar.public_holidays import HolidayRegion
from handoff.calendar.segments import (
    DeliveryWindows,
    Segment,
    SegmentKind,
    delivery_windows,
    person_segments,
)
from handoff.calendar.travel import TravelPeriod
from handoff.calendar.weeks import working_week

__all__ = [
    "DaySource",
    "Delivery",
    "DeliveryPolicy",
    "DeliveryWindows",
    "HandoffTimes",
    "HolidayRegion",
    "InvalidPattern",
    "NoWorkingTime",
    "Segment",
    "SegmentKind",
    "TimeOff",
    "TravelPeriod",
    "WallInterval",
    "WorkingPattern",
    "coverage_gaps",
    "deadline_text",
    "delivery_windows",
    "escalation_line",
    "next_delivery",
    "overlap",
    "pairwise_overlap",
    "person_segments",
    "recount_deadline",
    "reminder_line",
    "reminder_reason",
    "response_deadline",
    "schedule_handoff",
    "team_escalation_line",
    "working_week",
]
