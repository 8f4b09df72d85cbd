"""GraphQL types of the work that travels: teams, work items, handoffs, follow-ups."""

from __future__ import annotations

from datetime import datetime

import strawberry

from handoff import ids
from handoff.api.loaders import loader
from handoff.api.scalars import Duration
from handoff.api.types.common import (
    FollowUpKind,
    FollowUpState,
    HandoffStatus,
    Info,
    Node,
    Routing,
    WorkItemStatus,
)
from handoff.api.types.people import Person
from handoff.storage import models as m


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
            routing=model.routing,
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
            status=model.status,
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
            kind=model.kind,
            state=model.state,
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
            status=model.status,
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
