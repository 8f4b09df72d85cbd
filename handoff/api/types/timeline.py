"""GraphQL types of the team timeline: typed spans of each person's week, side by side."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import strawberry

from handoff.api.errors import NotFound, ValidationError
from handoff.api.scalars import Duration
from handoff.api.types.common import describe_enum
from handoff.api.types.people import Person
from handoff.calendar import Segment, SegmentKind

describe_enum(
    SegmentKind,
    "What a span of a person's time is",
    {
        "TRAVEL": "Away in another zone (the label says LOCAL or HOME hours)",
        "HOLIDAY": "A public holiday (the label is its name)",
        "TIME_OFF": "Time off (the label is its reason, unless the person keeps it private)",
        "DAY_OFF": "A date without working intervals in the weekly pattern (e.g. a trail Friday)",
        "WORKING": "Working time",
        "FOCUS": "A focus block inside working time: never interrupted",
        "DIGEST": "A digest instant (zero length): bundled deliveries land here",
    },
)


@strawberry.type(description="A span of time in UTC.")
class TimeSpan:
    start: datetime = strawberry.field(description="Start (UTC)")
    end: datetime = strawberry.field(description="End (UTC), exclusive")


@strawberry.type(description="One typed span of a person's time, in UTC and on their clock.")
class TimelineSegment:
    kind: SegmentKind = strawberry.field(description="What the span is")
    start: datetime = strawberry.field(description="Start (UTC)")
    end: datetime = strawberry.field(description="End (UTC), exclusive; equal to start for DIGEST")
    start_local: datetime = strawberry.field(description="Start on the clock of `zone`")
    end_local: datetime = strawberry.field(description="End on the clock of `zone`")
    zone: str = strawberry.field(description="IANA zone whose wall clock applies to the span")
    label: str | None = strawberry.field(
        description="Holiday name, time-off reason, or travel hours; null for the rest"
    )
    starts_before: bool = strawberry.field(
        description="The span began before the range asked for: `start` is the range's "
        "start, not the span's"
    )
    ends_after: bool = strawberry.field(
        description="The span goes on after the range asked for: `end` is the range's end, "
        "not the span's"
    )

    @classmethod
    def of(cls, s: Segment, start: datetime, end: datetime) -> TimelineSegment:
        """The part of `s` inside `[start, end)`, marked where `s` reaches past it."""
        zone = ZoneInfo(s.zone)
        lo, hi = max(s.start, start), min(s.end, end)
        return cls(
            kind=s.kind,
            start=lo,
            end=hi,
            start_local=lo.astimezone(zone),
            end_local=hi.astimezone(zone),
            zone=s.zone,
            label=s.label,
            starts_before=s.start < start,
            ends_after=s.end > end,
        )


@strawberry.type(description="One person's row of the timeline.")
class PersonTimeline:
    person: Person = strawberry.field(description="Whose row")
    segments: list[TimelineSegment] = strawberry.field(
        description="Their spans, by start; layers nest (FOCUS inside WORKING inside TRAVEL)"
    )
    working_time: Duration = strawberry.field(description="Working time in the range")


@strawberry.type(description="A group's hours side by side, for a timeline UI.")
class TeamTimeline:
    start: datetime = strawberry.field(name="from", description="Start of the range")
    end: datetime = strawberry.field(name="to", description="End of the range")
    rows: list[PersonTimeline] = strawberry.field(description="One row per person, as asked")
    overlap: list[TimeSpan] = strawberry.field(description="When everyone works at once")
    gaps: list[TimeSpan] = strawberry.field(
        description="When nobody works: the follow-the-sun gaps"
    )
    overlap_total: Duration = strawberry.field(description="Total of `overlap`")
    gap_total: Duration = strawberry.field(description="Total of `gaps`")


@strawberry.type(description="When handoffs can reach a person in a range.")
class DeliveryWindows:
    person: Person = strawberry.field(description="Whose windows")
    windows: list[TimeSpan] = strawberry.field(
        description="Working time minus focus blocks: where an undelayed handoff lands"
    )
    digest_times: list[datetime] = strawberry.field(
        description="Digest instants in working time and outside focus blocks"
    )
    bundled: bool = strawberry.field(description="true: ordinary handoffs land only at digestTimes")


def _union(name: str, what: str) -> Any:
    return strawberry.union(name, description=f"{what}, or why not")


TeamTimelineResult = Annotated[
    TeamTimeline | ValidationError | NotFound, _union("TeamTimelineResult", "The timeline")
]
DeliveryWindowsResult = Annotated[
    DeliveryWindows | ValidationError | NotFound,
    _union("DeliveryWindowsResult", "The delivery windows"),
]
