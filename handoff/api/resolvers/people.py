"""People: who they are, and when they work."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import (
    CreatePersonInput,
    DeliveryPolicyInput,
    UpdatePersonInput,
    WorkingPatternInput,
    decode_id,
)
from handoff.api.inputs_away import DelegateInput
from handoff.api.resolvers.common import (
    AfterArg,
    FirstArg,
    IdArg,
    InputArg,
    PersonIdArg,
    id_page,
    person_model,
)
from handoff.api.types import Connection, Info, Person
from handoff.api.types.results import PersonPayload, PersonResult, TimeOffResult
from handoff.services import availability, delegations
from handoff.services import people as people_service
from handoff.storage import models as m
from handoff.storage import people

StartDate = Annotated[date, strawberry.argument(description="First day off (local date)")]
EndDate = Annotated[date, strawberry.argument(description="Last day off (local date), inclusive")]


def _payload(person: m.Person) -> PersonPayload:
    return PersonPayload(person=Person.wrap(person))


@strawberry.type
class PeopleQuery:
    @strawberry.field(description="The workspace's people, by creation")
    async def people(
        self, info: Info, first: FirstArg = None, after: AfterArg = None
    ) -> Connection[Person]:
        return await id_page(info, people.page, people.count, Person.wrap, first, after)

    @strawberry.field(description="One person by global ID")
    @expected_failures()
    async def person(self, info: Info, id: IdArg) -> PersonResult:
        return _payload(await person_model(info, id, "id"))


@strawberry.type
class PeopleMutation:
    @strawberry.mutation(description="Add a person; Mon-Fri 09:00-17:00 unless a pattern is given")
    @expected_failures("input")
    async def create_person(self, info: Info, input: InputArg[CreatePersonInput]) -> PersonResult:
        pattern = input.working_pattern.to_dict() if input.working_pattern else None
        policy = input.delivery_policy.to_dict() if input.delivery_policy else None
        person = await info.context.change(
            people_service.create_person,
            name=input.name,
            handle=input.handle,
            timezone=input.timezone,
            email=input.email,
            working_pattern=pattern,
            delivery_policy=policy,
            urgency=input.delivery_policy.urgency("deliveryPolicy")
            if input.delivery_policy
            else None,
        )
        return _payload(person)

    @strawberry.mutation(description="Change a person's name, handle or email")
    @expected_failures("input")
    async def update_person(self, info: Info, input: InputArg[UpdatePersonInput]) -> PersonResult:
        set_email = input.email is not strawberry.UNSET
        person = await info.context.change(
            people_service.update_person,
            decode_id(input.id, "Person", "id"),
            name=input.name,
            handle=input.handle,
            email=input.email if set_email else None,
            set_email=set_email,
        )
        return _payload(person)

    @strawberry.mutation(description="Replace a person's working pattern; pending follow-ups move")
    @expected_failures()
    async def set_working_pattern(
        self,
        info: Info,
        person_id: PersonIdArg,
        pattern: Annotated[
            WorkingPatternInput, strawberry.argument(description="The whole new pattern")
        ],
    ) -> PersonResult:
        pid = decode_id(person_id, "Person", "personId")
        person = await info.context.change(
            delegations.set_working_pattern, pid, pattern.to_dict(), field="pattern"
        )
        return _payload(person)

    @strawberry.mutation(
        description="Replace focus blocks, digest times and who may break through them; "
        "pending follow-ups move"
    )
    @expected_failures()
    async def set_delivery_policy(
        self,
        info: Info,
        person_id: PersonIdArg,
        policy: Annotated[
            DeliveryPolicyInput, strawberry.argument(description="The whole new policy")
        ],
    ) -> PersonResult:
        pid = decode_id(person_id, "Person", "personId")
        person = await info.context.change(
            availability.set_delivery_policy,
            pid,
            policy.to_dict(),
            field="policy",
            urgency=policy.urgency("policy"),
        )
        return _payload(person)

    @strawberry.mutation(
        description="Local dates, both inclusive; with `delegation`, a delegate covers them "
        "from the start of the first day to the end of the last. The same dates again "
        "replace the reason; dates sharing a day with another period are refused"
    )
    @expected_failures()
    async def add_time_off(
        self,
        info: Info,
        person_id: PersonIdArg,
        start: StartDate,
        end: EndDate,
        reason: Annotated[
            str | None, strawberry.argument(description="Shown in explanations, e.g. 'holiday'")
        ] = None,
        delegation: Annotated[
            DelegateInput | None,
            strawberry.argument(description="Who covers meanwhile; none when omitted"),
        ] = None,
        private: Annotated[
            bool,
            strawberry.argument(
                description="Keep the reason to the person: explanations and timelines say "
                "'time off' without it, and only they (and workspace tokens) read it"
            ),
        ] = False,
    ) -> TimeOffResult:
        pid = decode_id(person_id, "Person", "personId")
        if delegation is None:
            person = await info.context.change(
                availability.add_time_off, pid, start, end, reason, private=private
            )
        else:
            person = await info.context.change(
                delegations.add_time_off_with_delegate,
                pid,
                start,
                end,
                reason,
                delegation.to("delegation."),
                private=private,
            )
        return _payload(person)

    @strawberry.mutation(
        description="Remove the time off with exactly these dates (and end the delegation "
        "set with it)"
    )
    @expected_failures()
    async def remove_time_off(
        self, info: Info, person_id: PersonIdArg, start: StartDate, end: EndDate
    ) -> TimeOffResult:
        pid = decode_id(person_id, "Person", "personId")
        person = await info.context.change(delegations.remove_time_off, pid, start, end)
        return _payload(person)
