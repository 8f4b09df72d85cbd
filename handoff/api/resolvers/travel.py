"""Travel periods: added, changed and removed; pending follow-ups move with them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id
from handoff.api.inputs_away import AddTravelInput, UpdateTravelInput
from handoff.api.resolvers.common import InputArg
from handoff.api.types import Info, Person
from handoff.api.types.travel import (
    MovedFollowUp,
    RemoveTravelPayload,
    RemoveTravelResult,
    TravelPayload,
    TravelPeriod,
    TravelResult,
)
from handoff.services import travel
from handoff.services.travel import TravelResult as Changed


def _payload(result: Changed) -> TravelPayload:
    assert result.travel is not None
    return TravelPayload(
        travel=TravelPeriod.wrap(result.travel),
        person=Person.wrap(result.person),
        follow_ups_moved=[MovedFollowUp.of(m) for m in result.moved],
    )


@strawberry.type
class TravelMutation:
    @strawberry.mutation(
        description="Add a travel period; it may not share a date with another of theirs"
    )
    @expected_failures("input")
    async def add_travel(self, info: Info, input: InputArg[AddTravelInput]) -> TravelResult:
        person_id = decode_id(input.person_id, "Person", "personId")
        return _payload(await info.context.change(travel.add_travel, person_id, input.change()))

    @strawberry.mutation(description="Change a travel period; omitted fields stay")
    @expected_failures("input")
    async def update_travel(self, info: Info, input: InputArg[UpdateTravelInput]) -> TravelResult:
        travel_id = decode_id(input.id, "TravelPeriod", "id")
        return _payload(await info.context.change(travel.update_travel, travel_id, input.change()))

    @strawberry.mutation(description="Remove a travel period")
    @expected_failures()
    async def remove_travel(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The period's global ID")],
    ) -> RemoveTravelResult:
        result = await info.context.change(
            travel.remove_travel, decode_id(id, "TravelPeriod", "id")
        )
        return RemoveTravelPayload(
            removed_id=id,
            person=Person.wrap(result.person),
            follow_ups_moved=[MovedFollowUp.of(m) for m in result.moved],
        )
