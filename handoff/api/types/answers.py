"""Results of the receiver's answers to a handoff: quick replies and urgency ratings."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from handoff.api.errors import Conflict, NotFound, ValidationError
from handoff.api.types.handoffs import Handoff
from handoff.api.types.urgency import HandoffReply, Urgency


@strawberry.type(description="The reply sent, and the handoff it answers.")
class ReplyPayload:
    handoff: Handoff = strawberry.field(description="The handoff, acknowledged")
    reply: HandoffReply = strawberry.field(
        description="The reply, on its way to the sender (see deliverAt)"
    )


@strawberry.type(description="The rating given, and the handoff it rates.")
class RateUrgencyPayload:
    handoff: Handoff = strawberry.field(description="The handoff")
    urgency: Urgency = strawberry.field(description="Its urgency, with the rating")
    sender_paused_until: datetime | None = strawberry.field(
        description="When this rating (or an earlier one) paused the sender's break-throughs "
        "to the receiver: until when; null when they are not paused"
    )


ReplyResult = Annotated[
    ReplyPayload | ValidationError | NotFound | Conflict,
    strawberry.union("ReplyResult", description="The reply, or why not"),
]
RateUrgencyResult = Annotated[
    RateUrgencyPayload | ValidationError | NotFound | Conflict,
    strawberry.union("RateUrgencyResult", description="The rating, or why not"),
]
