"""GraphQL types of the work that travels: teams, work items, handoffs, follow-ups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import strawberry
from psycopg import AsyncConnection

from handoff import ids
from handoff.api.lean_resolvers import context_only
from handoff.api.loaders import MISSING, loaded, loader, preload
from handoff.api.scalars import Duration
from handoff.api.types.common import (
    FollowUpKind,
    FollowUpState,
    HandoffStatus,
    Info,
    Node,
    Routing,
    WorkItemStatus,
    describe_enum,
    selected_names,
)
from handoff.api.types.history import HandoffHistoryEntry, history, is_digest_landing
from handoff.api.types.people import Person
from handoff.api.types.urgency import HandoffReply, Urgency, handoff_replies, handoff_urgency
from handoff.storage import models as m


@strawberry.type(description="People who can take a handoff; routing picks the member.")
class Team(Node):
    _m: strawberry.Private[m.Team]
    name: str = strawberry.field(description="Unique name in the workspace")
    routing: Routing = strawberry.field(description="How a member is picked")

    @classmethod
    def wrap(cls, model: m.Team) -> Team:
        return cls(
            id=strawberry.ID(ids.encode("Team", model.id)),
            _m=model,
            name=model.name,
            routing=model.routing,
        )

    @strawberry.field(description="The members, by when they were added")
    async def members(self, info: Info) -> list[Person]:
        member_ids = await loader(info.context, "team_members").load(self._m.id)
        people = await loader(info.context, "person").load_many(member_ids)
        return [Person.wrap(p) for p in people if p is not None]


def _person(info: Info, person_id: int) -> Any:
    """The person, at once when the request has loaded them already (see `preload`), else
    an awaitable of them. (Relations of a page of handoffs are preloaded by its resolver.)"""
    wrapped = info.context.wrapped
    person = wrapped.get(("Person", person_id))
    if person is not None:
        return person
    found = loaded(info.context, "person", person_id)
    if found is MISSING:
        return _load_person(info, person_id)
    person = wrapped["Person", person_id] = Person.wrap(found)
    return person


async def _load_person(info: Info, person_id: int) -> Person:
    found = await loader(info.context, "person").load(person_id)
    assert found is not None, "foreign keys keep people referenced"
    return Person.wrap(found)


@context_only
def _holder(root: WorkItem, info: Info) -> Person | None:
    return None if root._m.holder_id is None else _person(info, root._m.holder_id)


async def _item_handoffs(root: WorkItem, info: Info) -> list[Handoff]:
    found = await loader(info.context, "handoffs_by_item").load(root._m.id)
    return [Handoff.wrap(h) for h in found]


@strawberry.type(description="The unit of work that travels from person to person.")
class WorkItem(Node):
    _m: strawberry.Private[m.WorkItem]
    title: str = strawberry.field(description="What it is")
    description: str = strawberry.field(description="Free text")
    status: WorkItemStatus = strawberry.field(description="With someone, travelling, or done")

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
    created_at: datetime = strawberry.field(description="When it was created")


@strawberry.type(description="What the sender said.")
class HandoffNote:
    summary: str = strawberry.field(description="One line: what this is about")
    done: str = strawberry.field(description="What is done")
    next: str = strawberry.field(description="What comes next")
    open_questions: list[str] = strawberry.field(description="Questions to answer")


@strawberry.type(description="A scheduled notification about a handoff, and why it is due then.")
class FollowUp:
    _m: strawberry.Private[m.FollowUp]
    id: strawberry.ID = strawberry.field(description="Opaque ID")
    kind: FollowUpKind = strawberry.field(description="Delivery, reminder, escalation or reply")
    state: FollowUpState = strawberry.field(description="Waiting, queued, done or cancelled")
    due_at: datetime = strawberry.field(description="When it fires, in its person's hours")
    explanation: list[str] = strawberry.field(description="Why it is due then, in order")

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

    @strawberry.field(description="Whose hours it waits for: the receiver, or the sender")
    def person(self, info: Info) -> Person:
        return _person(info, self._m.person_id)


class EscalationTarget(StrEnum):
    """Where an unanswered handoff went."""

    SENDER = "SENDER"
    TEAM_MEMBER = "TEAM_MEMBER"
    SUCCESSOR = "SUCCESSOR"


describe_enum(
    EscalationTarget,
    "Where an unanswered handoff went",
    {
        "SENDER": "Back to its sender, in the sender's working hours",
        "TEAM_MEMBER": "To another member of its team (follow-the-sun); the response clock starts again",
        "SUCCESSOR": "The sender has left: to the person who took over their work, in that person's working hours",
    },
)


@strawberry.type(description="An unanswered handoff escalated: to whom, when and why.")
class Escalation:
    at: datetime = strawberry.field(description="When it escalated")
    to: EscalationTarget = strawberry.field(description="Back to the sender, or to a team member")
    person_id: strawberry.Private[int]
    from_id: strawberry.Private[int]
    reason: list[str] = strawberry.field(description="Why, in the words of the follow-up")

    @strawberry.field(description="Who it went to")
    def person(self, info: Info) -> Person:
        return _person(info, self.person_id)

    @strawberry.field(name="from", description="Who did not answer in time")
    def from_(self, info: Info) -> Person:
        return _person(info, self.from_id)


def _escalation(event: m.Event) -> Escalation:
    data = event.payload
    escalation = data.get("escalation", {})
    to_team = escalation.get("to") == "team"
    why = data.get("followUp", {}).get("explanation") or []
    to = {"team": EscalationTarget.TEAM_MEMBER, "successor": EscalationTarget.SUCCESSOR}
    return Escalation(
        at=event.occurred_at,
        to=to.get(escalation.get("to"), EscalationTarget.SENDER),
        person_id=ids.decode_as(escalation["person"]["id"], "Person"),
        from_id=ids.decode_as(
            (escalation.get("from") if to_team else data["receiver"])["id"], "Person"
        ),
        reason=list(why[:1]),
    )


@context_only
def _work_item(root: Handoff, info: Info) -> WorkItem:
    found = loaded(info.context, "work_item", root._m.work_item_id)
    if found is MISSING:
        return _load_work_item(info, root._m.work_item_id)  # type: ignore[return-value]
    return WorkItem.wrap(found)


async def _load_work_item(info: Info, item_id: int) -> WorkItem:
    return WorkItem.wrap(await loader(info.context, "work_item").load(item_id))


@context_only
def _sender(root: Handoff, info: Info) -> Person:
    return _person(info, root._m.sender_id)


@context_only
def _receiver(root: Handoff, info: Info) -> Person:
    return _person(info, root._m.receiver_id)


@context_only
def _addressed_to(root: Handoff, info: Info) -> Person | None:
    found = root._m.addressed_to_id
    return None if found is None else _person(info, found)


async def preload_relations(
    info: Info,
    page: Sequence[m.Handoff],
    conn: AsyncConnection[Any] | None = None,
    people: Sequence[int] = (),
) -> None:
    """Load the people and work items a page of handoffs will be asked for, in one batch
    each, before graphql-core completes the page (see `loaded`); on `conn` if given.
    `people`: others the caller needs, read in the same batch."""
    asked = selected_names(info)
    people = list(people)
    if "sender" in asked:
        people += [h.sender_id for h in page]
    if "receiver" in asked:
        people += [h.receiver_id for h in page]
    wanted: dict[str, list[int]] = {"person": people} if people else {}
    if "workItem" in asked:
        wanted["work_item"] = [h.work_item_id for h in page]
    await preload(info.context, wanted, conn)


@context_only
async def _delegated_via(root: Handoff, info: Info) -> list[Person]:
    found = await loader(info.context, "person").load_many(root._m.delegated_via)
    return [Person.wrap(p) for p in found if p is not None]


@context_only
async def _team(root: Handoff, info: Info) -> Team | None:
    if root._m.team_id is None:
        return None
    found = await loader(info.context, "team").load(root._m.team_id)
    return None if found is None else Team.wrap(found)


@strawberry.type(
    description="'I pass this to you': lands in the receiver's working hours, and if it needs "
    "an answer the clock runs only while they work."
)
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
            escalated=model.escalated_at is not None,
        )

    work_item: WorkItem = strawberry.field(resolver=_work_item, description="What is handed over")
    sender: Person = strawberry.field(resolver=_sender, description="Who handed it over")
    receiver: Person = strawberry.field(
        resolver=_receiver, description="The person it lands with (a team's chosen member)"
    )
    team: Team | None = strawberry.field(
        resolver=_team, description="The team it was sent to, if any"
    )
    addressed_to: Person | None = strawberry.field(
        resolver=_addressed_to,
        description="Whom it was addressed to when a delegation sent it on; null otherwise",
    )
    delegated_via: list[Person] = strawberry.field(
        resolver=_delegated_via,
        description="The people whose delegations passed it on, in order (addressedTo "
        "first, then each delegate who delegated in turn); empty when none did",
    )
    note: HandoffNote = strawberry.field(description="Done, next, open questions")
    status: HandoffStatus = strawberry.field(description="Where it stands")
    created_at: datetime = strawberry.field(description="When it was sent")
    deliver_at: datetime = strawberry.field(
        description="When it lands: the receiver's next delivery instant"
    )
    respond_by: datetime | None = strawberry.field(
        description="deliverAt plus the response window in the receiver's working time "
        "(after a reminder: counted again from the reminder)"
    )
    expect_response_within: Duration | None = strawberry.field(
        description="The response window, in the receiver's working time; null = no answer needed"
    )
    explanation: list[str] = strawberry.field(
        description="Human-readable reasons for the current deliverAt and respondBy, in order"
    )
    max_reminders: int = strawberry.field(description="Reminders before it escalates")
    reminders_sent: int = strawberry.field(description="Reminders so far")
    delivered_at: datetime | None = strawberry.field(description="When it landed")
    acknowledged_at: datetime | None = strawberry.field(description="When it was acknowledged")
    completed_at: datetime | None = strawberry.field(description="When it was completed")
    returned_at: datetime | None = strawberry.field(description="When it was returned")
    return_note: str | None = strawberry.field(description="Why it was returned")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled")
    escalated_at: datetime | None = strawberry.field(description="When it last escalated")
    escalated: bool = strawberry.field(description="Whether it has escalated (see `escalation`)")
    urgency: Urgency | None = strawberry.field(
        resolver=handoff_urgency,
        description="Sent as urgent: whether it broke through, and the receiver's rating; "
        "null when not sent as urgent to its receiver, or routed again as an ordinary "
        "handoff since",
    )
    replies: list[HandoffReply] = strawberry.field(
        resolver=handoff_replies, description="Quick replies from the receiver, oldest first"
    )

    @strawberry.field(
        description="What is left of the response window: the receiver's working time from "
        "now until respondBy (zero once it passed); null when no answer is needed"
    )
    async def working_time_left(self, info: Info) -> Duration | None:
        due, now = self._m.respond_by, info.context.clock.now()
        if due is None:
            return None
        receiver = await loader(info.context, "person").load(self._m.receiver_id)
        left = receiver.pattern.working_time_between(now, due) if due > now else timedelta(0)
        return Duration(left)

    @strawberry.field(description="Every follow-up scheduled for it, with explanations")
    async def follow_ups(self, info: Info) -> list[FollowUp]:
        found = await loader(info.context, "follow_ups_by_handoff").load(self._m.id)
        return [FollowUp.wrap(f) for f in found]

    @strawberry.field(description="Its reminders, sent and scheduled, with their instants")
    async def reminders(self, info: Info) -> list[FollowUp]:
        found = await loader(info.context, "follow_ups_by_handoff").load(self._m.id)
        return [FollowUp.wrap(f) for f in found if f.kind == FollowUpKind.REMINDER]

    @strawberry.field(description="The latest escalation: to whom, when, why; null if none")
    async def escalation(self, info: Info) -> Escalation | None:
        if self._m.escalated_at is None:
            return None
        found = await loader(info.context, "events_by_handoff").load(self._m.id)
        escalations = [e for e in found if e.type == "handoff.escalated"]
        return _escalation(escalations[-1]) if escalations else None

    @strawberry.field(description="What happened to it, oldest first")
    async def history(self, info: Info) -> list[HandoffHistoryEntry]:
        found = await loader(info.context, "events_by_handoff").load(self._m.id)
        rows = await loader(info.context, "follow_ups_by_handoff").load(self._m.id)
        bundled = [r for r in rows if is_digest_landing(r)]
        people = await loader(info.context, "person").load_many([r.person_id for r in bundled])
        names = {p.id: p.name for p in people if p is not None}
        return history(found, bundled, names)
