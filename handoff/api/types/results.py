"""Results of queries and mutations: payloads and the unions with expected failures."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.scalars import Duration
from handoff.api.types.handoffs import Handoff, Team, WorkItem
from handoff.api.types.people import Person, Window, Workspace


@strawberry.type
class WorkspacePayload:
    workspace: Workspace


@strawberry.type
class PersonPayload:
    person: Person


@strawberry.type
class TeamPayload:
    team: Team


@strawberry.type
class WorkItemPayload:
    work_item: WorkItem


@strawberry.type
class HandoffPayload:
    handoff: Handoff


@strawberry.type
class CreateHandoffPayload:
    handoff: Handoff
    created: bool = strawberry.field(
        description="false when the idempotency key matched an earlier handoff"
    )


@strawberry.type(description="What createHandoff would compute now")
class HandoffPreview:
    receiver: Person
    team: Team | None
    deliver_at: datetime
    respond_by: datetime | None
    explanation: list[str]


@strawberry.type
class Availability:
    person: Person
    windows: list[Window]
    working_time: Duration


@strawberry.type
class OverlapWindow:
    start: datetime
    end: datetime


@strawberry.type
class Overlap:
    windows: list[OverlapWindow]
    total: Duration


@strawberry.type
class ReachableCandidate:
    person: Person
    at: datetime | None = strawberry.field(description="null when never reachable")
    explanation: list[str]


@strawberry.type
class NextReachable:
    soonest: ReachableCandidate | None
    candidates: list[ReachableCandidate]


WorkspaceResult = Annotated[WorkspacePayload | ValidationError, strawberry.union("WorkspaceResult")]
PersonResult = Annotated[
    PersonPayload | ValidationError | NotFound, strawberry.union("PersonResult")
]
TeamResult = Annotated[TeamPayload | ValidationError | NotFound, strawberry.union("TeamResult")]
WorkItemResult = Annotated[
    WorkItemPayload | ValidationError | NotFound, strawberry.union("WorkItemResult")
]
HandoffResult = Annotated[
    HandoffPayload | ValidationError | NotFound | Conflict, strawberry.union("HandoffResult")
]
CreateHandoffResult = Annotated[
    CreateHandoffPayload | ValidationError | NotFound | Conflict,
    strawberry.union("CreateHandoffResult"),
]
PreviewResult = Annotated[
    HandoffPreview | ValidationError | NotFound | Conflict, strawberry.union("PreviewResult")
]
AvailabilityResult = Annotated[
    Availability | ValidationError | NotFound, strawberry.union("AvailabilityResult")
]
OverlapResult = Annotated[Overlap | ValidationError | NotFound, strawberry.union("OverlapResult")]
NextReachableResult = Annotated[
    NextReachable | ValidationError | NotFound, strawberry.union("NextReachableResult")
]
