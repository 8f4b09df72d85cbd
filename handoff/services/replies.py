"""Quick replies: a preset short answer from the receiver back to the sender.

`reply_to_handoff` acknowledges a delivered handoff (which cancels its reminders and
escalation, and is the answer the response clock waits for), stores the reply and
schedules a REPLY follow-up at the sender's next delivery instant: the reply reaches the
sender in the sender's working hours, like any follow-up, as a `handoff.replied` event
(built in SQL by `storage.replies.deliver` when the delivery engine carries it out). Later
changes to the handoff (completing, cancelling) never cancel a reply on its way.
"""

from __future__ import annotations

from datetime import datetime

from handoff.services import lifecycle, lookups
from handoff.services.errors import Conflict, Invalid
from handoff.services.rights import Actor, Right, require
from handoff.services.routing import reaches_sender
from handoff.services.text import trimmed
from handoff.states import HandoffStatus, ReplyPreset
from handoff.storage import replies
from handoff.storage.models import Handoff
from handoff.storage.replies import NewReply, Reply
from handoff.storage.run import Conn

MAX_TEXT = 1_000
LABELS = {ReplyPreset.OK: "OK", ReplyPreset.WILL_DO: "Will do", ReplyPreset.NEED_INFO: "Need info"}
ANSWERABLE = (HandoffStatus.DELIVERED, HandoffStatus.ACKNOWLEDGED)


async def reply_to_handoff(
    conn: Conn,
    ws: int,
    now: datetime,
    handoff_id: int,
    preset: ReplyPreset,
    text: str | None = None,
    actor: Actor | None = None,
) -> tuple[Handoff, Reply]:
    """The receiver answers `preset` (and optional text, at most 1,000 characters)."""
    handoff = await lookups.handoff(conn, ws, handoff_id, lock=True)
    require(actor, Right.ANSWER, field="handoffId", handoff=handoff)
    body = trimmed(text or "")
    if len(body) > MAX_TEXT:
        raise Invalid("text", f"text is {len(body):,} characters; at most {MAX_TEXT:,}")
    if handoff.status not in ANSWERABLE:
        raise Conflict(
            f"cannot reply to a {handoff.status} handoff; only delivered or acknowledged "
            "handoffs can be answered"
        )
    sender = await lookups.person(conn, ws, handoff.sender_id)
    receiver = await lookups.person(conn, ws, handoff.receiver_id)
    if handoff.status == HandoffStatus.DELIVERED:
        handoff = await lifecycle.transition(
            conn, ws, now, handoff.id, HandoffStatus.ACKNOWLEDGED, actor=actor
        )
    why = (
        f"{receiver.name} replied {LABELS[preset]!r}: it reaches {sender.name} in "
        f"{sender.name}'s working hours."
    )
    due, reasons = reaches_sender(sender, now)
    reply = await replies.create(
        conn,
        NewReply(
            workspace_id=ws,
            handoff_id=handoff.id,
            person_id=receiver.id,
            sender_id=sender.id,
            preset=preset,
            text=body,
            due_at=due,
            digest=bool(sender.policy.digest_times),
            explanation=[why, *reasons],
        ),
        now,
    )
    return handoff, reply
