"""What live updates read: the outbox by position, and the rows a subscription starts from.

The channels are the migration's (0009): `handoff_events` is notified by every
transaction that inserts events, `handoff_outbox` (with the new last position) by every
dispatch that gives events their positions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from handoff.ids import BadId, decode_as
from handoff.storage.queries import Queries
from handoff.storage.run import Conn, Ids, Row, rows, scalar
from handoff.storage.webhooks import DISPATCH_NAMESPACE

Q = Queries("live")
EVENTS_CHANNEL = "handoff_events"
OUTBOX_CHANNEL = "handoff_outbox"


async def listen(conn: Conn) -> None:
    """LISTEN on both channels (an autocommit connection kept for it)."""
    await conn.execute(Q.listen_events)
    await conn.execute(Q.listen_outbox)


async def try_lead(conn: Conn) -> bool:
    """Become the API process that dispatches when woken, for as long as this session
    lives (a session advisory lock); False when another process holds it."""
    return bool(await scalar(conn, Q.try_lead, {"namespace": DISPATCH_NAMESPACE}))


async def last_position(conn: Conn) -> int:
    """The outbox position of the last dispatched event (0 before the first)."""
    return int(await scalar(conn, Q.last_position) or 0)


async def after_position(conn: Conn, after: int, limit: int) -> list[Row]:
    """Up to `limit` events of every workspace after `after`, in outbox order."""
    return await rows(conn, Q.after_position, {"after": after, "limit": limit})


async def replay(
    conn: Conn,
    ws: int,
    after: int,
    upto: int,
    limit: int,
    *,
    types: Sequence[str] | None = None,
    handoff_id: int | None = None,
) -> list[Row]:
    """Up to `limit` of a workspace's events in (after, upto], in outbox order."""
    params: dict[str, Any] = {
        "workspace_id": ws,
        "after": after,
        "upto": upto,
        "limit": limit,
        "types": list(types) if types is not None else None,
        "handoff_id": handoff_id,
    }
    return await rows(conn, Q.replay, params)


async def dispatched_at(conn: Conn, position: int) -> datetime | None:
    """When the event at `position` was dispatched; None when there is none."""
    found = await scalar(conn, Q.dispatched_at, {"position": position})
    return found if isinstance(found, datetime) else None


async def inbox_ids(
    conn: Conn, ws: int, receiver_id: int, sender_id: int | None = None
) -> list[tuple[int, datetime]]:
    """(id, delivered_at) of the handoffs in a receiver's inbox, oldest first."""
    params = {"workspace_id": ws, "receiver_id": receiver_id, "sender_id": sender_id}
    return [(r["id"], r["delivered_at"]) for r in await rows(conn, Q.inbox_ids, params)]


async def live_tokens(conn: Conn, token_ids: Sequence[int], now: datetime) -> set[int]:
    """The tokens among `token_ids` that still work at `now`."""
    found = await rows(conn, Q.live_tokens, {"ids": Ids(token_ids), "now": now})
    return {int(r["id"]) for r in found}


async def token_expiry(conn: Conn, token_id: int) -> datetime | None:
    """When a token expires (None: never)."""
    found = await scalar(conn, Q.token_expiry, {"id": token_id})
    return found if isinstance(found, datetime) else None


async def parties_at(conn: Conn, ws: int, handoff_id: int, position: int) -> tuple[int, ...]:
    """The sender and receiver a handoff had at an outbox position (as its events say)."""
    params = {"workspace_id": ws, "handoff_id": handoff_id, "position": position}
    found = await rows(conn, Q.parties_at, params)
    people = []
    for ref in (found[0]["sender"], found[0]["receiver"]) if found else ():
        with contextlib.suppress(BadId, TypeError):
            people.append(decode_as(ref, "Person"))
    return tuple(people)
