"""Results of queries and mutations: payloads and the unions with expected failures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.scalars import Duration
from handoff.api.types.handoffs import Handoff, Team, WorkItem
from handoff.api.types.people import Person, Window, Workspace
from handoff.api.types.urgency import Urgency


@strawberry.type(description="The workspace after the change.")
class WorkspacePayload:
    workspace: Workspace = strawberry.field(description="The workspace")


@strawberry.type(description="The person after the change.")
class PersonPayload:
    person: Person = strawberry.field(description="The person")


@strawberry.type(description="The team after the change.")
class TeamPayload:
    team: Team = strawberry.field(description="The team")


@strawberry.type(description="The work item after the change.")
class WorkItemPayload:
    work_item: WorkItem = strawberry.field(description="The work item")


@strawberry.type(description="The handoff after the change.")
class HandoffPayload:
    handoff: Handoff = strawberry.field(description="The handoff")


@strawberry.type(description="The handoff created (or found by its idempotency key).")
class CreateHandoffPayload:
    handoff: Handoff = strawberry.field(description="The handoff")
    created: bool = strawberry.field(
        description="false when the idempotency key matched an earlier handoff"
    )


@strawberry.type(description="What createHandoff would compute")
class HandoffPreview:
    receiver: Person = strawberry.field(description="Who it would land with")
    team: Team | None = strawberry.field(description="The team it goes through, if any")
    deliver_at: datetime = strawberry.field(description="When it would land")
    respond_by: datetime | None = strawberry.field(description="When an answer would be due")
    explanation: list[str] = strawberry.field(description="Why, in order")
    urgency: Urgency | None = strawberry.field(
        default=None,
        description="Sent as urgent: whether it would break through, and why not; null otherwise",
    )


@strawberry.type(description="A person's working windows in a range.")
class Availability:
    person: Person = strawberry.field(description="Whose windows")
    windows: list[Window] = strawberry.field(description="Working time, merged and in order")
    working_time: Duration = strawberry.field(description="Their total")


@strawberry.type(description="A span when everyone asked about works.")
class OverlapWindow:
    start: datetime = strawberry.field(description="Start (UTC)")
    end: datetime = strawberry.field(description="End (UTC), exclusive")


@strawberry.type(description="When a group works at the same time.")
class Overlap:
    windows: list[OverlapWindow] = strawberry.field(description="Shared working time, in order")
    total: Duration = strawberry.field(description="Their total")


@strawberry.type(description="When one person can next be reached.")
class ReachableCandidate:
    person: Person = strawberry.field(description="The person")
    at: datetime | None = strawberry.field(description="null when never reachable")
    explanation: list[str] = strawberry.field(description="Why then")


@strawberry.type(description="Who can be reached soonest, and when each person can.")
class NextReachable:
    soonest: ReachableCandidate | None = strawberry.field(
        description="Reachable first; null when nobody is within two years"
    )
    candidates: list[ReachableCandidate] = strawberry.field(description="Everyone, soonest first")


def _union(name: str, what: str) -> Any:
    return strawberry.union(name, description=f"{what}, or why not")


WorkspaceResult = Annotated[
    WorkspacePayload | ValidationError, _union("WorkspaceResult", "The workspace")
]
PersonResult = Annotated[
    PersonPayload | ValidationError | NotFound | Conflict, _union("PersonResult", "The person")
]
TimeOffResult = Annotated[
    PersonPayload | ValidationError | NotFound | Conflict,
    _union("TimeOffResult", "The person (Conflict: the delegate has left)"),
]
TeamResult = Annotated[TeamPayload | ValidationError | NotFound, _union("TeamResult", "The team")]
WorkItemResult = Annotated[
    WorkItemPayload | ValidationError | NotFound | Conflict,
    _union("WorkItemResult", "The work item (Conflict: its holder has left)"),
]
HandoffResult = Annotated[
    HandoffPayload | ValidationError | NotFound | Conflict, _union("HandoffResult", "The handoff")
]
CreateHandoffResult = Annotated[
    CreateHandoffPayload | ValidationError | NotFound | Conflict,
    _union("CreateHandoffResult", "The new handoff"),
]
PreviewResult = Annotated[
    HandoffPreview | ValidationError | NotFound | Conflict, _union("PreviewResult", "The preview")
]
AvailabilityResult = Annotated[
    Availability | ValidationError | NotFound, _union("AvailabilityResult", "The windows")
]
OverlapResult = Annotated[
    Overlap | ValidationError | NotFound, _union("OverlapResult", "The overlap")
]
NextReachableResult = Annotated[
    NextReachable | ValidationError | NotFound, _union("NextReachableResult", "Who is reachable")
]


@strawberry.type(description="A person's working time in a range.")
class WorkingTime:
    person: Person = strawberry.field(description="Whose time")
    total: Duration = strawberry.field(description="Real elapsed working time in the range")


@strawberry.type(description="Where a duration of working time ends.")
class WorkingTimeSum:
    person: Person = strawberry.field(description="Whose time")
    ends_at: datetime = strawberry.field(description="The instant it ends (UTC)")
    ends_at_local: datetime = strawberry.field(description="The same instant on their clock")


WorkingTimeResult = Annotated[
    WorkingTime | ValidationError | NotFound,
    _union("WorkingTimeResult", "The working time"),
]
AddWorkingTimeResult = Annotated[
    WorkingTimeSum | ValidationError | NotFound,
    _union("AddWorkingTimeResult", "Where it ends"),
]
