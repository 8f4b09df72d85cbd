"""GraphQL types of travel: periods, what a change moved, and the results of changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from handoff import ids
from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.loaders import loader
from handoff.api.types.common import FollowUpKind, Info, Node, TravelHolidays, TravelHours
from handoff.api.types.handoffs import Handoff
from handoff.api.types.people import HolidayRegion, Person
from handoff.storage.travel import TravelRow


async def _person(info: Info, person_id: int) -> Person:
    found = await loader(info.context, "person").load(person_id)
    assert found is not None, "foreign keys keep people referenced"
    return Person.wrap(found)


@strawberry.type(
    description="A dated stay in another zone (local dates, both inclusive). With LOCAL "
    "hours the usual week applies as wall time there; with HOME hours it only says where "
    "the person is."
)
class TravelPeriod(Node):
    _m: strawberry.Private[TravelRow]
    start: date = strawberry.field(description="First local date of the stay")
    end: date = strawberry.field(description="Last local date of the stay, inclusive")
    timezone: str = strawberry.field(description="IANA zone of the place visited")
    hours: TravelHours = strawberry.field(description="Whose wall clock their hours follow")
    holidays: TravelHolidays = strawberry.field(description="Whose public holidays they keep")
    visited_region: HolidayRegion | None = strawberry.field(
        description="The visited region (its holidays apply with holidays: VISITED)"
    )

    @classmethod
    def wrap(cls, row: TravelRow) -> TravelPeriod:
        region = (
            None
            if row.visited_country is None
            else HolidayRegion(country=row.visited_country, subdivision=row.visited_subdivision)
        )
        return cls(
            id=strawberry.ID(ids.encode("TravelPeriod", row.id)),
            _m=row,
            start=row.start_date,
            end=row.end_date,
            timezone=row.timezone,
            hours=row.hours,
            holidays=row.holidays,
            visited_region=region,
        )

    @strawberry.field(description="Who travels")
    async def person(self, info: Info) -> Person:
        return await _person(info, self._m.person_id)


@strawberry.type(description="A pending follow-up a change moved: from when to when.")
class MovedFollowUp:
    follow_up_id: strawberry.ID = strawberry.field(description="The follow-up's ID")
    handoff_pk: strawberry.Private[int]
    kind: FollowUpKind = strawberry.field(description="Delivery, reminder or escalation")
    from_: datetime = strawberry.field(name="from", description="When it was due")
    to: datetime = strawberry.field(description="When it is due now")
    rerouted_to: strawberry.ID | None = strawberry.field(
        description="A team handoff routed again: the member it goes to now"
    )

    @classmethod
    def of(cls, entry: dict[str, Any]) -> MovedFollowUp:
        """From a moved entry as events list it (`services.availability.moved_entry`)."""
        return cls(
            follow_up_id=strawberry.ID(entry["followUpId"]),
            handoff_pk=ids.decode_as(entry["handoffId"], "Handoff"),
            kind=FollowUpKind(entry["kind"]),
            from_=datetime.fromisoformat(entry["from"]),
            to=datetime.fromisoformat(entry["to"]),
            rerouted_to=entry.get("reroutedTo"),
        )

    @strawberry.field(description="The handoff it belongs to")
    async def handoff(self, info: Info) -> Handoff:
        found = await loader(info.context, "handoff").load(self.handoff_pk)
        assert found is not None
        return Handoff.wrap(found)


@strawberry.type(description="The travel period after the change, and what it moved.")
class TravelPayload:
    travel: TravelPeriod = strawberry.field(description="The period")
    person: Person = strawberry.field(description="The traveller after the change")
    follow_ups_moved: list[MovedFollowUp] = strawberry.field(
        description="Pending follow-ups that are now due at another instant"
    )


@strawberry.type(description="A travel period was removed.")
class RemoveTravelPayload:
    removed_id: strawberry.ID = strawberry.field(description="The removed period's ID")
    person: Person = strawberry.field(description="The person after the change")
    follow_ups_moved: list[MovedFollowUp] = strawberry.field(
        description="Pending follow-ups that are now due at another instant"
    )


def _union(name: str, what: str) -> Any:
    return strawberry.union(name, description=f"{what}, or why not")


TravelResult = Annotated[
    TravelPayload | ValidationError | NotFound | Conflict, _union("TravelResult", "The period")
]
RemoveTravelResult = Annotated[
    RemoveTravelPayload | ValidationError | NotFound | Conflict,
    _union("RemoveTravelResult", "The removal"),
]
