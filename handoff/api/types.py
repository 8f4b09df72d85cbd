"""GraphQL object types. Each wraps a storage model and resolves relations via loaders."""

from __future__ import annotations

import base64
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from handoff import ids
from handoff.api.context import Context
from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.loaders import loader
from handoff.api.scalars import Duration
from handoff.calendar import NoWorkingTime, next_delivery
from handoff.storage import models as m

Info = strawberry.Info[Context, None]
T = TypeVar("T")


@strawberry.enum
class Routing(Enum):
    FOLLOW_THE_SUN = "FOLLOW_THE_SUN"
    ROUND_ROBIN = "ROUND_ROBIN"
    ALL = "ALL"


@strawberry.enum
class HandoffStatus(Enum):
    SCHEDULED = "SCHEDULED"
    DELIVERED = "DELIVERED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    COMPLETED = "COMPLETED"
    RETURNED = "RETURNED"
    CANCELLED = "CANCELLED"


@strawberry.enum
class WorkItemStatus(Enum):
    OPEN = "OPEN"
    IN_HANDOFF = "IN_HANDOFF"
    DONE = "DONE"


@strawberry.enum
class FollowUpKind(Enum):
    DELIVERY = "DELIVERY"
    REMINDER = "REMINDER"
    ESCALATION = "ESCALATION"


@strawberry.enum
class FollowUpState(Enum):
    PENDING = "PENDING"
    ENQUEUED = "ENQUEUED"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@strawberry.interface(description="An object with a global ID (Relay).")
class Node:
    id: strawberry.ID


# -- connections ------------------------------------------------------------------


def encode_cursor(value: str) -> str:
    """An opaque cursor."""
    return base64.urlsafe_b64encode(value.encode()).decode()


def decode_cursor(cursor: str | None) -> str | None:
    """The value behind a cursor; ValueError when it is not one of ours."""
    if cursor is None:
        return None
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except Exception:
        raise ValueError(f"{cursor!r} is not a valid cursor") from None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field
    def nodes(self) -> list[T]:
        return [e.node for e in self.edges]


def connection(items: list[Any], limit: int, cursor_of: Any, wrap: Any) -> Any:
    """A Connection from `limit + 1` fetched rows (the extra row says there is more)."""
    page = items[:limit]
    edges = [Edge(cursor=encode_cursor(cursor_of(i)), node=wrap(i)) for i in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(items) > limit, end_cursor=edges[-1].cursor if edges else None
        ),
    )


# -- working patterns ---------------------------------------------------------------


@strawberry.type(description="Intervals 'HH:MM-HH:MM' per weekday, wall-clock in the zone.")
class Weekly:
    mon: list[str]
    tue: list[str]
    wed: list[str]
    thu: list[str]
    fri: list[str]
    sat: list[str]
    sun: list[str]


@strawberry.type
class HolidayRegion:
    country: str
    subdivision: str | None


@strawberry.type
class TimeOff:
    start: date
    end: date
    reason: str | None


@strawberry.type
class DateOverride:
    date: date
    intervals: list[str]


@strawberry.type(description="When a person works; mirrors the engine's pattern dict.")
class WorkingPattern:
    timezone: str
    weekly: Weekly
    holidays: HolidayRegion | None
    time_off: list[TimeOff]
    overrides: list[DateOverride]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorkingPattern:
        hol = d.get("holidays")
        return cls(
            timezone=d["timezone"],
            weekly=Weekly(**d["weekly"]),
            holidays=HolidayRegion(country=hol["country"], subdivision=hol.get("subdivision"))
            if hol
            else None,
            time_off=[
                TimeOff(
                    start=date.fromisoformat(t["start"]),
                    end=date.fromisoformat(t["end"]),
                    reason=t.get("reason"),
                )
                for t in d.get("time_off", [])
            ],
            overrides=[
                DateOverride(date=date.fromisoformat(k), intervals=v)
                for k, v in sorted(d.get("overrides", {}).items())
            ],
        )


@strawberry.type(description="When, inside working time, a person accepts notifications.")
class DeliveryPolicy:
    focus_blocks: Weekly = strawberry.field(description="never interrupted")
    digest_times: list[str] = strawberry.field(
        description="local times 'HH:MM' at which deliveries are bundled; empty = as they come"
    )


@strawberry.type
class Window:
    start: datetime
    end: datetime
    start_local: datetime
    end_local: datetime


# -- objects -----------------------------------------------------------------------


@strawberry.type
class Workspace(Node):
    name: str
    reminders_before_escalation: int


def workspace_from(model: m.Workspace) -> Workspace:
    return Workspace(
        id=strawberry.ID(ids.encode("Workspace", model.id)),
        name=model.name,
        reminders_before_escalation=model.reminders_before_escalation,
    )


@strawberry.type
class Person(Node):
    _m: strawberry.Private[m.Person]

    @classmethod
    def wrap(cls, model: m.Person) -> Person:
        return cls(id=strawberry.ID(ids.encode("Person", model.id)), _m=model)

    @strawberry.field
    def name(self) -> str:
        return self._m.name

    @strawberry.field
    def handle(self) -> str:
        return self._m.handle

    @strawberry.field
    def email(self) -> str | None:
        return self._m.email

    @strawberry.field(description="IANA time zone")
    def timezone(self) -> str:
        return self._m.timezone

    @strawberry.field
    def working_pattern(self) -> WorkingPattern:
        return WorkingPattern.from_dict(self._m.pattern_data)

    @strawberry.field
    def delivery_policy(self) -> DeliveryPolicy:
        policy = self._m.policy.to_dict()
        return DeliveryPolicy(
            focus_blocks=Weekly(**policy["focus_blocks"]), digest_times=policy["digest_times"]
        )

    @strawberry.field(description="Now, in the person's zone")
    def local_time(self, info: Info) -> datetime:
        return self._m.pattern.local(info.context.clock.now())

    @strawberry.field
    def is_working_now(self, info: Info) -> bool:
        return self._m.pattern.is_working(info.context.clock.now())

    @strawberry.field(description="When something sent now would land; null if never")
    def next_reachable_at(self, info: Info) -> datetime | None:
        try:
            return next_delivery(self._m.pattern, self._m.policy, info.context.clock.now()).at
        except NoWorkingTime:
            return None

    @strawberry.field
    def created_at(self) -> datetime:
        return self._m.created_at


@strawberry.type
class Team(Node):
    _m: strawberry.Private[m.Team]

    @classmethod
    def wrap(cls, model: m.Team) -> Team:
        return cls(id=strawberry.ID(ids.encode("Team", model.id)), _m=model)

    @strawberry.field
    def name(self) -> str:
        return self._m.name

    @strawberry.field
    def routing(self) -> Routing:
        return Routing(self._m.routing)

    @strawberry.field
    async def members(self, info: Info) -> list[Person]:
        member_ids = await loader(info.context, "team_members").load(self._m.id)
        people = await loader(info.context, "person").load_many(member_ids)
        return [Person.wrap(p) for p in people if p is not None]


async def _person(info: Info, person_id: int) -> Person:
    found = await loader(info.context, "person").load(person_id)
    assert found is not None, "foreign keys keep people referenced"
    return Person.wrap(found)


@strawberry.type
class WorkItem(Node):
    _m: strawberry.Private[m.WorkItem]

    @classmethod
    def wrap(cls, model: m.WorkItem) -> WorkItem:
        return cls(id=strawberry.ID(ids.encode("WorkItem", model.id)), _m=model)

    @strawberry.field
    def title(self) -> str:
        return self._m.title

    @strawberry.field
    def description(self) -> str:
        return self._m.description

    @strawberry.field
    def status(self) -> WorkItemStatus:
        return WorkItemStatus(self._m.status)

    @strawberry.field(description="Who has the work now")
    async def holder(self, info: Info) -> Person | None:
        return None if self._m.holder_id is None else await _person(info, self._m.holder_id)

    @strawberry.field(description="Handoffs of this item, oldest first")
    async def handoffs(self, info: Info) -> list[Handoff]:
        found = await loader(info.context, "handoffs_by_item").load(self._m.id)
        return [Handoff.wrap(h) for h in found]

    @strawberry.field
    def created_at(self) -> datetime:
        return self._m.created_at


@strawberry.type
class HandoffNote:
    summary: str
    done: str
    next: str
    open_questions: list[str]


@strawberry.type(description="A scheduled notification about a handoff, and why it is due then.")
class FollowUp:
    _m: strawberry.Private[m.FollowUp]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(ids.encode("FollowUp", self._m.id))

    @strawberry.field
    def kind(self) -> FollowUpKind:
        return FollowUpKind(self._m.kind)

    @strawberry.field
    def state(self) -> FollowUpState:
        return FollowUpState(self._m.state)

    @strawberry.field
    def due_at(self) -> datetime:
        return self._m.due_at

    @strawberry.field
    def explanation(self) -> list[str]:
        return self._m.explanation

    @strawberry.field
    async def person(self, info: Info) -> Person:
        return await _person(info, self._m.person_id)


@strawberry.type
class Handoff(Node):
    _m: strawberry.Private[m.Handoff]

    @classmethod
    def wrap(cls, model: m.Handoff) -> Handoff:
        return cls(id=strawberry.ID(ids.encode("Handoff", model.id)), _m=model)

    @strawberry.field
    async def work_item(self, info: Info) -> WorkItem:
        found = await loader(info.context, "work_item").load(self._m.work_item_id)
        return WorkItem.wrap(found)

    @strawberry.field
    async def sender(self, info: Info) -> Person:
        return await _person(info, self._m.sender_id)

    @strawberry.field(description="The person it lands with (a team's chosen member)")
    async def receiver(self, info: Info) -> Person:
        return await _person(info, self._m.receiver_id)

    @strawberry.field(description="The team it was sent to, if any")
    async def team(self, info: Info) -> Team | None:
        if self._m.team_id is None:
            return None
        found = await loader(info.context, "team").load(self._m.team_id)
        return None if found is None else Team.wrap(found)

    @strawberry.field
    def note(self) -> HandoffNote:
        h = self._m
        return HandoffNote(
            summary=h.summary, done=h.done, next=h.next_steps, open_questions=h.open_questions
        )

    @strawberry.field
    def status(self) -> HandoffStatus:
        return HandoffStatus(self._m.status)

    @strawberry.field
    def created_at(self) -> datetime:
        return self._m.created_at

    @strawberry.field(description="When it lands: the receiver's next delivery instant")
    def deliver_at(self) -> datetime:
        return self._m.deliver_at

    @strawberry.field(
        description="deliverAt plus the response window in the receiver's working time"
    )
    def respond_by(self) -> datetime | None:
        return self._m.respond_by

    @strawberry.field
    def expect_response_within(self) -> Duration | None:
        window = self._m.respond_within
        return None if window is None else Duration(window)

    @strawberry.field(description="Human-readable reasons for deliverAt and respondBy, in order")
    def explanation(self) -> list[str]:
        return self._m.explanation

    @strawberry.field
    def max_reminders(self) -> int:
        return self._m.max_reminders

    @strawberry.field
    def reminders_sent(self) -> int:
        return self._m.reminders_sent

    @strawberry.field
    def delivered_at(self) -> datetime | None:
        return self._m.delivered_at

    @strawberry.field
    def acknowledged_at(self) -> datetime | None:
        return self._m.acknowledged_at

    @strawberry.field
    def completed_at(self) -> datetime | None:
        return self._m.completed_at

    @strawberry.field
    def returned_at(self) -> datetime | None:
        return self._m.returned_at

    @strawberry.field
    def return_note(self) -> str | None:
        return self._m.return_note

    @strawberry.field
    def cancelled_at(self) -> datetime | None:
        return self._m.cancelled_at

    @strawberry.field
    def escalated_at(self) -> datetime | None:
        return self._m.escalated_at

    @strawberry.field(description="Every follow-up scheduled for it, with explanations")
    async def follow_ups(self, info: Info) -> list[FollowUp]:
        found = await loader(info.context, "follow_ups_by_handoff").load(self._m.id)
        return [FollowUp(_m=f) for f in found]


# -- results -----------------------------------------------------------------------


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
