"""GraphQL types of urgency and quick replies on a handoff: what became of an urgent
handoff (and its rating), and the replies. Who may break through to a person is part of
their delivery policy (`handoff.api.types.people`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from handoff import ids
from handoff.api.loaders import loader
from handoff.api.types.common import Info
from handoff.api.types.people import Person
from handoff.api.types.urgency_enums import ReplyPreset, UrgencyDeclined, UrgencyOutcome
from handoff.services.urgency import Allowance
from handoff.storage import replies as reply_store
from handoff.storage import urgency as store

if TYPE_CHECKING:
    from handoff.api.types.handoffs import Handoff


@strawberry.type(description="A handoff sent as urgent: what was decided, and the rating.")
class Urgency:
    person_id: strawberry.Private[int]
    reason: str = strawberry.field(description="Why the sender said it was urgent")
    outcome: UrgencyOutcome = strawberry.field(description="Broke through, not needed, declined")
    declined_because: UrgencyDeclined | None = strawberry.field(
        description="Why it was delivered as a normal handoff; null unless DECLINED"
    )
    explanation: str = strawberry.field(description="The decision in one sentence")
    lands_at: datetime = strawberry.field(description="When it was decided to land")
    delivered_at: datetime | None = strawberry.field(
        description="When the break-through landed; null before, or when it did not break through"
    )
    was_urgent: bool | None = strawberry.field(
        description="The receiver's rating; null until rated"
    )
    rated_at: datetime | None = strawberry.field(description="When the receiver rated it")

    @classmethod
    def wrap(cls, row: store.UrgentHandoff) -> Urgency:
        return cls(
            person_id=row.person_id,
            reason=row.reason,
            outcome=row.outcome,
            declined_because=row.declined,
            explanation=row.explanation,
            lands_at=row.lands_at,
            delivered_at=row.delivered_at,
            was_urgent=row.was_urgent,
            rated_at=row.rated_at,
        )

    @classmethod
    def preview(cls, decided: Allowance, reason: str, lands_at: datetime) -> Urgency:
        """What previewHandoff would decide (nothing stored, so never delivered or rated)."""
        return cls(
            person_id=decided.person.id,
            reason=reason,
            outcome=decided.outcome,
            declined_because=decided.declined,
            explanation=decided.line,
            lands_at=lands_at,
            delivered_at=None,
            was_urgent=None,
            rated_at=None,
        )

    @strawberry.field(description="Whom it was urgent for: the receiver")
    async def person(self, info: Info) -> Person:
        found = await loader(info.context, "person").load(self.person_id)
        return Person.wrap(found)


async def handoff_urgency(root: Handoff, info: Info) -> Urgency | None:
    """`Handoff.urgency`: the decision for its receiver (null when not sent as urgent to
    them, or routed again as an ordinary handoff since)."""
    found: list[store.UrgentHandoff] = await loader(info.context, "urgency_by_handoff").load(
        root._m.id
    )
    mine = [u for u in found if u.person_id == root._m.receiver_id and u.given_back_at is None]
    return Urgency.wrap(mine[0]) if mine else None


@strawberry.type(description="A quick reply from the receiver to the sender.")
class HandoffReply:
    by_id: strawberry.Private[int]
    id: strawberry.ID = strawberry.field(description="Opaque ID")
    preset: ReplyPreset = strawberry.field(description="The short answer")
    text: str = strawberry.field(description="Optional words with it ('' when none)")
    sent_at: datetime = strawberry.field(description="When the receiver replied")
    deliver_at: datetime = strawberry.field(
        description="When it reaches the sender: the sender's next delivery instant"
    )
    delivered_at: datetime | None = strawberry.field(
        description="When it reached the sender; null before"
    )

    @classmethod
    def wrap(cls, row: reply_store.Reply) -> HandoffReply:
        return cls(
            by_id=row.person_id,
            id=strawberry.ID(ids.encode("HandoffReply", row.id)),
            preset=row.preset,
            text=row.text,
            sent_at=row.created_at,
            deliver_at=row.deliver_at,
            delivered_at=row.delivered_at,
        )

    @strawberry.field(description="Who replied: the receiver")
    async def by(self, info: Info) -> Person:
        found = await loader(info.context, "person").load(self.by_id)
        return Person.wrap(found)


async def handoff_replies(root: Handoff, info: Info) -> list[HandoffReply]:
    """`Handoff.replies`: its quick replies, oldest first."""
    found = await loader(info.context, "replies_by_handoff").load(root._m.id)
    return [HandoffReply.wrap(r) for r in found]
