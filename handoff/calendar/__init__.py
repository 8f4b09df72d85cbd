"""The pure working-time engine: when people work, and what follows from it.

No I/O and no clock reads: callers pass instants in; every returned instant is
an aware UTC datetime. See DESIGN.md, "Time semantics".
"""

from handoff.calendar.delivery import (
    Delivery,
    DeliveryPolicy,
    HandoffTimes,
    next_delivery,
    schedule_handoff,
)
from handoff.calendar.errors import InvalidPattern, NoWorkingTime
from handoff.calendar.intervals import WallInterval
from handoff.calendar.overlap import overlap
from handoff.calendar.pattern import DaySource, TimeOff, WorkingPattern
from handoff.calendar.public_holidays import HolidayRegion
from handoff.calendar.travel import TravelPeriod
from handoff.calendar.weeks import working_week

__all__ = [
    "DaySource",
    "Delivery",
    "DeliveryPolicy",
    "HandoffTimes",
    "HolidayRegion",
    "InvalidPattern",
    "NoWorkingTime",
    "TimeOff",
    "TravelPeriod",
    "WallInterval",
    "WorkingPattern",
    "next_delivery",
    "overlap",
    "schedule_handoff",
    "working_week",
]
