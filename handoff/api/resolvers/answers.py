"""The receiver's answers to a handoff: quick replies and urgency ratings."""

from __future__ import annotations

import strawberry

from handoff.api.errors import expected_failures
from handoff.api.inputs import decode_id, decode_optional
from handoff.api.resolvers.common import InputArg
from handoff.api.types import Handoff, Info
from handoff.api.types.answers import (
    RateUrgencyPayload,
    RateUrgencyResult,
    ReplyPayload,
    ReplyResult,
)
from handoff.api.types.urgency import HandoffReply, Urgency
from handoff.api.types.urgency_enums import ReplyPreset
from handoff.services.replies import reply_to_handoff
from handoff.services.urgency_policy import rate_urgency


@strawberry.input(description="A quick reply to a handoff you received.")
class ReplyToHandoffInput:
    handoff_id: strawberry.ID = strawberry.field(description="The handoff's global ID")
    preset: ReplyPreset = strawberry.field(description="The short answer")
    text: str | None = strawberry.field(
        default=None, description="A few words with it (at most 1,000 characters)"
    )


@strawberry.input(description="Was an urgent handoff you received really urgent?")
class RateUrgencyInput:
    handoff_id: strawberry.ID = strawberry.field(description="The handoff's global ID")
    was_urgent: bool = strawberry.field(
        description="false three times in a row pauses the sender's break-throughs to you "
        "for 30 days"
    )
    person_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Whose rating: a member of an ALL team the handoff broke through to "
        "(default: a person token's own person when it broke through to them, else the "
        "receiver)",
    )


@strawberry.type
class AnswerMutation:
    @strawberry.mutation(
        description="Answer a delivered handoff with a preset: it acknowledges the handoff "
        "(no reminder follows) and reaches the sender in the sender's working hours"
    )
    @expected_failures("input")
    async def reply_to_handoff(
        self, info: Info, input: InputArg[ReplyToHandoffInput]
    ) -> ReplyResult:
        handoff, reply = await info.context.change(
            reply_to_handoff,
            decode_id(input.handoff_id, "Handoff", "handoffId"),
            input.preset,
            input.text,
        )
        return ReplyPayload(handoff=Handoff.wrap(handoff), reply=HandoffReply.wrap(reply))

    @strawberry.mutation(
        description="The receiver (or a member of an ALL team it broke through to) rates an "
        "urgent handoff: was it urgent? (final once given)"
    )
    @expected_failures("input")
    async def rate_urgency(
        self, info: Info, input: InputArg[RateUrgencyInput]
    ) -> RateUrgencyResult:
        rated = await info.context.change(
            rate_urgency,
            decode_id(input.handoff_id, "Handoff", "handoffId"),
            input.was_urgent,
            decode_optional(input.person_id, "Person", "personId"),
        )
        return RateUrgencyPayload(
            handoff=Handoff.wrap(rated.handoff),
            urgency=Urgency.wrap(rated.urgency),
            sender_paused_until=rated.paused_until,
        )
