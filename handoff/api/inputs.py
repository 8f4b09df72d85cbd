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
from handoff.api.types.urgency_enums import UrgentFrom
from handoff.services.errors import Invalid
from handoff.services.urgency_policy import PolicyInput

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


_DAY = (
    "Intervals 'HH:MM-HH:MM' that start on this weekday, wall-clock in the zone; an end at "
    "or before the start runs into the next day ('22:00-06:00'; '06:00-06:00' is 24 hours)"
)


@strawberry.input(description="Intervals per weekday. A missing or empty day has none.")
class WeeklyInput:
    mon: list[str] | None = strawberry.field(default=None, description=_DAY)
    tue: list[str] | None = strawberry.field(default=None, description=_DAY)
    wed: list[str] | None = strawberry.field(default=None, description=_DAY)
    thu: list[str] | None = strawberry.field(default=None, description=_DAY)
    fri: list[str] | None = strawberry.field(default=None, description=_DAY)
    sat: list[str] | None = strawberry.field(default=None, description=_DAY)
    sun: list[str] | None = strawberry.field(default=None, description=_DAY)

    def to_dict(self) -> dict[str, list[str]]:
        return {d: v for d in WEEKDAYS if (v := getattr(self, d)) is not None}


@strawberry.input(description="Whose public holidays are days off.")
class HolidayRegionInput:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 country code, e.g. NL")
    subdivision: str | None = strawberry.field(
        default=None, description="State or province code, e.g. NY for the US; null = national"
    )


@strawberry.input(description="Local dates without work, both inclusive.")
class TimeOffInput:
    start: date = strawberry.field(description="First day off (local date)")
    end: date = strawberry.field(description="Last day off (local date), not before start")
    reason: str | None = strawberry.field(
        default=None, description="Shown in explanations, e.g. 'holiday'"
    )
    private: bool = strawberry.field(
        default=False,
        description="Keep the reason to the person: explanations and timelines say "
        "'time off' without it",
    )


@strawberry.input(description="Different hours on one local date.")
class DateOverrideInput:
    date: date = strawberry.field(description="The local date")
    intervals: list[str] = strawberry.field(
        description="That day's intervals 'HH:MM-HH:MM' instead of the weekly ones; [] = off"
    )


@strawberry.input(
    description="When a person works. Precedence on a date: time off > override > "
    "public holiday > weekly pattern."
)
class WorkingPatternInput:
    timezone: str | None = strawberry.field(
        default=None, description="IANA zone; defaults to the person's timezone"
    )
    weekly: WeeklyInput = strawberry.field(description="The usual week")
    holidays: HolidayRegionInput | None = strawberry.field(
        default=None, description="Public holidays of this region are days off; null = none"
    )
    time_off: list[TimeOffInput] | None = strawberry.field(
        default=None, description="Periods off (replaces the list)"
    )
    overrides: list[DateOverrideInput] | None = strawberry.field(
        default=None, description="Dates with different hours (replaces the list)"
    )

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
                | ({"private": True} if t.private else {})
                for t in self.time_off
            ]
        if self.overrides:
            data["overrides"] = [
                {"date": o.date.isoformat(), "intervals": o.intervals} for o in self.overrides
            ]
        return data


@strawberry.input(
    description="When, inside working time, a person takes notifications, and whose urgent "
    "handoffs may break through (omitted fields take their defaults)."
)
class DeliveryPolicyInput:
    focus_blocks: WeeklyInput | None = strawberry.field(
        default=None, description="Weekly intervals that are never interrupted"
    )
    digest_times: list[str] | None = strawberry.field(
        default=None,
        description="Local times 'HH:MM' at which deliveries are bundled; empty = as they come",
    )
    urgent_from: UrgentFrom = strawberry.field(
        default=UrgentFrom.ANYONE,
        description="Whose urgent handoffs may break through focus blocks and digest waits "
        "(never outside working time)",
    )
    urgent_allowed_sender_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The allow-list for urgentFrom ALLOWED_SENDERS (at most 100)"
    )
    urgent_budget_per_week: int = strawberry.field(
        default=1,
        description="Break-throughs per sender per week, Monday 00:00 to Monday 00:00 in the "
        "person's zone (1 to 20)",
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "focus_blocks": self.focus_blocks.to_dict() if self.focus_blocks else {},
            "digest_times": self.digest_times or [],
        }

    def urgency(self, field: str) -> PolicyInput:
        """The urgent part; `field` is the input's path for errors in sender IDs."""
        senders = self.urgent_allowed_sender_ids or []
        return PolicyInput(
            urgent_from=self.urgent_from,
            allowed_sender_ids=[
                decode_id(v, "Person", f"{field}.urgentAllowedSenderIds.{i}")
                for i, v in enumerate(senders)
            ],
            weekly_budget=self.urgent_budget_per_week,
        )


@strawberry.input(description="A new person.")
class CreatePersonInput:
    name: str = strawberry.field(description="Display name, 1 to 200 characters")
    handle: str = strawberry.field(
        description="Unique in the workspace: 1-64 lowercase letters, digits, '.', '_', '-'"
    )
    timezone: str = strawberry.field(description="IANA zone, e.g. Europe/Amsterdam")
    email: str | None = strawberry.field(default=None, description="Email address")
    working_pattern: WorkingPatternInput | None = strawberry.field(
        default=None, description="defaults to Mon-Fri 09:00-17:00 in the timezone"
    )
    delivery_policy: DeliveryPolicyInput | None = strawberry.field(
        default=None, description="Focus blocks and digest times; default: none"
    )


@strawberry.input(description="Changes to a person; omitted fields stay as they are.")
class UpdatePersonInput:
    id: strawberry.ID = strawberry.field(description="The person's global ID")
    name: str | None = strawberry.field(default=None, description="A new display name")
    handle: str | None = strawberry.field(default=None, description="A new handle")
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new email; null removes it"
    )


@strawberry.input(description="A new team.")
class CreateTeamInput:
    name: str = strawberry.field(description="Unique in the workspace, 1 to 200 characters")
    routing: Routing = strawberry.field(
        default=Routing.FOLLOW_THE_SUN, description="How it picks the member a handoff lands with"
    )
    member_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="People's global IDs (at most 100; add more later)"
    )


@strawberry.input(description="A new work item.")
class CreateWorkItemInput:
    title: str = strawberry.field(description="1 to 500 characters")
    description: str = strawberry.field(default="", description="Free text")
    holder_id: strawberry.ID | None = strawberry.field(
        default=None, description="Who has it now (a person's global ID)"
    )


@strawberry.input(description="A work item created with the handoff that carries it.")
class NewWorkItemInput:
    title: str = strawberry.field(description="1 to 500 characters")
    description: str = strawberry.field(default="", description="Free text")


@strawberry.input(description="What the sender says: bundle the questions in one note.")
class HandoffNoteInput:
    summary: str = strawberry.field(description="One line: what this is about")
    done: str = strawberry.field(default="", description="What is done")
    next: str = strawberry.field(default="", description="What comes next")
    open_questions: list[str] = strawberry.field(
        default_factory=list, description="Questions the receiver should answer (at most 50)"
    )


@strawberry.input(
    description="Sent as urgent: it may break through the receiver's focus blocks and digest "
    "waits (never outside working time), if their policy and budget allow."
)
class UrgentInput:
    reason: str = strawberry.field(description="Why it cannot wait: 1 to 500 characters")


@strawberry.input(
    description="A handoff: exactly one of workItemId/newWorkItem and of toPersonId/toTeamId."
)
class CreateHandoffInput:
    sender_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who hands it over; with a person token it may be left out (that person)",
    )
    note: HandoffNoteInput = strawberry.field(description="Done, next, open questions")
    work_item_id: strawberry.ID | None = strawberry.field(
        default=None, description="An existing work item to pass on"
    )
    new_work_item: NewWorkItemInput | None = strawberry.field(
        default=None, description="A work item to create with the handoff"
    )
    to_person_id: strawberry.ID | None = strawberry.field(default=None, description="The receiver")
    to_team_id: strawberry.ID | None = strawberry.field(
        default=None, description="A team; its routing picks the receiver"
    )
    expect_response_within: Duration | None = strawberry.field(
        default=None, description="counted in the receiver's working time, e.g. PT4H"
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="the same key with the same request again returns the first handoff; "
        "with a different request it is a ValidationError",
    )
    max_reminders: int | None = strawberry.field(
        default=None, description="reminders before escalation; defaults to the workspace's"
    )
    urgent: UrgentInput | None = strawberry.field(
        default=None,
        description="Send it as urgent (see the receiver's deliveryPolicy.urgency); null = not",
    )


@strawberry.input(
    description=(
        "Which work items to list; omitted = any. An ID the workspace does not have is an "
        "error with code NOT_FOUND, not an empty list."
    )
)
class WorkItemFilter:
    status: WorkItemStatus | None = strawberry.field(default=None, description="Only this status")
    holder_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only items this person holds"
    )


@strawberry.input(
    description=(
        "Which handoffs to list; omitted = any. An ID the workspace does not have is an "
        "error with code NOT_FOUND, not an empty list."
    )
)
class HandoffFilter:
    status: HandoffStatus | None = strawberry.field(default=None, description="Only this status")
    receiver_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only handoffs landing with this person"
    )
    sender_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only handoffs from this person"
    )
    team_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only handoffs sent to this team"
    )


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
        sender_id=value.get("senderId"),
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
        urgent=None
        if value.get("urgent") is None
        else UrgentInput(reason=value["urgent"]["reason"]),
    )


_BUILDERS: list[tuple[type, Any]] = [
    (HandoffNoteInput, _note_from_input),
    (NewWorkItemInput, _new_item_from_input),
    (CreateHandoffInput, _create_handoff_from_input),
]
for _cls, _build in _BUILDERS:
    get_object_definition(_cls, strict=True).from_input = _build
