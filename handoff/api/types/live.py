"""GraphQL types of live updates: what each subscription sends."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import strawberry
from strawberry.scalars import JSON

from handoff import ids
from handoff.api.loaders import loader
from handoff.api.types.common import HandoffStatus, Info
from handoff.api.types.handoffs import Handoff
from handoff.api.types.people import Person
from handoff.live import events, reachability, streams
from handoff.live.inbox import InboxChangeKind, InboxEdge
from handoff.services.errors import NotFound

strawberry.enum(InboxChangeKind, description="What happened to a handoff in an inbox")
_KINDS = {
    "ADDED": "It landed in the inbox (or, first, it was there when the stream started)",
    "UPDATED": "It is still there and changed (a reminder moved respondBy, it escalated, ...)",
    "REMOVED": "It left: acknowledged, completed, returned, cancelled, reassigned, or "
    "escalated to another team member",
}
for _value in InboxChangeKind.__strawberry_definition__.values:  # type: ignore[attr-defined]
    _value.description = _KINDS[_value.name]

_CURSOR = "Pass as `after` to resume right after this message"


async def _handoff(info: Info, handoff_id: int) -> Handoff:
    found = await loader(info.context, "handoff").load(handoff_id)
    if found is None:
        raise NotFound("Handoff", handoff_id)
    return Handoff.wrap(found)


@strawberry.type(
    description="An outbox event: the same type and data a webhook carries, in outbox order."
)
class OutboxEvent:
    id: str = strawberry.field(
        description="The event's message id: the `webhook-id` of its webhook deliveries"
    )
    type: str = strawberry.field(description="The event type, e.g. `handoff.delivered`")
    timestamp: datetime = strawberry.field(
        description="When it happened (its transaction's clock); the cursor is the order"
    )
    cursor: str = strawberry.field(description=_CURSOR)
    data: JSON = strawberry.field(description="The same `data` object its webhook body carries")

    @classmethod
    def of(cls, event: events.LiveEvent) -> OutboxEvent:
        return cls(
            id=event.public_id,
            type=event.type,
            timestamp=event.occurred_at,
            cursor=event.cursor,
            data=cast(JSON, event.data),
        )


@strawberry.type(
    description="A handoff as one change left it (first, without `after`: as it is now)."
)
class HandoffChange:
    handoff_id: strawberry.Private[int]
    cursor: str = strawberry.field(description=_CURSOR)
    type: str | None = strawberry.field(
        description="The event (`handoff.delivered`, `handoff.reminded`, `digest.delivered`, "
        "...); null for the state the stream started from"
    )
    at: datetime = strawberry.field(description="When it happened")
    status: HandoffStatus = strawberry.field(description="Its status after the change")
    deliver_at: datetime | None = strawberry.field(description="When it lands, after the change")
    respond_by: datetime | None = strawberry.field(
        description="Its response deadline after the change (null: no answer needed)"
    )
    explanation: list[str] = strawberry.field(
        description="Why deliverAt and respondBy are what they are, after the change"
    )

    @strawberry.field(description="The handoff as it is now, with everything about it")
    async def handoff(self, info: Info) -> Handoff:
        return await _handoff(info, self.handoff_id)

    @classmethod
    def of(cls, change: streams.HandoffChange) -> HandoffChange:
        return cls(
            handoff_id=change.handoff_id,
            cursor=events.encode_cursor(change.position),
            type=change.event_type,
            at=change.at,
            status=HandoffStatus(change.status),
            deliver_at=change.deliver_at,
            respond_by=change.respond_by,
            explanation=change.explanation,
        )


@strawberry.type(description="An edge added to or removed from a person's inbox.")
class InboxChange:
    raw_id: strawberry.Private[int]
    kind: InboxChangeKind = strawberry.field(description="Added, updated or removed")
    handoff_id: strawberry.ID = strawberry.field(description="The handoff's global ID")
    cursor: str = strawberry.field(description=_CURSOR)
    type: str | None = strawberry.field(
        description="The event that caused it; null for the inbox as the stream started"
    )
    at: datetime = strawberry.field(
        description="When it happened (for the inbox at the start: when it landed)"
    )

    @strawberry.field(description="The handoff as it is now")
    async def handoff(self, info: Info) -> Handoff:
        return await _handoff(info, self.raw_id)

    @classmethod
    def of(cls, edge: InboxEdge) -> InboxChange:
        return cls(
            raw_id=edge.handoff_id,
            kind=edge.kind,
            handoff_id=strawberry.ID(ids.encode("Handoff", edge.handoff_id)),
            cursor=events.encode_cursor(edge.position),
            type=edge.event_type,
            at=edge.at,
        )


@strawberry.type(
    description="A person became reachable or unreachable: a delivery window (working time "
    "outside focus blocks) began or ended. First, each person's state when the stream started."
)
class ReachabilityChange:
    person: Person = strawberry.field(description="Who")
    reachable: bool = strawberry.field(
        description="Whether something sent now lands now (inside working time, outside focus)"
    )
    at: datetime = strawberry.field(description="Since when this holds")
    next_change_at: datetime | None = strawberry.field(
        description="When it flips next, as the schedule stands (null: not within 14 days)"
    )

    @classmethod
    def of(cls, change: reachability.ReachabilityChange) -> ReachabilityChange:
        return cls(
            person=Person.wrap(change.person),
            reachable=change.reachable,
            at=change.at,
            next_change_at=change.next_change,
        )
