"""GraphQL types of the async-health report (README, "The async-health report", defines
every figure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import strawberry

from handoff.api.errors import NotFound, ValidationError
from handoff.api.scalars import Duration
from handoff.api.types.people import Person
from handoff.services import health_report as service

_HOUR = timedelta(hours=1)


@strawberry.type(description="Urgent handoffs the group received.")
class UrgentHealth:
    sent: int = strawberry.field(description="Received handoffs sent as urgent")
    break_throughs: int = strawberry.field(
        description="Of those, how many broke through a focus block or digest wait"
    )
    declined: int = strawberry.field(
        description="Of those, how many the receiver's policy, budget or a pause declined"
    )
    senders: int = strawberry.field(description="Distinct senders of the break-throughs")
    break_throughs_per_sender: float | None = strawberry.field(
        description="breakThroughs / senders; null without break-throughs"
    )
    rated: int = strawberry.field(description="Break-throughs the receiver rated")
    rated_urgent_share: float | None = strawberry.field(
        description="Of the rated break-throughs, the share (0 to 1) rated urgent; null when "
        "none was rated"
    )


@strawberry.type(description="Shared working time of two members in the range.")
class PairOverlap:
    a: Person = strawberry.field(description="One member")
    b: Person = strawberry.field(description="The other")
    total: Duration = strawberry.field(description="Working time both have, in the range")
    hours_per_week: float = strawberry.field(description="total in hours, per week of the range")


@strawberry.type(description="Hours of the range in which nobody of the group works.")
class Coverage:
    gap_total: Duration = strawberry.field(description="Time nobody of the group works")
    gap_hours_per_week: float = strawberry.field(
        description="gapTotal in hours, per week of the range (168 = nobody ever works)"
    )


@strawberry.type(
    description="A team's mirror: how well it works asynchronously, from stored history. "
    "Never about one person: groups of fewer than the minimum get GroupTooSmall."
)
class AsyncHealthReport:
    start: datetime = strawberry.field(name="from", description="Start of the range")
    end: datetime = strawberry.field(name="to", description="End of the range, exclusive")
    people: list[Person] = strawberry.field(description="The group")
    received: int = strawberry.field(
        description="Handoffs that landed with a member, with deliverAt in the range"
    )
    sent: int = strawberry.field(
        description="Handoffs the members sent that landed, with deliverAt in the range"
    )
    delivered_in_hours_share: float | None = strawberry.field(
        description="Share (0 to 1) of received handoffs that landed inside the receiver's "
        "working time and outside focus blocks (an urgent break-through counts when inside "
        "working time); should be 1.0"
    )
    interruptions_avoided: int = strawberry.field(
        description="Received handoffs sent while the receiver could not take them (off "
        "hours, focus block, between digests) and held: deliverAt after createdAt"
    )
    interruptions_avoided_share: float | None = strawberry.field(
        description="interruptionsAvoided / received"
    )
    digests: int = strawberry.field(description="Digests the members received in the range")
    bundled_handoffs: int = strawberry.field(description="Handoffs in those digests")
    handoffs_per_digest: float | None = strawberry.field(
        description="bundledHandoffs / digests; null without digests"
    )
    response_time_median: Duration | None = strawberry.field(
        description="Median of the receiver's working time from landing to the first answer "
        "(acknowledged, replied, completed or returned); null without answers"
    )
    response_time_p90: Duration | None = strawberry.field(
        description="90th percentile of the same (interpolated)"
    )
    answered_handoffs: int = strawberry.field(
        description="Received handoffs with a timed first answer (what the percentiles use)"
    )
    answered_before_respond_by_share: float | None = strawberry.field(
        description="Of received handoffs that expected an answer and whose first deadline "
        "passed or that were answered, the share answered by their first respondBy"
    )
    reminders_per_handoff: float | None = strawberry.field(
        description="Reminders sent for received handoffs / received"
    )
    escalations_per_handoff: float | None = strawberry.field(
        description="Received handoffs that escalated / received"
    )
    urgent: UrgentHealth = strawberry.field(description="Urgent handoffs received")
    coverage: Coverage = strawberry.field(description="Follow-the-sun coverage")
    overlaps: list[PairOverlap] = strawberry.field(
        description="Overlap hours of every pair of members, in the order of `people`"
    )

    @classmethod
    def of(cls, r: service.Report) -> AsyncHealthReport:
        row = r.row
        return cls(
            start=r.start,
            end=r.end,
            people=[Person.wrap(p) for p in r.people],
            received=row.received,
            sent=row.sent,
            delivered_in_hours_share=r.delivered_in_hours_share,
            interruptions_avoided=row.held,
            interruptions_avoided_share=r.interruptions_avoided_share,
            digests=row.digests,
            bundled_handoffs=row.bundled,
            handoffs_per_digest=r.handoffs_per_digest,
            response_time_median=_duration(row.response_median),
            response_time_p90=_duration(row.response_p90),
            answered_handoffs=row.timed_answers,
            answered_before_respond_by_share=r.answered_in_time_share,
            reminders_per_handoff=r.reminders_per_handoff,
            escalations_per_handoff=r.escalations_per_handoff,
            urgent=UrgentHealth(
                sent=row.urgent_sent,
                break_throughs=row.urgent_broke_through,
                declined=row.urgent_declined,
                senders=row.urgent_senders,
                break_throughs_per_sender=r.break_throughs_per_sender,
                rated=row.urgent_rated,
                rated_urgent_share=r.rated_urgent_share,
            ),
            coverage=Coverage(
                gap_total=Duration(r.coverage_gap), gap_hours_per_week=r.gap_hours_per_week
            ),
            overlaps=[
                PairOverlap(
                    a=Person.wrap(o.a),
                    b=Person.wrap(o.b),
                    total=Duration(o.shared),
                    hours_per_week=o.shared / _HOUR / r.weeks,
                )
                for o in r.overlaps
            ],
        )


def _duration(value: timedelta | None) -> Duration | None:
    return None if value is None else Duration(value)


@strawberry.type(
    description="The group is smaller than the report's minimum: the report is a mirror for a "
    "team, not a view of one person."
)
class GroupTooSmall:
    size: int = strawberry.field(description="People in the group (each counted once)")
    minimum: int = strawberry.field(description="The smallest group the report answers for")
    receivers: int | None = strawberry.field(
        default=None,
        description="Always null: how many members a handoff landed with would tell, for "
        "one person among idle ones, whether that person received anything",
        deprecation_reason="never filled: it would reveal one person's figures",
    )
    message: str = strawberry.field(description="What to do instead")


AsyncHealthResult = Annotated[
    AsyncHealthReport | GroupTooSmall | ValidationError | NotFound,
    strawberry.union("AsyncHealthResult", description="The report, or why not"),
]
