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


# The wrappers below copy a model's plain values into dataclass fields when they wrap it:
# graphql-core reads those with its default resolver, far cheaper than a method resolver
# per field (an inbox page resolves ~450 fields). Computed values and relations stay
# resolvers; relations load through the request's DataLoaders.


def _working_pattern(root: Person) -> WorkingPattern:
    return WorkingPattern.from_dict(root._m.pattern_data)


def _delivery_policy(root: Person) -> DeliveryPolicy:
    policy = root._m.policy.to_dict()
    return DeliveryPolicy(
        focus_blocks=Weekly(**policy["focus_blocks"]), digest_times=policy["digest_times"]
    )


def _local_time(root: Person, info: Info) -> datetime:
    return root._m.pattern.local(info.context.clock.now())


def _is_working_now(root: Person, info: Info) -> bool:
    return root._m.pattern.is_working(info.context.clock.now())


def _next_reachable_at(root: Person, info: Info) -> datetime | None:
    try:
        return next_delivery(root._m.pattern, root._m.policy, info.context.clock.now()).at
    except NoWorkingTime:
        return None


@strawberry.type
class Person(Node):
    _m: strawberry.Private[m.Person]
    name: str
    handle: str
    email: str | None
    timezone: str = strawberry.field(description="IANA time zone")

    @classmethod
    def wrap(cls, model: m.Person) -> Person:
        return cls(
            id=strawberry.ID(ids.encode("Person", model.id)),
            _m=model,
            name=model.name,
            handle=model.handle,
            email=model.email,
            timezone=model.timezone,
            created_at=model.created_at,
        )

    working_pattern: WorkingPattern = strawberry.field(resolver=_working_pattern)
    delivery_policy: DeliveryPolicy = strawberry.field(resolver=_delivery_policy)
    local_time: datetime = strawberry.field(
        resolver=_local_time, description="Now, in the person's zone"
    )
    is_working_now: bool = strawberry.field(resolver=_is_working_now)
    next_reachable_at: datetime | None = strawberry.field(
        resolver=_next_reachable_at, description="When something sent now would land; null if never"
    )
    created_at: datetime


@strawberry.type
class Team(Node):
    _m: strawberry.Private[m.Team]
    name: str
    routing: Routing

    @classmethod
    def wrap(cls, model: m.Team) -> Team:
        return cls(
            id=strawberry.ID(ids.encode("Team", model.id)),
            _m=model,
            name=model.name,
            routing=Routing(model.routing),
        )

    @strawberry.field
    async def members(self, info: Info) -> list[Person]:
        member_ids = await loader(info.context, "team_members").load(self._m.id)
        people = await loader(info.context, "person").load_many(member_ids)
        return [Person.wrap(p) for p in people if p is not None]


async def _person(info: Info, person_id: int) -> Person:
    found = await loader(info.context, "person").load(person_id)
    assert found is not None, "foreign keys keep people referenced"
    return Person.wrap(found)


async def _holder(root: WorkItem, info: Info) -> Person | None:
    return None if root._m.holder_id is None else await _person(info, root._m.holder_id)


async def _item_handoffs(root: WorkItem, info: Info) -> list[Handoff]:
    found = await loader(info.context, "handoffs_by_item").load(root._m.id)
    return [Handoff.wrap(h) for h in found]


@strawberry.type
class WorkItem(Node):
    _m: strawberry.Private[m.WorkItem]
    title: str
    description: str
    status: WorkItemStatus

    @classmethod
    def wrap(cls, model: m.WorkItem) -> WorkItem:
        return cls(
            id=strawberry.ID(ids.encode("WorkItem", model.id)),
            _m=model,
            title=model.title,
            description=model.description,
            status=WorkItemStatus(model.status),
            created_at=model.created_at,
        )

    holder: Person | None = strawberry.field(resolver=_holder, description="Who has the work now")
    handoffs: list[Handoff] = strawberry.field(
        resolver=_item_handoffs, description="Handoffs of this item, oldest first"
    )
    created_at: datetime


@strawberry.type
class HandoffNote:
    summary: str
    done: str
    next: str
    open_questions: list[str]


@strawberry.type(description="A scheduled notification about a handoff, and why it is due then.")
class FollowUp:
    _m: strawberry.Private[m.FollowUp]
    id: strawberry.ID
    kind: FollowUpKind
    state: FollowUpState
    due_at: datetime
    explanation: list[str]

    @classmethod
    def wrap(cls, model: m.FollowUp) -> FollowUp:
        return cls(
            _m=model,
            id=strawberry.ID(ids.encode("FollowUp", model.id)),
            kind=FollowUpKind(model.kind),
            state=FollowUpState(model.state),
            due_at=model.due_at,
            explanation=model.explanation,
        )

    @strawberry.field
    async def person(self, info: Info) -> Person:
        return await _person(info, self._m.person_id)


async def _work_item(root: Handoff, info: Info) -> WorkItem:
    found = await loader(info.context, "work_item").load(root._m.work_item_id)
    return WorkItem.wrap(found)


async def _sender(root: Handoff, info: Info) -> Person:
    return await _person(info, root._m.sender_id)


async def _receiver(root: Handoff, info: Info) -> Person:
    return await _person(info, root._m.receiver_id)


async def _team(root: Handoff, info: Info) -> Team | None:
    if root._m.team_id is None:
        return None
    found = await loader(info.context, "team").load(root._m.team_id)
    return None if found is None else Team.wrap(found)


@strawberry.type
class Handoff(Node):
    _m: strawberry.Private[m.Handoff]

    @classmethod
    def wrap(cls, model: m.Handoff) -> Handoff:
        window = model.respond_within
        return cls(
            id=strawberry.ID(ids.encode("Handoff", model.id)),
            _m=model,
            note=HandoffNote(
                summary=model.summary,
                done=model.done,
                next=model.next_steps,
                open_questions=model.open_questions,
            ),
            status=HandoffStatus(model.status),
            created_at=model.created_at,
            deliver_at=model.deliver_at,
            respond_by=model.respond_by,
            expect_response_within=None if window is None else Duration(window),
            explanation=model.explanation,
            max_reminders=model.max_reminders,
            reminders_sent=model.reminders_sent,
            delivered_at=model.delivered_at,
            acknowledged_at=model.acknowledged_at,
            completed_at=model.completed_at,
            returned_at=model.returned_at,
            return_note=model.return_note,
            cancelled_at=model.cancelled_at,
            escalated_at=model.escalated_at,
        )

    work_item: WorkItem = strawberry.field(resolver=_work_item)
    sender: Person = strawberry.field(resolver=_sender)
    receiver: Person = strawberry.field(
        resolver=_receiver, description="The person it lands with (a team's chosen member)"
    )
    team: Team | None = strawberry.field(
        resolver=_team, description="The team it was sent to, if any"
    )
    note: HandoffNote
    status: HandoffStatus
    created_at: datetime
    deliver_at: datetime = strawberry.field(
        description="When it lands: the receiver's next delivery instant"
    )
    respond_by: datetime | None = strawberry.field(
        description="deliverAt plus the response window in the receiver's working time"
    )
    expect_response_within: Duration | None
    explanation: list[str] = strawberry.field(
        description="Human-readable reasons for deliverAt and respondBy, in order"
    )
    max_reminders: int
    reminders_sent: int
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    completed_at: datetime | None
    returned_at: datetime | None
    return_note: str | None
    cancelled_at: datetime | None
    escalated_at: datetime | None

    @strawberry.field(description="Every follow-up scheduled for it, with explanations")
    async def follow_ups(self, info: Info) -> list[FollowUp]:
        found = await loader(info.context, "follow_ups_by_handoff").load(self._m.id)
        return [FollowUp.wrap(f) for f in found]


# -- results -----------------------------------------------------------------------


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
