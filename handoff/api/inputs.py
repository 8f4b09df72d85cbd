"""GraphQL input types and their translation to the dicts the engine reads."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types.arguments import InputContext
from strawberry.types.base import get_object_definition

from handoff import ids
from handoff.api.scalars import Duration
from handoff.api.types import HandoffStatus, Routing, WorkItemStatus
from handoff.services.errors import Invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def decode_id(value: strawberry.ID | str, type_name: str, field: str) -> int:
    """A row id from a global ID; a malformed or wrong-typed ID is a validation error."""
    try:
        return ids.decode_as(str(value), type_name)
    except ids.BadId as e:
        raise Invalid(field, str(e)) from None


def decode_optional(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    return None if value is None else decode_id(value, type_name, field)


def require_aware(value: datetime, field: str) -> datetime:
    """Instants must carry an offset; a naive one is ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid(
            field, f"{value.isoformat()} has no UTC offset; send e.g. '2026-11-27T15:00:00+01:00'"
        )
    return value


@strawberry.input(description="Missing day = not working. Intervals 'HH:MM-HH:MM'.")
class WeeklyInput:
    mon: list[str] | None = None
    tue: list[str] | None = None
    wed: list[str] | None = None
    thu: list[str] | None = None
    fri: list[str] | None = None
    sat: list[str] | None = None
    sun: list[str] | None = None

    def to_dict(self) -> dict[str, list[str]]:
        return {d: v for d in WEEKDAYS if (v := getattr(self, d)) is not None}


@strawberry.input
class HolidayRegionInput:
    country: str
    subdivision: str | None = None


@strawberry.input
class TimeOffInput:
    start: date
    end: date
    reason: str | None = None


@strawberry.input
class DateOverrideInput:
    date: date
    intervals: list[str]


@strawberry.input
class WorkingPatternInput:
    timezone: str | None = strawberry.field(
        default=None, description="defaults to the person's timezone"
    )
    weekly: WeeklyInput
    holidays: HolidayRegionInput | None = None
    time_off: list[TimeOffInput] | None = None
    overrides: list[DateOverrideInput] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"weekly": self.weekly.to_dict()}
        if self.timezone is not None:
            data["timezone"] = self.timezone
        if self.holidays is not None:
            data["holidays"] = {
                "country": self.holidays.country,
                "subdivision": self.holidays.subdivision,
            }
        if self.time_off:
            data["time_off"] = [
                {"start": t.start.isoformat(), "end": t.end.isoformat()}
                | ({"reason": t.reason} if t.reason else {})
                for t in self.time_off
            ]
        if self.overrides:
            data["overrides"] = {o.date.isoformat(): o.intervals for o in self.overrides}
        return data


@strawberry.input
class DeliveryPolicyInput:
    focus_blocks: WeeklyInput | None = None
    digest_times: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus_blocks": self.focus_blocks.to_dict() if self.focus_blocks else {},
            "digest_times": self.digest_times or [],
        }


@strawberry.input
class CreatePersonInput:
    name: str
    handle: str
    timezone: str
    email: str | None = None
    working_pattern: WorkingPatternInput | None = strawberry.field(
        default=None, description="defaults to Mon-Fri 09:00-17:00 in the timezone"
    )
    delivery_policy: DeliveryPolicyInput | None = None


@strawberry.input
class UpdatePersonInput:
    id: strawberry.ID
    name: str | None = None
    handle: str | None = None
    email: str | None = strawberry.UNSET


@strawberry.input
class CreateTeamInput:
    name: str
    routing: Routing = Routing.FOLLOW_THE_SUN
    member_ids: list[strawberry.ID] | None = None


@strawberry.input
class CreateWorkItemInput:
    title: str
    description: str = ""
    holder_id: strawberry.ID | None = None


@strawberry.input
class NewWorkItemInput:
    title: str
    description: str = ""


@strawberry.input
class HandoffNoteInput:
    summary: str
    done: str = ""
    next: str = ""
    open_questions: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class CreateHandoffInput:
    sender_id: strawberry.ID
    note: HandoffNoteInput
    work_item_id: strawberry.ID | None = None
    new_work_item: NewWorkItemInput | None = None
    to_person_id: strawberry.ID | None = None
    to_team_id: strawberry.ID | None = None
    expect_response_within: Duration | None = strawberry.field(
        default=None, description="counted in the receiver's working time, e.g. PT4H"
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="the same key again returns the first handoff"
    )
    max_reminders: int | None = strawberry.field(
        default=None, description="reminders before escalation; defaults to the workspace's"
    )


@strawberry.input
class WorkItemFilter:
    status: WorkItemStatus | None = None
    holder_id: strawberry.ID | None = None


@strawberry.input
class HandoffFilter:
    status: HandoffStatus | None = None
    receiver_id: strawberry.ID | None = None
    sender_id: strawberry.ID | None = None
    team_id: strawberry.ID | None = None


# -- fast input building -------------------------------------------------------------------
# Strawberry converts an input value field by field, resolving every field's annotation on
# each request; for createHandoff (the hot mutation) that was ~12% of the API's CPU. These
# `from_input` hooks (StrawberryObjectDefinition.from_input) build the same objects directly
# from the value graphql-core has already coerced (scalars parsed, published defaults filled).


def _note_from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    questions = value.get("openQuestions")
    return cls(
        summary=value["summary"],
        done=value.get("done", ""),
        next=value.get("next", ""),
        open_questions=[] if questions is None else list(questions),
    )


def _new_item_from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    return cls(title=value["title"], description=value.get("description", ""))


def _create_handoff_from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    new_item = value.get("newWorkItem")
    return cls(
        sender_id=value["senderId"],
        note=_note_from_input(HandoffNoteInput, value["note"], context),
        work_item_id=value.get("workItemId"),
        new_work_item=None
        if new_item is None
        else _new_item_from_input(NewWorkItemInput, new_item, context),
        to_person_id=value.get("toPersonId"),
        to_team_id=value.get("toTeamId"),
        expect_response_within=value.get("expectResponseWithin"),
        idempotency_key=value.get("idempotencyKey"),
        max_reminders=value.get("maxReminders"),
    )


_BUILDERS: list[tuple[type, Any]] = [
    (HandoffNoteInput, _note_from_input),
    (NewWorkItemInput, _new_item_from_input),
    (CreateHandoffInput, _create_handoff_from_input),
]
for _cls, _build in _BUILDERS:
    get_object_definition(_cls, strict=True).from_input = _build
