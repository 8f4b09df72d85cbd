"""The event outbox: what webhooks carry, written in the transaction of the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from handoff.storage.queries import q


def new_public_id() -> str:
    """A fresh standard-webhooks message id."""
    return f"msg_{uuid.uuid4().hex}"


async def record_event(
    conn: AsyncConnection,
    workspace_id: int,
    type_: str,
    data: dict[str, Any],
    now: datetime,
    *,
    handoff_id: int | None = None,
    person_id: int | None = None,
) -> int:
    """Append one event to the outbox; returns its row id."""
    cur = await conn.execute(
        q("event_insert"),
        {
            "workspace_id": workspace_id,
            "type": type_,
            "handoff_id": handoff_id,
            "person_id": person_id,
            "payload": Jsonb(data),
            "occurred_at": now,
            "public_id": new_public_id(),
        },
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"]) if isinstance(row, dict) else int(row[0])
