"""GraphQL inputs for people who travel, go away and leave."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from handoff import ids
from handoff.api.inputs import HolidayRegionInput, decode_id, decode_optional
from handoff.api.types.common import OpenHandoffs, TravelHolidays, TravelHours
from handoff.services.delegations import DelegateTo
from handoff.services.errors import Invalid
from handoff.services.travel import TravelChange


def _region(value: HolidayRegionInput | None) -> dict[str, Any] | None:
    return None if value is None else {"country": value.country, "subdivision": value.subdivision}


@strawberry.input(description="A new travel period: local dates, both inclusive.")
class AddTravelInput:
    person_id: strawberry.ID = strawberry.field(description="Who travels")
    start: date = strawberry.field(description="First local date of the stay")
    end: date = strawberry.field(
        description="Last local date, inclusive; at most 366 days after start"
    )
    timezone: str = strawberry.field(description="IANA zone of the place, e.g. Asia/Tokyo")
    hours: TravelHours = strawberry.field(
        default=TravelHours.LOCAL, description="Whose wall clock their hours follow"
    )
    holidays: TravelHolidays = strawberry.field(
        default=TravelHolidays.HOME, description="Whose public holidays they keep"
    )
    visited_region: HolidayRegionInput | None = strawberry.field(
        default=None, description="The region visited; needed with holidays: VISITED"
    )

    def change(self) -> TravelChange:
        return TravelChange(
            start=self.start,
            end=self.end,
            timezone=self.timezone,
            hours=self.hours,
            holidays=self.holidays,
            visited_region=_region(self.visited_region),
        )


@strawberry.input(description="Changes to a travel period; omitted (or null) fields stay.")
class UpdateTravelInput:
    id: strawberry.ID = strawberry.field(description="The period's global ID")
    start: date | None = strawberry.field(default=strawberry.UNSET, description="First date")
    end: date | None = strawberry.field(default=strawberry.UNSET, description="Last date")
    timezone: str | None = strawberry.field(default=strawberry.UNSET, description="IANA zone")
    hours: TravelHours | None = strawberry.field(
        default=strawberry.UNSET, description="Whose wall clock their hours follow"
    )
    holidays: TravelHolidays | None = strawberry.field(
        default=strawberry.UNSET, description="Whose public holidays they keep"
    )
    visited_region: HolidayRegionInput | None = strawberry.field(
        default=strawberry.UNSET, description="The region visited; null removes it"
    )

    def change(self) -> TravelChange:
        given: dict[str, Any] = {
            name: value
            for name in ("start", "end", "timezone", "hours", "holidays")
            if (value := getattr(self, name)) is not strawberry.UNSET and value is not None
        }
        if self.visited_region is not strawberry.UNSET:
            given["visited_region"] = _region(self.visited_region)
        return TravelChange(**given)


_DELEGATE = "A person who covers (give this or delegateTeamId)"
_TEAM = "A team that covers; its routing picks the member"
_OPEN = "What happens at the start to the handoffs they already hold"
_BACK = (
    "At the end, open handoffs it sent on go back to the person, landing at their first "
    "delivery instant from then"
)


def _delegate_to(data: SetDelegationInput | DelegateInput, prefix: str = "") -> DelegateTo:
    if data.delegate_id is not None and data.delegate_team_id is not None:
        raise Invalid(f"{prefix}delegateId", "give exactly one of delegateId and delegateTeamId")
    return DelegateTo(
        delegate_id=decode_optional(data.delegate_id, "Person", f"{prefix}delegateId"),
        delegate_team_id=decode_optional(data.delegate_team_id, "Team", f"{prefix}delegateTeamId"),
        open_handoffs=data.open_handoffs,
        hand_back=data.hand_back,
    )


@strawberry.input(description="Who covers while a person is away, and what happens to their work.")
class DelegateInput:
    delegate_id: strawberry.ID | None = strawberry.field(default=None, description=_DELEGATE)
    delegate_team_id: strawberry.ID | None = strawberry.field(default=None, description=_TEAM)
    open_handoffs: OpenHandoffs = strawberry.field(default=OpenHandoffs.KEEP, description=_OPEN)
    hand_back: bool = strawberry.field(default=False, description=_BACK)

    def to(self, prefix: str = "") -> DelegateTo:
        return _delegate_to(self, prefix)


@strawberry.input(
    description="A delegation: while it runs, new handoffs to the person go to the delegate."
)
class SetDelegationInput:
    person_id: strawberry.ID = strawberry.field(description="Who is away")
    start: datetime = strawberry.field(description="When it starts (with an offset)")
    end: datetime = strawberry.field(
        description="When it ends; after start, not past, at most 366 days on"
    )
    delegate_id: strawberry.ID | None = strawberry.field(default=None, description=_DELEGATE)
    delegate_team_id: strawberry.ID | None = strawberry.field(default=None, description=_TEAM)
    open_handoffs: OpenHandoffs = strawberry.field(default=OpenHandoffs.KEEP, description=_OPEN)
    hand_back: bool = strawberry.field(default=False, description=_BACK)

    def to(self) -> DelegateTo:
        return _delegate_to(self)


@strawberry.input(description="Who takes a leaving person's open handoffs.")
class DeactivatePersonInput:
    id: strawberry.ID = strawberry.field(description="The person who leaves")
    reassign_to: strawberry.ID | None = strawberry.field(
        default=None,
        description="A person's or a team's global ID; needed when they hold open handoffs."
        " A person also takes over their work: escalations of handoffs they sent go to them",
    )

    def target(self) -> tuple[int | None, int | None]:
        """(person id, team id) of `reassignTo`."""
        if self.reassign_to is None:
            return None, None
        try:
            kind, _ = ids.decode(str(self.reassign_to))
        except ids.BadId as e:
            raise Invalid("reassignTo", str(e)) from None
        if kind == "Team":
            return None, decode_id(self.reassign_to, "Team", "reassignTo")
        return decode_id(self.reassign_to, "Person", "reassignTo"), None
