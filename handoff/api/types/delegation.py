"""GraphQL types of people away and leaving: delegations and the results of changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from handoff import ids
from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.loaders import loader
from handoff.api.types.common import DelegationState, Info, Node, OpenHandoffs
from handoff.api.types.handoffs import Handoff, Team
from handoff.api.types.people import Person
from handoff.storage.delegations import Delegation as DelegationRow


async def _person(info: Info, person_id: int) -> Person:
    found = await loader(info.context, "person").load(person_id)
    assert found is not None, "foreign keys keep people referenced"
    return Person.wrap(found)


@strawberry.type(description="The local dates of the time off a delegation covers.")
class CoveredTimeOff:
    start: date = strawberry.field(description="First day off")
    end: date = strawberry.field(description="Last day off, inclusive")


@strawberry.type(
    description="While a person is away, new handoffs to them go to a delegate (a person, "
    "whose own delegate is followed, or a team)."
)
class Delegation(Node):
    _m: strawberry.Private[DelegationRow]
    start: datetime = strawberry.field(description="When it starts")
    end: datetime = strawberry.field(description="When it is planned to end")
    open_handoffs: OpenHandoffs = strawberry.field(
        description="What happens at the start to the handoffs the person already holds"
    )
    hand_back: bool = strawberry.field(
        description="Whether open handoffs it sent on go back to the person when it ends "
        "(landing at their first delivery instant from then)"
    )
    state: DelegationState = strawberry.field(description="Scheduled, active, ended, cancelled")
    started_at: datetime | None = strawberry.field(description="When it started")
    ended_at: datetime | None = strawberry.field(description="When it ended (or was cancelled)")
    time_off: CoveredTimeOff | None = strawberry.field(
        description="The time off it was set with (addTimeOff), if any"
    )

    @classmethod
    def wrap(cls, row: DelegationRow) -> Delegation:
        covered = (
            None
            if row.time_off_start is None or row.time_off_end is None
            else CoveredTimeOff(start=row.time_off_start, end=row.time_off_end)
        )
        return cls(
            id=strawberry.ID(ids.encode("Delegation", row.id)),
            _m=row,
            start=row.starts_at,
            end=row.ends_at,
            open_handoffs=row.open_handoffs,
            hand_back=row.hand_back,
            state=row.state,
            started_at=row.started_at,
            ended_at=row.ended_at,
            time_off=covered,
        )

    @strawberry.field(description="Who is away")
    async def person(self, info: Info) -> Person:
        return await _person(info, self._m.person_id)

    @strawberry.field(description="The person who covers; null when a team does")
    async def delegate(self, info: Info) -> Person | None:
        if self._m.delegate_id is None:
            return None
        return await _person(info, self._m.delegate_id)

    @strawberry.field(description="The team that covers; null when a person does")
    async def delegate_team(self, info: Info) -> Team | None:
        if self._m.delegate_team_id is None:
            return None
        found = await loader(info.context, "team").load(self._m.delegate_team_id)
        return None if found is None else Team.wrap(found)

    @strawberry.field(
        description="The handoffs it sent on (new ones, and open ones it moved), oldest first"
    )
    async def handled(self, info: Info) -> list[Handoff]:
        found = await loader(info.context, "delegation_handled").load(self._m.id)
        return [Handoff.wrap(h) for h in found]


@strawberry.type(description="The delegation after the change.")
class DelegationPayload:
    delegation: Delegation = strawberry.field(description="The delegation")
    person: Person = strawberry.field(description="The person it is for")
    moved: list[Handoff] = strawberry.field(
        description="Open handoffs moved to the delegate right away (REASSIGN, starting now)"
    )


@strawberry.type(description="The person after leaving, and where their work went.")
class DeactivatePersonPayload:
    person: Person = strawberry.field(description="The person, now deactivated")
    reassigned: list[Handoff] = strawberry.field(
        description="Their open handoffs, as they stand now (moved, or back with the sender)"
    )
    teams_left: list[Team] = strawberry.field(description="The teams they were taken out of")


@strawberry.type(description="The tombstone left of an erased person, and the counts kept.")
class ErasePersonPayload:
    person: Person = strawberry.field(description="The tombstone")
    handoffs_sent: int = strawberry.field(description="Handoffs they sent (kept for reports)")
    handoffs_received: int = strawberry.field(
        description="Handoffs they held last (kept for reports)"
    )


def _union(name: str, what: str) -> Any:
    return strawberry.union(name, description=f"{what}, or why not")


DelegationResult = Annotated[
    DelegationPayload | ValidationError | NotFound | Conflict,
    _union("DelegationResult", "The delegation"),
]
DeactivatePersonResult = Annotated[
    DeactivatePersonPayload | ValidationError | NotFound | Conflict,
    _union("DeactivatePersonResult", "The deactivated person"),
]
ErasePersonResult = Annotated[
    ErasePersonPayload | ValidationError | NotFound | Conflict,
    _union("ErasePersonResult", "The erased person"),
]
