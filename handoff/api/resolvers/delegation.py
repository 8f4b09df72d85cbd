"""Delegations, and people leaving: set, ended, deactivated, erased."""

from __future__ import annotations

from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id
from handoff.api.inputs_away import DeactivatePersonInput, SetDelegationInput
from handoff.api.loaders import loader
from handoff.api.resolvers.common import InputArg, PersonIdArg
from handoff.api.types import Handoff, Info, Person, Team
from handoff.api.types.delegation import (
    DeactivatePersonPayload,
    DeactivatePersonResult,
    Delegation,
    DelegationPayload,
    DelegationResult,
    ErasePersonPayload,
    ErasePersonResult,
)
from handoff.services import delegations, membership
from handoff.services.delegations import DelegationResult as Delegated


def _payload(result: Delegated) -> DelegationPayload:
    return DelegationPayload(
        delegation=Delegation.wrap(result.delegation),
        person=Person.wrap(result.person),
        moved=[Handoff.wrap(h) for h in result.moved],
    )


@strawberry.type
class DelegationMutation:
    @strawberry.mutation(
        description="While it runs, new handoffs to the person go to a delegate (followed in "
        "turn); with REASSIGN their open handoffs move there when it starts"
    )
    @expected_failures("input")
    async def set_delegation(
        self, info: Info, input: InputArg[SetDelegationInput]
    ) -> DelegationResult:
        person_id = decode_id(input.person_id, "Person", "personId")
        result = await info.context.change(
            delegations.set_delegation, person_id, input.start, input.end, input.to()
        )
        return _payload(result)

    @strawberry.mutation(
        description="End the person's running delegation now (or cancel the next one); "
        "with handBack its open handoffs go back to them"
    )
    @expected_failures()
    async def end_delegation(self, info: Info, person_id: PersonIdArg) -> DelegationResult:
        pid = decode_id(person_id, "Person", "personId")
        return _payload(await info.context.change(delegations.end_delegation, pid))

    @strawberry.mutation(
        description="The person leaves: nothing new reaches them, they leave their teams, and "
        "their open handoffs go to reassignTo in that receiver's hours"
    )
    @expected_failures("input")
    async def deactivate_person(
        self, info: Info, input: InputArg[DeactivatePersonInput]
    ) -> DeactivatePersonResult:
        person_id = decode_id(input.id, "Person", "id")
        to_person, to_team = input.target()
        result = await info.context.change(
            membership.deactivate_person, person_id, to_person, to_team
        )
        found = await loader(info.context, "team").load_many(result.teams_left)
        return DeactivatePersonPayload(
            person=Person.wrap(result.person),
            reassigned=[Handoff.wrap(h) for h in result.moved],
            teams_left=[Team.wrap(t) for t in found if t is not None],
        )

    @strawberry.mutation(
        description="Replace a deactivated person's personal data everywhere with a "
        "tombstone; their handoffs and the counts stay"
    )
    @expected_failures()
    async def erase_person(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The person's global ID")],
    ) -> ErasePersonResult:
        result = await info.context.change(membership.erase_person, decode_id(id, "Person", "id"))
        return ErasePersonPayload(
            person=Person.wrap(result.person),
            handoffs_sent=result.handoffs_sent,
            handoffs_received=result.handoffs_received,
        )
