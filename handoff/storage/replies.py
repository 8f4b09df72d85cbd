"""Quick replies in PostgreSQL: the reply with the REPLY follow-up that carries it to the
sender, and the `handoff.replied` events of replies that reached their senders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.types.json import Jsonb

from handoff.states import ReplyPreset
from handoff.storage.from_row import FromRow
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, execute, many, one

Q = Queries("replies")


@dataclass(frozen=True)
class Reply(FromRow):
    """A quick reply; `deliver_at` is when its follow-up reaches the sender."""

    id: int
    workspace_id: int
    handoff_id: int
    person_id: int
    preset: ReplyPreset
    text: str
    follow_up_id: int
    created_at: datetime
    delivered_at: datetime | None
    deliver_at: datetime


@dataclass(frozen=True)
class NewReply:
    """A reply to store, with the instant and explanation of its REPLY follow-up."""

    workspace_id: int
    handoff_id: int
    person_id: int
    sender_id: int
    preset: ReplyPreset
    text: str
    due_at: datetime
    digest: bool
    explanation: list[str]


async def create(conn: Conn, new: NewReply, now: datetime) -> Reply:
    """Store the reply and schedule its REPLY follow-up for the sender (one statement)."""
    params = {
        "workspace_id": new.workspace_id,
        "handoff_id": new.handoff_id,
        "person_id": new.person_id,
        "sender_id": new.sender_id,
        "preset": new.preset,
        "text": new.text,
        "due_at": new.due_at,
        "digest": new.digest,
        "explanation": Jsonb(new.explanation),
        "now": now,
    }
    made = await one(conn, Q.create, params, Reply.from_row)
    assert made is not None
    return made


async def for_handoffs(conn: Conn, ws: int, ids: Sequence[int]) -> dict[int, list[Reply]]:
    """Each handoff's replies, oldest first."""
    groups: dict[int, list[Reply]] = defaultdict(list)
    params = {"workspace_id": ws, "ids": Ids(ids)}
    for r in await many(conn, Q.for_handoffs, params, Reply.from_row):
        groups[r.handoff_id].append(r)
    return groups


async def deliver(conn: Conn, follow_up_ids: Sequence[int], now: datetime) -> None:
    """Record `handoff.replied` for the replies whose follow-ups are among those just done."""
    if follow_up_ids:
        await execute(conn, Q.deliver, {"ids": Ids(follow_up_ids), "now": now})
